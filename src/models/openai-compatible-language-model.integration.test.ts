// The OpenAI-compatible LanguageModel against a real scripted HTTP server on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MnemoError } from '../core/errors.js';
import {
  createOpenAICompatibleTestServer,
  type OpenAICompatibleTestServer,
  type OpenAICompatibleTestServerOptions,
} from '../testing/openai-compatible-test-server.js';
import {
  createOpenAICompatibleLanguageModel,
  type OpenAICompatibleLanguageModelOptions,
} from './openai-compatible-language-model.js';
import { generateStructured } from './structured-output.js';

const factsSchema = z.object({ facts: z.array(z.object({ text: z.string() })) });
const messages = [{ role: 'user' as const, content: 'I moved to Lisbon last March.' }];
let server: OpenAICompatibleTestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(
  serverOptions: OpenAICompatibleTestServerOptions,
  modelOptions: Partial<OpenAICompatibleLanguageModelOptions> = {},
) {
  server = await createOpenAICompatibleTestServer(serverOptions);
  const model = createOpenAICompatibleLanguageModel({
    baseURL: server.baseURL,
    model: 'test-model',
    apiKey: 'secret',
    retryBaseDelayMs: 1,
    ...modelOptions,
  });
  return { server, model };
}

async function failure(promise: Promise<unknown>): Promise<MnemoError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MnemoError);
  return error as MnemoError;
}

