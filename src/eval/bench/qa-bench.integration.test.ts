// `mnemo bench … --qa` end to end: tiny fixtures, the LLM from MNEMO_LLM_* and a scripted server on 127.0.0.1.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerBenchCommand } from '../../cli/commands/bench-command.js';
import { describeFailure } from '../../cli/exit-codes.js';
import {
  createOpenAICompatibleTestServer,
  type OpenAICompatibleTestServer,
  type TestServerReply,
  type TestServerRequest,
} from '../../testing/openai-compatible-test-server.js';
import { answerSystemPrompt } from '../qa/answer-question.js';
import { judgeSystemPrompt } from '../qa/judge-answer.js';
import { writeBenchFixtures } from './test-support/bench-fixtures.js';

let directory: string;
let files: { locomo: string; longMemEval: string };
let server: OpenAICompatibleTestServer | undefined;

beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-qa-bench-test-'));
  files = await writeBenchFixtures(directory);
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await server?.close();
  server = undefined;
});

/** The scripted answer and judge verdict for each fixture question. */
const script: Record<string, { answer: string; verdict: string }> = {
  'Which pottery workshop did Caroline attend?': { answer: 'the downtown workshop', verdict: 'yes' },
  'Who shared a sunflower painting?': { answer: 'Caroline', verdict: 'Yes.' },
  'Which puppy and which volcanoes novel?': { answer: 'Rex', verdict: 'no' },
  'When did Melanie go camping at the lake?': { answer: 'in June 2023', verdict: 'yes' },
  'What did Melanie say about opera?': { answer: 'Not mentioned in the conversation.', verdict: 'yes' },
  'What is the name of my cat?': { answer: 'Luna', verdict: 'yes' },
  'How many trips to Portugal did I take?': { answer: 'two', verdict: 'yes' },
};

function systemOf(request: TestServerRequest | undefined): string {
  return request?.body.messages[0]?.content ?? '';
}

function promptOf(request: TestServerRequest | undefined): string {
  return request?.body.messages[1]?.content ?? '';
}

function scriptedReply(request: TestServerRequest): TestServerReply {
  const prompt = promptOf(request);
  const entry = Object.entries(script).find(([question]) => prompt.includes(question))?.[1];
  if (entry === undefined) return { status: 400, message: 'unscripted question' };
  if (systemOf(request) === answerSystemPrompt) {
    return { content: entry.answer, usage: { inputTokens: 100, outputTokens: 5 } };
  }
  return { content: entry.verdict, usage: { inputTokens: 40, outputTokens: 1 } };
}

/** Starts the scripted server and points MNEMO_LLM_* at it, as a user would. */
async function useScriptedLlm(reply: (request: TestServerRequest) => TestServerReply = scriptedReply) {
  server = await createOpenAICompatibleTestServer({ replies: Array.from({ length: 40 }, () => reply) });
  vi.stubEnv('MNEMO_LLM_PROVIDER', '');
  vi.stubEnv('MNEMO_LLM_BASE_URL', server.baseURL);
  vi.stubEnv('MNEMO_LLM_MODEL', 'scripted-model');
  vi.stubEnv('MNEMO_LLM_API_KEY', 'secret');
  return server;
}

