// End-to-end QA runs against a real OpenAI-compatible chat server on 127.0.0.1 with scripted replies.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isMnemoError, type MnemoError } from '../../core/errors.js';
import { answerSystemPrompt } from './answer-question.js';
import { judgeSystemPrompt } from './judge-answer.js';
import { createQaLanguageModel } from './qa-language-model.js';
import { type QaItem, runQa } from './run-qa.js';

interface ChatRequest {
  url: string;
  authorization: string | undefined;
  body: {
    model: string;
    messages: Array<{ role: string; content: string }>;
    temperature?: number;
    max_tokens?: number;
  };
}

interface ChatReply {
  status?: number;
  content?: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** Never answer (for timeouts). */
  hang?: boolean;
}

const servers: Server[] = [];

async function startChatServer(
  reply: (request: ChatRequest) => ChatReply,
): Promise<{ baseURL: string; requests: ChatRequest[] }> {
  const requests: ChatRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded: ChatRequest = {
        url: request.url ?? '',
        authorization: request.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      };
      requests.push(recorded);
      if (request.method !== 'POST' || recorded.url !== '/v1/chat/completions') {
        response.writeHead(404).end();
        return;
      }
      send(response, recorded, reply(recorded));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseURL: `http://127.0.0.1:${port}/v1`, requests };
}

