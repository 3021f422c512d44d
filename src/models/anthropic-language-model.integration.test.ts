// The Anthropic LanguageModel against a real local fake of the Messages endpoint.
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MnemoError } from '../core/errors.js';
import {
  createOpenAICompatibleTestServer,
  type OpenAICompatibleTestServer,
  type TestServerReply,
} from '../testing/openai-compatible-test-server.js';
import { createAnthropicLanguageModel } from './anthropic-language-model.js';
import { generateStructured } from './structured-output.js';

const messages = [{ role: 'user' as const, content: 'I moved to Lisbon.' }];
let server: OpenAICompatibleTestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(replies: TestServerReply[], maxRetries = 2) {
  server = await createOpenAICompatibleTestServer({ replies });
  const model = createAnthropicLanguageModel({
    apiKey: 'sk-ant-test',
    model: 'claude-test',
    baseURL: server.baseURL,
    retryBaseDelayMs: 1,
    maxRetries,
  });
  return { server, model };
}

describe('createAnthropicLanguageModel', () => {
  it('calls /messages with the key, system and messages, and reports usage', async () => {
    const { server, model } = await setup([{ content: 'Hi!', usage: { inputTokens: 20, outputTokens: 2 } }]);
    const result = await model.generate({ system: 'Be brief.', messages, maxOutputTokens: 64 });
    expect(result).toMatchObject({ text: 'Hi!', usage: { inputTokens: 20, outputTokens: 2 } });
    const request = server.requests[0];
    expect(request?.path).toBe('/v1/messages');
    expect(request?.headers['x-api-key']).toBe('sk-ant-test');
    expect(request?.body).toMatchObject({ model: 'claude-test', max_tokens: 64 });
    expect(JSON.stringify(request?.body.system)).toMatch(/Be brief\./);
    expect(request?.body.messages[0].role).toBe('user');
    expect(model.capabilities.structuredOutput).toBe('prompt-only');
  });

  it('asks for JSON through the system prompt and parses a prose-wrapped answer', async () => {
    const { server, model } = await setup([{ content: 'Here you go:\n{"facts":["moved to Lisbon"]}' }]);
    const result = await generateStructured({
      model,
      messages,
      schema: z.object({ facts: z.array(z.string()) }),
      name: 'facts',
    });
    expect(result.value.facts).toEqual(['moved to Lisbon']);
    const body = server.requests[0]?.body;
    expect(JSON.stringify(body.system)).toMatch(/JSON Schema/);
    expect(body.tools).toBeUndefined();
    expect(body.output_format).toBeUndefined();
  });

  it('retries a 529-style overload (5xx) and then succeeds', async () => {
    const { server, model } = await setup([{ status: 529, message: 'Overloaded' }, { content: 'ok' }]);
    await expect(model.generate({ messages })).resolves.toMatchObject({ text: 'ok' });
    expect(server.requests).toHaveLength(2);
  });

  it('throws LLM_FAILED naming the env vars when the key is rejected', async () => {
    const { server, model } = await setup([{ status: 401, message: 'invalid x-api-key' }]);
    const error = await model.generate({ messages }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MnemoError);
    expect((error as MnemoError).code).toBe('LLM_FAILED');
    expect((error as MnemoError).message).toMatch(/MNEMO_LLM_API_KEY/);
    expect((error as MnemoError).message).toMatch(/HTTP 401/);
    expect(server.requests).toHaveLength(1);
  });

  it('rejects an empty API key with CONFIG_INVALID', () => {
    expect(() => createAnthropicLanguageModel({ apiKey: '', model: 'claude-test' })).toThrow(
      /MNEMO_LLM_API_KEY/,
    );
  });
});