describe('createOpenAICompatibleLanguageModel', () => {
  it('sends a plain chat completion and reports text, usage and finish reason', async () => {
    const { server, model } = await setup({
      replies: [{ content: 'Hello!', usage: { inputTokens: 12, outputTokens: 3 } }],
    });
    const result = await model.generate({
      system: 'Be brief.',
      messages,
      maxOutputTokens: 50,
      temperature: 0,
    });
    expect(result).toMatchObject({
      text: 'Hello!',
      usage: { inputTokens: 12, outputTokens: 3 },
      finishReason: 'stop',
    });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    const request = server.requests[0];
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer secret');
    expect(request?.body).toMatchObject({
      model: 'test-model',
      max_tokens: 50,
      temperature: 0,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: messages[0]?.content },
      ],
    });
    expect(request?.body.response_format).toBeUndefined();
  });

  it('puts response_format json_schema in the request body and parses the schema-shaped answer', async () => {
    const { server, model } = await setup({ replies: [{ fromSchema: true }] });
    const result = await generateStructured({
      model,
      messages,
      schema: factsSchema,
      name: 'extracted_facts',
    });
    expect(result.value).toEqual({ facts: [{ text: 'example' }] });
    const format = server.requests[0]?.body.response_format;
    expect(format.type).toBe('json_schema');
    expect(format.json_schema.name).toBe('extracted_facts');
    expect(format.json_schema.strict).toBe(false);
    expect(format.json_schema.schema).toMatchObject({
      type: 'object',
      properties: { facts: { type: 'array' } },
    });
    expect(model.capabilities.structuredOutput).toBe('json-schema');
  });

  it('falls back to json_object on a 400 about response_format and remembers it', async () => {
    const warnings: string[] = [];
    const { server, model } = await setup(
      {
        rejectResponseFormats: ['json_schema'],
        replies: [{ content: '{"facts":[]}' }, { content: '{"facts":[]}' }],
      },
      { onWarning: (message) => warnings.push(message) },
    );
    await generateStructured({ model, messages, schema: factsSchema, name: 'facts' });
    await generateStructured({ model, messages, schema: factsSchema, name: 'facts' });
    const types = server.requests.map((request) => request.body.response_format?.type);
    expect(types).toEqual(['json_schema', 'json_object', 'json_object']);
    expect(model.capabilities.structuredOutput).toBe('json-object');
    expect(server.requests[1]?.body.messages[0].content).toMatch(/JSON Schema/);
    expect(warnings).toHaveLength(1);
  });

  it('falls back to prompt-only when the server rejects both JSON modes', async () => {
    const { server, model } = await setup({
      rejectResponseFormats: ['json_schema', 'json_object'],
      replies: [{ content: 'Here: {"facts":[{"text":"x"}]}' }],
    });
    const result = await generateStructured({ model, messages, schema: factsSchema, name: 'facts' });
    expect(result.value.facts).toEqual([{ text: 'x' }]);
    expect(server.requests.map((request) => request.body.response_format?.type)).toEqual([
      'json_schema',
      'json_object',
      undefined,
    ]);
    expect(server.requests[2]?.body.messages[0]).toMatchObject({ role: 'system' });
    expect(server.requests[2]?.body.messages[0].content).toMatch(/"facts"/);
    expect(model.capabilities.structuredOutput).toBe('prompt-only');
  });

  it('starts in the configured mode', async () => {
    const { server, model } = await setup(
      { replies: [{ content: '{"facts":[]}' }] },
      { structuredOutput: 'json-object' },
    );
    await generateStructured({ model, messages, schema: factsSchema, name: 'facts' });
    expect(server.requests[0]?.body.response_format).toEqual({ type: 'json_object' });
  });

  it('retries a 500 and then succeeds', async () => {
    const { server, model } = await setup({ replies: [{ status: 500 }, { status: 503 }, { content: 'ok' }] });
    const result = await model.generate({ messages });
    expect(result.text).toBe('ok');
    expect(server.requests).toHaveLength(3);
  });

  it('retries a 429', async () => {
    const { server, model } = await setup({
      replies: [{ status: 429, message: 'slow down' }, { content: 'ok' }],
    });
    await expect(model.generate({ messages })).resolves.toMatchObject({ text: 'ok' });
    expect(server.requests).toHaveLength(2);
  });

  it('throws LLM_FAILED naming the env vars after maxRetries 5xx answers, with the cause chained', async () => {
    const { server, model } = await setup({ replies: [{ status: 500 }, { status: 500 }] }, { maxRetries: 1 });
    const error = await failure(model.generate({ messages }));
    expect(error.code).toBe('LLM_FAILED');
    expect(error.message).toMatch(/MNEMO_LLM_BASE_URL/);
    expect(error.message).toMatch(/MNEMO_LLM_MODEL/);
    expect(error.message).toMatch(/MNEMO_LLM_API_KEY/);
    expect(error.message).toMatch(/HTTP 500/);
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.details).toMatchObject({ attempts: 2, model: 'test-model' });
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry a 401 and hints at the API key', async () => {
    const { server, model } = await setup({
      replies: [{ status: 401, message: 'bad key' }, { content: 'never' }],
    });
    const error = await failure(model.generate({ messages }));
    expect(error.code).toBe('LLM_FAILED');
    expect(error.message).toMatch(/HTTP 401.*API key/);
    expect(server.requests).toHaveLength(1);
  });

  it('times out each attempt, retries, then throws LLM_FAILED', async () => {
    const { server, model } = await setup(
      {
        replies: [
          { content: 'late', delayMs: 5000 },
          { content: 'late', delayMs: 5000 },
        ],
      },
      { timeoutMs: 100, maxRetries: 1 },
    );
    const error = await failure(model.generate({ messages }));
    expect(error.code).toBe('LLM_FAILED');
    expect(error.message).toMatch(/no answer within 100 ms/);
    expect(error.details).toMatchObject({ reason: 'timeout', attempts: 2 });
    expect(server.requests).toHaveLength(2);
  });

  it('recovers when only the first attempt times out', async () => {
    const { model } = await setup(
      { replies: [{ content: 'late', delayMs: 5000 }, { content: 'on time' }] },
      { timeoutMs: 200 },
    );
    await expect(model.generate({ messages })).resolves.toMatchObject({ text: 'on time' });
  });

  it('stops without retrying when the caller aborts', async () => {
    const { server, model } = await setup({
      replies: [{ content: 'late', delayMs: 5000 }, { content: 'x' }],
    });
    const controller = new AbortController();
    const pending = model.generate({ messages, abortSignal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await failure(pending);
    expect(error.details).toMatchObject({ reason: 'aborted', attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    [
      'prose-wrapped JSON',
      'Sure, here are the facts:\n{"facts":[{"text":"moved to Lisbon"}]}\nAnything else?',
    ],
    [
      'a think block before the JSON',
      '<think>The user moved {somewhere}.</think>\n```json\n{"facts":[{"text":"moved to Lisbon"}]}\n```',
    ],
  ])('parses %s from a real server answer', async (_name, content) => {
    const { model } = await setup({ replies: [{ content }] });
    const result = await generateStructured({ model, messages, schema: factsSchema, name: 'facts' });
    expect(result.value.facts).toEqual([{ text: 'moved to Lisbon' }]);
    expect(result.calls).toBe(1);
  });

  it('repairs invalid JSON with one extra call and sums usage over both calls', async () => {
    const { server, model } = await setup({
      replies: [
        { content: '{"facts": [{"text": ', usage: { inputTokens: 100, outputTokens: 7 } },
        { content: '{"facts":[{"text":"fixed"}]}', usage: { inputTokens: 130, outputTokens: 9 } },
      ],
    });
    const result = await generateStructured({ model, messages, schema: factsSchema, name: 'facts' });
    expect(result.value.facts).toEqual([{ text: 'fixed' }]);
    expect(result.calls).toBe(2);
    expect(result.usage).toEqual({ inputTokens: 230, outputTokens: 16 });
    const repairMessages = server.requests[1]?.body.messages;
    expect(repairMessages.at(-2)).toEqual({ role: 'assistant', content: '{"facts": [{"text": ' });
    expect(repairMessages.at(-1).content).toMatch(/could not be used: no valid JSON/);
  });

  it('throws LLM_OUTPUT_INVALID with the raw answer when the repair is invalid too', async () => {
    const { server, model } = await setup({
      replies: [{ content: 'no idea' }, { content: '{"facts": "none"}' }],
    });
    const error = await failure(generateStructured({ model, messages, schema: factsSchema, name: 'facts' }));
    expect(error.code).toBe('LLM_OUTPUT_INVALID');
    expect(error.details).toMatchObject({ raw: '{"facts": "none"}', calls: 2 });
    expect(String(error.details?.error)).toMatch(/facts/);
    expect(server.requests).toHaveLength(2);
  });

  it('rejects invalid options with CONFIG_INVALID naming the env var', () => {
    expect(() => createOpenAICompatibleLanguageModel({ baseURL: ' ', model: '' })).toThrow(
      /MNEMO_LLM_BASE_URL/,
    );
    expect(() =>
      createOpenAICompatibleLanguageModel({ baseURL: 'http://x/v1', model: 'm', maxRetries: -1 }),
    ).toThrow(/maxRetries/);
  });
});
