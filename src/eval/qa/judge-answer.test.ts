// Tests for the QA judge's prompts and its yes/no verdict parser.
import { describe, expect, it } from 'vitest';
import { buildJudgePrompt, parseJudgeVerdict } from './judge-answer.js';

describe('parseJudgeVerdict', () => {
  it.each([
    ['yes', true],
    ['Yes.', true],
    ['no', false],
    ['No, the response names Porto.', false],
    ['**Yes**', true],
    ['  "no"', false],
    ['CORRECT', true],
    ['WRONG', false],
    ['Incorrect.', false],
    ['{"label": "CORRECT"}', true],
    ['{"label": "WRONG"}', false],
    ['Answer: yes', true],
    ['The response is not correct', false],
    ['There is no mismatch with the gold answer, so: yes', true],
    ['The response mentions Porto, so the answer is no', false],
    ['<think>Maybe yes, maybe no… it says Porto.</think>\nno', false],
    ['<think>The gold answer is Lisbon and the response says Lisbon.</think> Yes', true],
    ['true', true],
    ['I cannot tell.', undefined],
    ['', undefined],
    ['<think>unfinished reasoning that says yes', undefined],
  ])('reads %j as %s', (reply, expected) => {
    expect(parseJudgeVerdict(reply)).toBe(expected);
  });
});

describe('buildJudgePrompt', () => {
  const base = {
    question: 'How many days ago did I buy the bike?',
    reference: '18 days',
    prediction: '19 days',
  };

  it('tolerates off-by-one day counts for LongMemEval temporal reasoning', () => {
    const prompt = buildJudgePrompt({ ...base, dataset: 'longmemeval', questionType: 'temporal-reasoning' });
    expect(prompt).toContain('do not penalize off-by-one errors');
    expect(prompt).toContain('Correct Answer: 18 days');
    expect(prompt).toContain('Model Response: 19 days');
  });

  it('accepts the updated answer for LongMemEval knowledge updates', () => {
    const prompt = buildJudgePrompt({ ...base, dataset: 'longmemeval', questionType: 'knowledge-update' });
    expect(prompt).toContain('as long as the updated answer is the required answer');
    expect(prompt).not.toContain('off-by-one');
  });

  it('judges LongMemEval preference questions on the rubric', () => {
    const prompt = buildJudgePrompt({
      ...base,
      dataset: 'longmemeval',
      questionType: 'single-session-preference',
    });
    expect(prompt).toContain('Rubric: 18 days');
    expect(prompt).not.toContain('Correct Answer:');
  });

  it('asks whether LongMemEval abstention answers decline', () => {
    const prompt = buildJudgePrompt({
      ...base,
      dataset: 'longmemeval',
      questionType: 'multi-session',
      abstention: true,
    });
    expect(prompt).toContain('unanswerable');
    expect(prompt).toContain('Explanation: 18 days');
  });

  it('uses the plain contains-the-answer prompt for other LongMemEval types', () => {
    const prompt = buildJudgePrompt({ ...base, dataset: 'longmemeval', questionType: 'multi-session' });
    expect(prompt).toContain('If the response only contains a subset of the information');
    expect(prompt).not.toContain('off-by-one');
  });

  it('is generous for LoCoMo, including dates in other formats', () => {
    const prompt = buildJudgePrompt({ ...base, dataset: 'locomo', questionType: 'temporal-reasoning' });
    expect(prompt).toContain('Be generous');
    expect(prompt).toContain('same date or period in any format');
    expect(prompt).toContain('Gold Answer: 18 days');
    expect(prompt).toContain('Generated Answer: 19 days');
  });

  it('asks for LoCoMo adversarial questions whether the answer says the information is missing', () => {
    const prompt = buildJudgePrompt({
      question: 'What did Melanie say about opera?',
      reference: 'Not mentioned in the conversation',
      prediction: 'She loves Verdi.',
      dataset: 'locomo',
      abstention: true,
      adversarialAnswer: 'She loves Verdi',
    });
    expect(prompt).toContain('says that the information is not available or not mentioned');
    expect(prompt).toContain('gives an answer instead, such as "She loves Verdi"');
    expect(prompt).toContain('Model Response: She loves Verdi.');
    expect(prompt).not.toContain('Be generous');
  });
});