function send(response: ServerResponse, request: ChatRequest, reply: ChatReply): void {
  if (reply.hang === true) return;
  if (reply.status !== undefined && reply.status !== 200) {
    // retry-after-ms keeps the AI SDK's backoff short; real servers send it too.
    response.writeHead(reply.status, { 'content-type': 'application/json', 'retry-after-ms': '1' });
    response.end(JSON.stringify({ error: { message: 'scripted failure', type: 'server_error' } }));
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      id: `chatcmpl-${Date.now()}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.body.model,
      choices: [
        { index: 0, message: { role: 'assistant', content: reply.content ?? '' }, finish_reason: 'stop' },
      ],
      ...(reply.usage === undefined
        ? {}
        : {
            usage: {
              ...reply.usage,
              total_tokens: reply.usage.prompt_tokens + reply.usage.completion_tokens,
            },
          }),
    }),
  );
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

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
};

function scriptedReply(request: ChatRequest): ChatReply {
  const [system, user] = request.body.messages;
  const prompt = user?.content ?? '';
  const entry = Object.entries(script).find(([question]) => prompt.includes(question))?.[1];
  if (entry === undefined) return { status: 400 };
  // Usage depends on the prompt so that the totals can only match if every call's usage is summed.
  if (system?.content === answerSystemPrompt) {
    return { content: entry.answer, usage: { prompt_tokens: prompt.length, completion_tokens: 7 } };
  }
  if (system?.content === judgeSystemPrompt) {
    return { content: entry.verdict, usage: { prompt_tokens: prompt.length, completion_tokens: 2 } };
  }
  return { status: 400 };
}

describe('runQa against an OpenAI-compatible server', () => {
  it('answers, scores and judges every item and sums the usage the server reported', async () => {
    const server = await startChatServer(scriptedReply);
    const llm = createQaLanguageModel({ baseURL: server.baseURL, model: 'scripted-model', apiKey: 'secret' });
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
    expect(result.overall.count).toBe(3);
    expect(result.overall.f1).toBeCloseTo((1 + 0.8 + 0) / 3, 10);
    expect(result.overall.bleu1).toBeCloseTo((1 + 2 / 3 + 0) / 3, 10);
    expect(result.overall.judgeAccuracy).toBeCloseTo(2 / 3, 10);
    expect(result.byCategory['4']).toEqual({ count: 2, f1: 0.5, bleu1: 0.5, judgeAccuracy: 0.5 });
    expect(result.byCategory['2']?.f1).toBeCloseTo(0.8, 10);
    expect(result.byCategory['2']?.judgeAccuracy).toBe(1);

    expect(server.requests).toHaveLength(6);
    const promptTokens = server.requests.reduce(
      (sum, request) => sum + (request.body.messages[1]?.content.length ?? 0),
      0,
    );
    expect(result.totalTokens).toEqual({ input: promptTokens, output: 3 * 7 + 3 * 2, calls: 6 });
    expect(result.tokensPerQuestion.input).toBeCloseTo(promptTokens / 3, 10);
    expect(result.tokensPerQuestion.output).toBeCloseTo(9, 10);
    expect(result.tokensPerQuestion.answer.output).toBeCloseTo(7, 10);
    expect(result.tokensPerQuestion.judge.output).toBeCloseTo(2, 10);
    expect(result.latencyMs.p95).toBeGreaterThanOrEqual(result.latencyMs.p50);
    expect(result.model).toBe('scripted-model');
    expect(result.warnings).toEqual([]);
    expect(progress).toEqual([1, 2, 3]);
  });

  it('sends the memories as dated, attributed data and the prediction to the judge', async () => {
    const server = await startChatServer(scriptedReply);
    const llm = createQaLanguageModel({ baseURL: server.baseURL, model: 'scripted-model', apiKey: 'secret' });
    await runQa({ llm, items: items.slice(0, 1), dataset: 'locomo' });

    const [answerCall, judgeCall] = server.requests;
    expect(answerCall?.authorization).toBe('Bearer secret');
    expect(answerCall?.body.model).toBe('scripted-model');
    expect(answerCall?.body.temperature).toBe(0);
    expect(answerCall?.body.messages[0]).toEqual({ role: 'system', content: answerSystemPrompt });
    const answerPrompt = answerCall?.body.messages[1]?.content ?? '';
    expect(answerPrompt).toContain('[1] 2023-04-02 18:00 (Sun) — Ben: Porto is lovely in spring.');
    expect(answerPrompt).toContain('[2] 2024-03-08 09:15 (Fri) — Ana: I moved to Lisbon last week!');
    expect(judgeCall?.body.messages[0]).toEqual({ role: 'system', content: judgeSystemPrompt });
    expect(judgeCall?.body.messages[1]?.content).toContain('Gold Answer: Lisbon\n\nGenerated Answer: Lisbon');
  });

  it('picks the LongMemEval judge prompt from the category and flags unreadable verdicts', async () => {
    const server = await startChatServer((request) =>
      request.body.messages[0]?.content === judgeSystemPrompt
        ? { content: 'Hmm, hard to say.', usage: { prompt_tokens: 10, completion_tokens: 5 } }
        : { content: '19 days', usage: { prompt_tokens: 10, completion_tokens: 2 } },
    );
    const llm = createQaLanguageModel({ baseURL: server.baseURL, model: 'scripted-model' });
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

    expect(server.requests[0]?.body.messages[1]?.content).toContain('Current date: 2023/05/30 (Tue) 23:40');
    expect(server.requests[1]?.body.messages[1]?.content).toContain('do not penalize off-by-one errors');
    expect(result.questions[0]?.judgeParsed).toBe(false);
    expect(result.overall.judgeAccuracy).toBe(0);
    expect(result.warnings).toEqual([
      '1 of 1 judge replies held no readable yes/no and were counted as wrong',
    ]);
  });

  it('scores without the judge when it is turned off', async () => {
    const server = await startChatServer(scriptedReply);
    const llm = createQaLanguageModel({ baseURL: server.baseURL, model: 'scripted-model' });
    const result = await runQa({ llm, items, dataset: 'locomo', judge: false });

    expect(server.requests).toHaveLength(3);
    expect(result.overall.judgeAccuracy).toBeNull();
    expect(result.overall.f1).toBeCloseTo(0.6, 10);
    expect(result.tokensPerQuestion.judge).toEqual({ input: 0, output: 0 });
  });

  it('compares numeric references as text', async () => {
    const server = await startChatServer(() => ({
      content: 'In 2022',
      usage: { prompt_tokens: 3, completion_tokens: 2 },
    }));
    const llm = createQaLanguageModel({ baseURL: server.baseURL, model: 'scripted-model' });
    const result = await runQa({
      llm,
      dataset: 'locomo',
      judge: false,
      items: [{ id: 'q', question: 'Which year?', reference: 2022, category: 2, retrieved: [] }],
    });

    expect(result.questions[0]?.reference).toBe('2022');
    expect(result.overall.f1).toBeCloseTo(2 / 3, 10);
  });
});

describe('createQaLanguageModel', () => {
  it('retries a 500 and succeeds when the server recovers', async () => {
    let calls = 0;
    const server = await startChatServer(() => {
      calls += 1;
      return calls === 1
        ? { status: 500 }
        : { content: 'Lisbon', usage: { prompt_tokens: 12, completion_tokens: 1 } };
    });
    const llm = createQaLanguageModel({ baseURL: server.baseURL, model: 'scripted-model', maxRetries: 2 });
    const result = await llm.generate({ system: 's', prompt: 'p' });

    expect(server.requests).toHaveLength(2);
    expect(result).toMatchObject({ text: 'Lisbon', inputTokens: 12, outputTokens: 1 });
  });

  it('surfaces a persistent 500 as LLM_FAILED after the retries and stops the run', async () => {
    const server = await startChatServer(() => ({ status: 500 }));
    const llm = createQaLanguageModel({ baseURL: server.baseURL, model: 'scripted-model', maxRetries: 2 });
    const failure: unknown = await runQa({ llm, items, dataset: 'locomo', concurrency: 1 }).catch(
      (error: unknown) => error,
    );

    expect(isMnemoError(failure)).toBe(true);
    const error = failure as MnemoError;
    expect(error.code).toBe('LLM_FAILED');
    expect(error.message).toContain('MNEMO_LLM_BASE_URL');
    expect(error.message).toContain('MNEMO_LLM_MODEL');
    expect(error.message).toContain('scripted-model');
    expect(error.cause).toBeInstanceOf(Error);
    // one call and two retries for the first question; the other questions never start
    expect(server.requests).toHaveLength(3);
  });

  it('turns a timeout into LLM_FAILED', async () => {
    const server = await startChatServer(() => ({ hang: true }));
    const llm = createQaLanguageModel({ baseURL: server.baseURL, model: 'scripted-model', timeoutMs: 50 });
    const failure: unknown = await llm
      .generate({ system: 's', prompt: 'p' })
      .catch((error: unknown) => error);

    expect(isMnemoError(failure) && failure.code).toBe('LLM_FAILED');
  });

  it('strips reasoning blocks and estimates usage the server did not report', async () => {
    const server = await startChatServer(() => ({ content: '<think>She said Lisbon.</think>\nLisbon' }));
    const llm = createQaLanguageModel({ baseURL: server.baseURL, model: 'scripted-model' });
    const result = await llm.generate({ system: 'Answer briefly.', prompt: 'Where does Ana live?' });

    expect(result.text).toBe('Lisbon');
    expect(result.inputTokens).toBeGreaterThan(0);
    expect(result.outputTokens).toBeGreaterThan(0);
  });

  it('rejects an empty model name with CONFIG_INVALID naming MNEMO_LLM_MODEL', () => {
    expect(() => createQaLanguageModel({ baseURL: 'http://127.0.0.1:1/v1', model: ' ' })).toThrow(
      /MNEMO_LLM_MODEL/,
    );
  });
});
