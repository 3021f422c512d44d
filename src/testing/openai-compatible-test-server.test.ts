// Tests for the scripted OpenAI-compatible test server exported by `mnemo/testing`.
import { describe, expect, it } from 'vitest';
import { createOpenAICompatibleTestServer, sampleFromJsonSchema } from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: the reply is arbitrary JSON that the tests index freely.
type Json = any;

async function post(url: string, body: unknown): Promise<{ status: number; json: Json }> {
  const response = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: response.status, json: await response.json() };
}

describe('createOpenAICompatibleTestServer', () => {
  it('answers scripted replies in order, records requests, then 500s when the script is spent', async () => {
    await using server = await createOpenAICompatibleTestServer({
      replies: [{ content: 'hi' }, { status: 503 }],
    });
    const url = `${server.baseURL}/chat/completions`;
    const first = await post(url, { model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(first.status).toBe(200);
    expect(first.json.choices[0].message.content).toBe('hi');
    expect(first.json.usage.completion_tokens).toBeGreaterThan(0);
    expect((await post(url, {})).status).toBe(503);
    const spent = await post(url, {});
    expect(spent.status).toBe(500);
    expect(spent.json.error.message).toMatch(/no scripted reply left/);
    expect(server.requests.map((request) => request.body.model)).toEqual(['m', undefined, undefined]);
  });

  it('rejects listed response formats with a 400 naming response_format', async () => {
    await using server = await createOpenAICompatibleTestServer({
      rejectResponseFormats: ['json_schema'],
      replies: [],
    });
    const reply = await post(`${server.baseURL}/chat/completions`, {
      response_format: { type: 'json_schema' },
    });
    expect(reply.status).toBe(400);
    expect(reply.json.error.message).toMatch(/response_format/);
  });

  it('answers in Anthropic shape on /messages', async () => {
    await using server = await createOpenAICompatibleTestServer({ replies: [{ content: 'hello' }] });
    const reply = await post(`${server.baseURL}/messages`, { model: 'claude' });
    expect(reply.json).toMatchObject({
      type: 'message',
      content: [{ type: 'text', text: 'hello' }],
      model: 'claude',
    });
  });
});

describe('sampleFromJsonSchema', () => {
  it.each([
    [{ type: 'string' }, 'example'],
    [{ type: 'integer', minimum: 3 }, 3],
    [{ type: 'boolean' }, true],
    [{ enum: ['add', 'ignore'] }, 'add'],
    [{ anyOf: [{ type: 'number' }, { type: 'null' }] }, 0],
    [{ type: 'array', items: { type: 'string' } }, ['example']],
    [
      { type: 'object', properties: { a: { type: 'string' }, b: { type: ['null', 'number'] } } },
      { a: 'example', b: null },
    ],
  ])('%j → %j', (schema, expected) => {
    expect(sampleFromJsonSchema(schema)).toEqual(expected);
  });
});