/** Runs `mnemo bench …` in-process and returns what it printed on stdout. */
async function bench(args: string[]): Promise<string> {
  const program = new Command('mnemo').exitOverride();
  registerBenchCommand(program);
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await program.parseAsync(['bench', ...args], { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return chunks.join('');
}

describe('mnemo bench locomo --qa', () => {
  it('answers every question from the retrieved turns and reports F1, BLEU-1, judge, tokens and latency', async () => {
    const scripted = await useScriptedLlm();
    const output = JSON.parse(
      await bench(['locomo', '--data', files.locomo, '--k', '1,2', '--json', '--qa', '--qa-context', '3']),
    );

    // The retrieval report keeps its shape.
    expect(output).toMatchObject({ dataset: 'locomo', questions: 5, config: { ks: [1, 2] } });
    expect(output.baseline.overall['recall@1']).toBe(0.9);
    expect(Object.keys(output.latencyMs)).toEqual(['p50', 'p95']);

    const qa = output.qa;
    expect(qa.model).toBe('openai-compatible:scripted-model');
    expect(qa.questions).toBe(5);
    // F1: 2/3 ("the downtown workshop"), 1, 0 ("Rex"), 0.8 ("in June 2023"), 1 (adversarial, declined).
    expect(qa.overall.f1).toBeCloseTo((2 / 3 + 1 + 0 + 0.8 + 1) / 5, 10);
    expect(qa.overall.bleu1).toBeCloseTo((1 / 2 + 1 + 0 + 2 / 3 + 1) / 5, 10);
    expect(qa.overall.judgeAccuracy).toBeCloseTo(4 / 5, 10);
    expect(qa.overallCategories1to4.f1).toBeCloseTo((2 / 3 + 1 + 0 + 0.8) / 4, 10);
    expect(qa.overallCategories1to4.judgeAccuracy).toBeCloseTo(3 / 4, 10);
    expect(qa.byCategory['4'].f1).toBeCloseTo(5 / 6, 10);
    expect(qa.byCategory['4'].questions).toBe(2);
    expect(qa.byCategory['1']).toMatchObject({ questions: 1, f1: 0, bleu1: 0, judgeAccuracy: 0 });
    expect(qa.byCategory['5']).toMatchObject({ questions: 1, f1: 1, bleu1: 1, judgeAccuracy: 1 });
    expect(qa.overall.tokensPerQuestion).toEqual({ input: 140, output: 6 });
    expect(qa.byCategory['2'].tokensPerQuestion).toEqual({ input: 140, output: 6 });
    expect(qa.tokensPerQuestionByStep).toEqual({
      answer: { input: 100, output: 5 },
      judge: { input: 40, output: 1 },
    });
    expect(qa.totalTokens).toEqual({ input: 700, output: 30, calls: 10 });
    expect(qa.overall.latencyMs.p95).toBeGreaterThanOrEqual(qa.overall.latencyMs.p50);
    expect(qa.overall.latencyMs.p50).toBeGreaterThan(0);
    expect(qa.answers[4]).toMatchObject({
      category: '5',
      reference: 'Not mentioned in the conversation',
      prediction: 'Not mentioned in the conversation.',
      judgeCorrect: true,
    });
    expect(qa.config).toMatchObject({ context: 3, limit: null, concurrency: 4 });

    expect(scripted.requests).toHaveLength(10);
    const answerCalls = scripted.requests.filter((request) => systemOf(request) === answerSystemPrompt);
    expect(answerCalls).toHaveLength(5);
    expect(answerCalls.every((request) => request.body.temperature === 0)).toBe(true);
    const pottery = promptOf(
      answerCalls.find((request) => promptOf(request).includes('pottery workshop did')),
    );
    expect(pottery).toContain(
      '2023-05-08 13:56 (Mon) — Caroline: I went to the pottery workshop downtown yesterday.',
    );
    // At most --qa-context 3 retrieved turns, and only those with evidence for the question.
    expect((pottery.match(/^\[\d+\] /gm) ?? []).length).toBeLessThanOrEqual(3);
    const judgeCalls = scripted.requests.filter((request) => systemOf(request) === judgeSystemPrompt);
    const opera = promptOf(judgeCalls.find((request) => promptOf(request).includes('opera')));
    expect(opera).toContain('such as "nothing"');
    expect(opera).toContain('Model Response: Not mentioned in the conversation.');
  });

  it('answers only --qa-limit questions and prints the QA table beside the retrieval tables', async () => {
    const scripted = await useScriptedLlm();
    const lines = (
      await bench(['locomo', '--data', files.locomo, '--qa', '--qa-limit', '2', '--qa-concurrency', '1'])
    ).split('\n');
    expect(scripted.requests).toHaveLength(4);
    expect(lines.some((line) => line.startsWith('all · recall@5'))).toBe(true);
    expect(lines).toContain(
      'QA: 2 questions answered by openai-compatible:scripted-model from the top 10 retrieved turns',
    );
    // Both are single-hop: F1 (2/3 + 1) / 2, BLEU-1 (1/2 + 1) / 2, judge 2/2, 140 + 6 tokens per question.
    expect(
      lines.some((line) => /^all\s+\| 2 \| 0\.833 \|\s+0\.750 \| 1\.000 \|\s+140 \+ 6 \|/.test(line)),
    ).toBe(true);
    expect(lines.some((line) => /^4 single-hop\s+\| 2 \|/.test(line))).toBe(true);
    expect(lines).toContain('tokens 280 in + 12 out in 4 calls · per question: answer 100 + 5, judge 40 + 1');
  });

  it('stops with LLM_FAILED (exit code 1) when the model refuses the key', async () => {
    await useScriptedLlm(() => ({ status: 401, message: 'invalid api key' }));
    const failure = await bench(['locomo', '--data', files.locomo, '--qa']).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'LLM_FAILED' });
    expect(describeFailure(failure).exitCode).toBe(1);
  });
});

