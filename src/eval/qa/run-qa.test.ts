// End-to-end QA runs through the project's OpenAI-compatible LanguageModel against a scripted server on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import { isMnemoError, type MnemoError } from '../../core/errors.js';
import { createOpenAICompatibleLanguageModel } from '../../models/openai-compatible-language-model.js';
import {
  createOpenAICompatibleTestServer,
  type OpenAICompatibleTestServer,
  type TestServerReply,
  type TestServerRequest,
} from '../../testing/openai-compatible-test-server.js';
import { answerSystemPrompt } from './answer-question.js';
import { generateQaText } from './generate-qa-text.js';
import { judgeSystemPrompt } from './judge-answer.js';
import { createQaRun, type QaItem, runQa } from './run-qa.js';

const servers: OpenAICompatibleTestServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A server that answers every request (up to 40) with `reply(request)`. */
async function startServer(reply: (request: TestServerRequest) => TestServerReply) {
  const server = await createOpenAICompatibleTestServer({ replies: Array.from({ length: 40 }, () => reply) });
  servers.push(server);
  const llm = createOpenAICompatibleLanguageModel({
    baseURL: server.baseURL,
    model: 'scripted-model',
    apiKey: 'secret',
    retryBaseDelayMs: 1,
  });
  return { server, llm };
}

function systemOf(request: TestServerRequest | undefined): string {
  return request?.body.messages[0]?.content ?? '';
}

function promptOf(request: TestServerRequest | undefined): string {
  return request?.body.messages[1]?.content ?? '';
}

const items: QaItem[] = [
  {
    id: 'conv-1:q1',
    question: 'Where does Ana live?',
    reference: 'Lisbon',
    category: 4,
    retrieved: [
      { text: 'I moved to Lisbon last week!', observedAt: '2024-03-08T09:15:00Z', speaker: 'Ana' },
      { text: 'Porto is lovely in spring.', observedAt: '2023-04-02T18:00:00Z', speaker: 'Ben' },
    ],
  },
  {
    id: 'conv-1:q2',
    question: 'When did Ana move to Lisbon?',
    reference: 'March 2024',
    category: 2,
    retrieved: [{ text: 'I moved to Lisbon last week!', observedAt: '2024-03-08T09:15:00Z', speaker: 'Ana' }],
  },
  {
    id: 'conv-1:q3',
    question: "What is Ana's dog called?",
    reference: 'Biscuit',
    category: 4,
    retrieved: [],
  },
];

/** The answer and the judge's verdict the scripted server gives for each question. */
const script: Record<string, { answer: string; verdict: string }> = {
  'Where does Ana live?': { answer: 'Lisbon', verdict: 'yes' },
  'When did Ana move to Lisbon?': { answer: 'in March 2024', verdict: 'Yes, it is the same month.' },
  "What is Ana's dog called?": { answer: 'Her dog is Rex', verdict: 'No.' },
  'What did Ana say about opera?': { answer: 'Not mentioned in the conversation.', verdict: 'yes' },
};

function scriptedReply(request: TestServerRequest): TestServerReply {
  const prompt = promptOf(request);
  const entry = Object.entries(script).find(([question]) => prompt.includes(question))?.[1];
  if (entry === undefined) return { status: 400, message: 'unscripted question' };
  // Usage depends on the prompt so that the totals can only match if every call's usage is summed.
  if (systemOf(request) === answerSystemPrompt) {
    return { content: entry.answer, usage: { inputTokens: prompt.length, outputTokens: 7 } };
  }
  if (systemOf(request) === judgeSystemPrompt) {
    return { content: entry.verdict, usage: { inputTokens: prompt.length, outputTokens: 2 } };
  }
  return { status: 400, message: 'unknown system prompt' };
}

