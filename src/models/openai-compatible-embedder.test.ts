// Tests for the OpenAI-compatible embedder against a real HTTP server on 127.0.0.1.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isMnemoError, MnemoError } from '../core/errors.js';
import { createOpenAICompatibleEmbedder } from './openai-compatible-embedder.js';

interface RecordedRequest {
  url: string;
  headers: IncomingMessage['headers'];
  body: { model: string; input: string[]; dimensions?: number };
}

type Responder = (request: RecordedRequest, response: ServerResponse) => void;

/** A vector of the given length whose entries depend on the text, so order can be checked. */
function fakeVector(text: string, length: number): number[] {
  return Array.from({ length }, (_, index) => (index === 0 ? 3 * (text.length + 1) : 4 * (index + 1)));
}

function openAIResponse(dimensions: (input: string[]) => number): Responder {
  return (request, response) => {
    const length = dimensions(request.body.input);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        object: 'list',
        data: request.body.input.map((text, index) => ({
          object: 'embedding',
          index,
          embedding: fakeVector(text, length),
        })),
        model: request.body.model,
        usage: { prompt_tokens: request.body.input.length * 2, total_tokens: request.body.input.length * 2 },
      }),
    );
  };
}

const servers: Server[] = [];

async function startServer(respond: Responder): Promise<{ baseURL: string; requests: RecordedRequest[] }> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded: RecordedRequest = {
        url: request.url ?? '',
        headers: request.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      };
      requests.push(recorded);
      if (request.method !== 'POST' || recorded.url !== '/v1/embeddings') {
        response.writeHead(404).end();
        return;
      }
      respond(recorded, response);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseURL: `http://127.0.0.1:${port}/v1`, requests };
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
});

function norm(vector: Float32Array): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