describe('mnemo bench longmemeval --qa', () => {
  it('asks on question_date with the retrieved turns and judges with the question type', async () => {
    const scripted = await useScriptedLlm();
    const output = JSON.parse(
      await bench([
        'longmemeval',
        '--data',
        files.longMemEval,
        '--k',
        '1,2',
        '--json',
        '--qa',
        '--qa-limit',
        '1',
      ]),
    );
    expect(output).toMatchObject({ dataset: 'longmemeval', questions: 2 });
    expect(output.qa.questions).toBe(1);
    expect(output.qa.byCategory['single-session-user']).toMatchObject({
      questions: 1,
      f1: 1,
      judgeAccuracy: 1,
    });
    expect(output.qa.overallCategories1to4).toBeUndefined();

    const [answerCall, judgeCall] = scripted.requests;
    expect(scripted.requests).toHaveLength(2);
    const prompt = promptOf(answerCall);
    expect(prompt).toContain('Current date: 2023/05/30 (Tue) 10:00');
    expect(prompt).toContain('2023-05-10 18:30 (Wed) — user: My cat Luna loves sleeping on the windowsill.');
    // Only retrieved turns with evidence reach the prompt: at most the haystack's 6, here the Luna turn among them.
    const numbered = prompt.match(/^\[\d+\] .*$/gm) ?? [];
    expect(numbered.length).toBeLessThanOrEqual(6);
    expect(numbered.some((line) => line.includes('My cat Luna loves sleeping on the windowsill.'))).toBe(
      true,
    );
    expect(promptOf(judgeCall)).toContain('Correct Answer: Luna\n\nModel Response: Luna');
    expect(promptOf(judgeCall)).toContain('If the response only contains a subset of the information');
  });
});

describe('mnemo bench --qa without a language model', () => {
  it('fails with INVALID_INPUT (exit code 2) naming MNEMO_LLM_BASE_URL and MNEMO_LLM_MODEL before reading the data', async () => {
    vi.stubEnv('MNEMO_LLM_PROVIDER', '');
    vi.stubEnv('MNEMO_LLM_BASE_URL', '');
    vi.stubEnv('MNEMO_LLM_MODEL', '');
    const missing = path.join(directory, 'does-not-exist.json');
    const failure = await bench(['locomo', '--data', missing, '--qa']).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'INVALID_INPUT' });
    const message = (failure as Error).message;
    expect(message).toContain('MNEMO_LLM_BASE_URL');
    expect(message).toContain('MNEMO_LLM_MODEL');
    expect(describeFailure(failure).exitCode).toBe(2);
  });

  it.each([
    [['--qa-limit', '2'], /these flags need --qa: --qa-limit/],
    [['--qa', '--qa-context', '0'], /--qa-context must be a positive integer/],
    [['--qa', '--qa-concurrency', '1000'], /--qa-concurrency must be at most 64/],
  ])('rejects %j as INVALID_INPUT', async (flags, message) => {
    const failure = await bench(['longmemeval', '--data', files.longMemEval, ...flags]).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(message) });
  });
});