describe('runQa against an OpenAI-compatible server', () => {
  it('answers, scores and judges every item and sums the usage the server reported', async () => {
    const { server, llm } = await startServer(scriptedReply);
    const progress: number[] = [];
    const result = await runQa({
      llm,
      items,
      dataset: 'locomo',
      concurrency: 2,
      onProgress: ({ done }) => progress.push(done),
    });

    expect(result.questions.map((question) => question.prediction)).toEqual([
      'Lisbon',
      'in March 2024',
      'Her dog is Rex',
    ]);
    expect(result.questions.map((question) => question.judgeCorrect)).toEqual([true, true, false]);
    expect(result.overall.questions).toBe(3);
    expect(result.overall.f1).toBeCloseTo((1 + 0.8 + 0) / 3, 10);
    expect(result.overall.bleu1).toBeCloseTo((1 + 2 / 3 + 0) / 3, 10);
    expect(result.overall.judgeAccuracy).toBeCloseTo(2 / 3, 10);
    expect(result.byCategory['4']).toMatchObject({ questions: 2, f1: 0.5, bleu1: 0.5, judgeAccuracy: 0.5 });
    expect(result.byCategory['2']?.f1).toBeCloseTo(0.8, 10);
    expect(result.byCategory['2']?.judgeAccuracy).toBe(1);

    expect(server.requests).toHaveLength(6);
    const promptTokens = server.requests.reduce((sum, request) => sum + promptOf(request).length, 0);
    expect(result.totalTokens).toEqual({ input: promptTokens, output: 3 * 7 + 3 * 2, calls: 6 });
    expect(result.overall.tokensPerQuestion.input).toBeCloseTo(promptTokens / 3, 10);
    expect(result.overall.tokensPerQuestion.output).toBeCloseTo(9, 10);
    expect(result.byCategory['2']?.tokensPerQuestion.output).toBeCloseTo(9, 10);
    expect(result.tokensPerQuestionByStep.answer.output).toBeCloseTo(7, 10);
    expect(result.tokensPerQuestionByStep.judge.output).toBeCloseTo(2, 10);
    expect(result.overall.latencyMs.p50).toBeGreaterThan(0);
    expect(result.overall.latencyMs.p95).toBeGreaterThanOrEqual(result.overall.latencyMs.p50);
    expect(result.model).toBe('openai-compatible:scripted-model');
    expect(result.warnings).toEqual([]);
    expect(progress).toEqual([1, 2, 3]);
  });

  it('sends the memories as dated, attributed data at temperature 0 and the prediction to the judge', async () => {
    const { server, llm } = await startServer(scriptedReply);
    await runQa({ llm, items: items.slice(0, 1), dataset: 'locomo' });

    const [answerCall, judgeCall] = server.requests;
    expect(answerCall?.headers.authorization).toBe('Bearer secret');
    expect(answerCall?.body.model).toBe('scripted-model');
    expect(answerCall?.body.temperature).toBe(0);
    expect(systemOf(answerCall)).toBe(answerSystemPrompt);
    const answerPrompt = promptOf(answerCall);
    expect(answerPrompt).toContain('[1] 2023-04-02 18:00 (Sun) — Ben: Porto is lovely in spring.');
    expect(answerPrompt).toContain('[2] 2024-03-08 09:15 (Fri) — Ana: I moved to Lisbon last week!');
    expect(systemOf(judgeCall)).toBe(judgeSystemPrompt);
    expect(promptOf(judgeCall)).toContain('Gold Answer: Lisbon\n\nGenerated Answer: Lisbon');
  });

  it('scores LoCoMo adversarial questions by whether the answer declines and judges them as such', async () => {
    const { server, llm } = await startServer(scriptedReply);
    const result = await runQa({
      llm,
      dataset: 'locomo',
      items: [
        {
          id: 'conv-1:q4',
          question: 'What did Ana say about opera?',
          reference: 'Not mentioned in the conversation',
          adversarialAnswer: 'She loves Verdi',
          category: 5,
          retrieved: [],
        },
      ],
    });
    expect(result.questions[0]).toMatchObject({ abstention: true, f1: 1, bleu1: 1, judgeCorrect: true });
    expect(promptOf(server.requests[1])).toContain('such as "She loves Verdi"');
  });

  it('picks the LongMemEval judge prompt from the category and flags unreadable verdicts', async () => {
    const { server, llm } = await startServer((request) =>
      systemOf(request) === judgeSystemPrompt
        ? { content: 'Hmm, hard to say.', usage: { inputTokens: 10, outputTokens: 5 } }
        : { content: '19 days', usage: { inputTokens: 10, outputTokens: 2 } },
    );
    const result = await runQa({
      llm,
      dataset: 'longmemeval',
      items: [
        {
          id: 'gpt4_abc',
          question: 'How many days ago did I buy the bike?',
          reference: '18 days',
          category: 'temporal-reasoning',
          questionDate: '2023/05/30 (Tue) 23:40',
          retrieved: [],
        },
      ],
    });

    expect(promptOf(server.requests[0])).toContain('Current date: 2023/05/30 (Tue) 23:40');
    expect(promptOf(server.requests[1])).toContain('do not penalize off-by-one errors');
    expect(result.questions[0]?.judgeParsed).toBe(false);
    expect(result.overall.judgeAccuracy).toBe(0);
    expect(result.warnings).toEqual([
      '1 of 1 judge replies held no readable yes/no and were counted as wrong',
    ]);
  });

  it('scores without the judge when it is turned off', async () => {
    const { server, llm } = await startServer(scriptedReply);
    const result = await runQa({ llm, items, dataset: 'locomo', judge: false });
    expect(server.requests).toHaveLength(3);
    expect(result.overall.judgeAccuracy).toBeNull();
    expect(result.overall.f1).toBeCloseTo(0.6, 10);
    expect(result.tokensPerQuestionByStep.judge).toEqual({ input: 0, output: 0 });
  });

  it('compares numeric references as text', async () => {
    const { llm } = await startServer(() => ({
      content: 'In 2022',
      usage: { inputTokens: 3, outputTokens: 2 },
    }));
    const result = await runQa({
      llm,
      dataset: 'locomo',
      judge: false,
      items: [{ id: 'q', question: 'Which year?', reference: 2022, category: 2, retrieved: [] }],
    });
    expect(result.questions[0]?.reference).toBe('2022');
    expect(result.overall.f1).toBeCloseTo(2 / 3, 10);
  });

  it('surfaces a persistent 500 as LLM_FAILED after the retries and stops the run', async () => {
    const { server, llm } = await startServer(() => ({ status: 500 }));
    const failure: unknown = await runQa({ llm, items, dataset: 'locomo', concurrency: 1 }).catch(
      (error: unknown) => error,
    );
    expect(isMnemoError(failure)).toBe(true);
    const error = failure as MnemoError;
    expect(error.code).toBe('LLM_FAILED');
    expect(error.message).toContain('MNEMO_LLM_BASE_URL');
    expect(error.message).toContain('MNEMO_LLM_MODEL');
    expect(error.message).toContain('scripted-model');
    // one call and two retries for the first question; the other questions never start
    expect(server.requests).toHaveLength(3);
  });
});