describe('createOpenAICompatibleEmbedder', () => {
  it('splits a batch by maxEmbeddingsPerCall and keeps the order', async () => {
    const server = await startServer(openAIResponse(() => 8));
    const model = createOpenAICompatibleEmbedder({
      baseURL: server.baseURL,
      model: 'test-embed',
      maxEmbeddingsPerCall: 2,
      maxRetries: 0,
    });
    const values = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
    const result = await model.embed({ values });
    expect(server.requests.map((request) => request.body.input)).toEqual([
      ['a', 'bb'],
      ['ccc', 'dddd'],
      ['eeeee'],
    ]);
    expect(server.requests[0]!.body.model).toBe('test-embed');
    expect(result.usage).toEqual({ calls: 3, tokens: 10 });
    expect(result.embeddings).toHaveLength(5);
    const firstEntries = result.embeddings.map((vector) => vector[0]! / vector[1]!);
    expect(firstEntries).toEqual([...firstEntries].sort((left, right) => left - right));
  });

  it('returns unit-length vectors', async () => {
    const server = await startServer(openAIResponse(() => 4));
    const model = createOpenAICompatibleEmbedder({ baseURL: server.baseURL, model: 'm', dimensions: 4 });
    const { embeddings } = await model.embed({ values: ['hello world', ''] });
    for (const vector of embeddings) expect(norm(vector)).toBeCloseTo(1, 5);
    expect(server.requests[0]!.body.input).toEqual(['hello world', ' ']);
  });

  it('sends the api key and custom headers', async () => {
    const server = await startServer(openAIResponse(() => 4));
    const model = createOpenAICompatibleEmbedder({
      baseURL: server.baseURL,
      model: 'm',
      apiKey: 'sk-test',
      headers: { 'x-team': 'memory' },
    });
    await model.embed({ values: ['x'] });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-test');
    expect(server.requests[0]!.headers['x-team']).toBe('memory');
  });

  it('learns the dimensions from the first response, then holds to them', async () => {
    let length = 6;
    const server = await startServer(openAIResponse(() => length));
    const model = createOpenAICompatibleEmbedder({ baseURL: server.baseURL, model: 'm', maxRetries: 0 });
    expect(model.dimensions).toBe(0);
    await model.embed({ values: ['first'] });
    expect(model.dimensions).toBe(6);
    length = 5;
    const failure = await model.embed({ values: ['second'] }).catch((error: unknown) => error);
    expect(isMnemoError(failure) && failure.code).toBe('EMBEDDING_FAILED');
    expect((failure as MnemoError).message).toMatch(/expected 6-dimensional/);
    expect(model.dimensions).toBe(6);
  });

  it('sends dimensions only when asked to', async () => {
    const server = await startServer(openAIResponse(() => 3));
    const plain = createOpenAICompatibleEmbedder({ baseURL: server.baseURL, model: 'm', dimensions: 3 });
    const shortened = createOpenAICompatibleEmbedder({
      baseURL: server.baseURL,
      model: 'm',
      dimensions: 3,
      requestDimensions: true,
    });
    await plain.embed({ values: ['x'] });
    await shortened.embed({ values: ['x'] });
    expect(server.requests.map((request) => request.body.dimensions)).toEqual([undefined, 3]);
  });

  it('maps an HTTP 500 to EMBEDDING_FAILED naming the environment variables, with the cause', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: 'model exploded', type: 'server_error' } }));
    });
    const model = createOpenAICompatibleEmbedder({ baseURL: server.baseURL, model: 'm', maxRetries: 0 });
    const failure = await model.embed({ values: ['x'] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MnemoError);
    expect((failure as MnemoError).code).toBe('EMBEDDING_FAILED');
    expect((failure as MnemoError).message).toMatch(/MNEMO_EMBED_BASE_URL/);
    expect((failure as MnemoError).message).toMatch(/MNEMO_EMBED_MODEL/);
    expect((failure as MnemoError).message).toMatch(/model exploded/);
    expect((failure as MnemoError).cause).toBeInstanceOf(Error);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 500 when retries are allowed', async () => {
    let calls = 0;
    const succeed = openAIResponse(() => 2);
    const server = await startServer((request, response) => {
      calls += 1;
      if (calls === 1) {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: 'try again' } }));
        return;
      }
      succeed(request, response);
    });
    const model = createOpenAICompatibleEmbedder({ baseURL: server.baseURL, model: 'm', maxRetries: 1 });
    const { embeddings } = await model.embed({ values: ['x'] });
    expect(embeddings).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it('maps malformed JSON to EMBEDDING_FAILED', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"data": [ not json');
    });
    const model = createOpenAICompatibleEmbedder({ baseURL: server.baseURL, model: 'm', maxRetries: 0 });
    await expect(model.embed({ values: ['x'] })).rejects.toMatchObject({ code: 'EMBEDDING_FAILED' });
  });

  it('maps a wrong number of embeddings to EMBEDDING_FAILED', async () => {
    const server = await startServer((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ data: [{ embedding: [1, 2] }], model: request.body.model }));
    });
    const model = createOpenAICompatibleEmbedder({ baseURL: server.baseURL, model: 'm', maxRetries: 0 });
    await expect(model.embed({ values: ['x', 'y'] })).rejects.toMatchObject({
      code: 'EMBEDDING_FAILED',
      message: expect.stringMatching(/asked for 2 embeddings, got 1/),
    });
  });

  it('makes no request for no values, and describes itself', async () => {
    const server = await startServer(openAIResponse(() => 2));
    const model = createOpenAICompatibleEmbedder({ baseURL: server.baseURL, model: 'nomic-embed-text' });
    expect(await model.embed({ values: [] })).toEqual({ embeddings: [], usage: { tokens: 0, calls: 0 } });
    expect(server.requests).toHaveLength(0);
    expect(model.provider).toBe('openai-compatible');
    expect(model.modelId).toBe('nomic-embed-text');
    expect(model.maxEmbeddingsPerCall).toBe(96);
    expect(model.capabilities).toEqual({ semantic: true, offline: false, deterministic: false });
  });

  it('rejects invalid options with CONFIG_INVALID', () => {
    expect(() => createOpenAICompatibleEmbedder({ baseURL: '', model: 'm' })).toThrow(/MNEMO_EMBED_BASE_URL/);
    expect(() =>
      createOpenAICompatibleEmbedder({ baseURL: 'http://x/v1', model: 'm', maxEmbeddingsPerCall: 0 }),
    ).toThrow(MnemoError);
  });
});