describe('createQaRun', () => {
  it('takes items in batches while it works and keeps their order', async () => {
    const { llm } = await startServer(scriptedReply);
    const run = createQaRun({ llm, dataset: 'locomo', concurrency: 3, judge: false });
    run.add(items.slice(0, 1));
    run.throwIfFailed();
    run.add(items.slice(1));
    expect(run.added).toBe(3);
    const result = await run.finish();
    expect(result.questions.map((question) => question.id)).toEqual(['conv-1:q1', 'conv-1:q2', 'conv-1:q3']);
  });

  it('reports the first failure from throwIfFailed once it happened', async () => {
    const { llm } = await startServer(() => ({ status: 400, message: 'bad model' }));
    const run = createQaRun({ llm, dataset: 'locomo' });
    run.add(items);
    await expect(run.finish()).rejects.toMatchObject({ code: 'LLM_FAILED' });
    expect(() => run.throwIfFailed()).toThrow(/bad model/);
  });

  it('rejects a concurrency that is not a positive integer', async () => {
    const { llm } = await startServer(scriptedReply);
    expect(() => createQaRun({ llm, dataset: 'locomo', concurrency: 0 })).toThrow(/positive integer/);
  });
});

describe('generateQaText', () => {
  it('strips reasoning blocks and estimates usage the server did not report', async () => {
    const { llm } = await startServer(() => ({
      content: '<think>She said Lisbon.</think>\nLisbon',
      usage: { inputTokens: 0, outputTokens: 0 },
    }));
    const result = await generateQaText({ llm, system: 'Answer briefly.', prompt: 'Where does Ana live?' });
    expect(result.text).toBe('Lisbon');
    expect(result.inputTokens).toBeGreaterThan(0);
    expect(result.outputTokens).toBeGreaterThan(0);
  });
});
