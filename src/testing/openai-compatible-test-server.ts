// A real HTTP server on 127.0.0.1 that speaks OpenAI chat completions (and Anthropic messages) with scripted replies.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { estimateTokens } from '../models/token-count.js';

/** A request the server received. */
export interface TestServerRequest {
  method: string;
  /** The URL path, e.g. `/v1/chat/completions`. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (undefined when there was none; the raw text when it was not JSON). */
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON that tests index freely.
  body: any;
}

/**
 * One scripted reply:
 * - `{ content }`: a successful completion with that text (optionally slow, with given usage);
 * - `{ fromSchema: true }`: a completion whose text is a sample value of the request's `json_schema`;
 * - `{ status, message }`: an HTTP error with an OpenAI-style (or Anthropic-style) error body;
 * - a function of the request returning one of those.
 */
export type TestServerReply =
  | { content: string; delayMs?: number; usage?: { inputTokens: number; outputTokens: number } }
  | { fromSchema: true; delayMs?: number }
  | { status: number; message?: string; delayMs?: number }
  | ((request: TestServerRequest) => TestServerReply);

export interface OpenAICompatibleTestServerOptions {
  /** Replies in order, one per request; once spent the server answers 500 "no scripted reply left". */
  replies?: TestServerReply[] | undefined;
  /** Answer 400 to requests whose `response_format.type` is listed, like servers without JSON modes. */
  rejectResponseFormats?: Array<'json_schema' | 'json_object'> | undefined;
}

export interface OpenAICompatibleTestServer {
  /** The API root to pass as `baseURL`, e.g. `http://127.0.0.1:41234/v1`. */
  readonly baseURL: string;
  /** Every request received, in order. */
  readonly requests: TestServerRequest[];
  /** Appends more scripted replies. */
  addReplies(...replies: TestServerReply[]): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Reads a nested field of parsed JSON, or undefined. */
function pick(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A minimal value that satisfies common JSON Schemas (objects, arrays, enums, primitives). */
export function sampleFromJsonSchema(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null) return null;
  const node = schema as Record<string, unknown>;
  if (node.const !== undefined) return node.const;
  if (Array.isArray(node.enum) && node.enum.length > 0) return node.enum[0];
  const options = node.anyOf ?? node.oneOf;
  if (Array.isArray(options) && options.length > 0) return sampleFromJsonSchema(options[0]);
  const type = Array.isArray(node.type) ? node.type[0] : node.type;
  switch (type) {
    case 'object': {
      const properties = (node.properties ?? {}) as Record<string, unknown>;
      return Object.fromEntries(
        Object.entries(properties).map(([key, value]) => [key, sampleFromJsonSchema(value)]),
      );
    }
    case 'array':
      return node.items === undefined ? [] : [sampleFromJsonSchema(node.items)];
    case 'string':
      return 'example';
    case 'integer':
    case 'number':
      return typeof node.minimum === 'number' ? node.minimum : 0;
    case 'boolean':
      return true;
    default:
      return null;
  }
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // Recorded as-is so a test can see what was sent.
    return text;
  }
}

function promptText(body: unknown): string {
  const messages = pick(body, 'messages');
  const system = pick(body, 'system') ?? '';
  const list: unknown[] = Array.isArray(messages) ? messages : [];
  return (
    (typeof system === 'string' ? system : JSON.stringify(system)) +
    list.map((message) => JSON.stringify(pick(message, 'content'))).join('\n')
  );
}

function sendJson(response: ServerResponse, status: number, payload: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(payload));
}

function completionPayload(options: {
  anthropic: boolean;
  body: unknown;
  text: string;
  usage: { inputTokens: number; outputTokens: number };
}) {
  const { body, text, usage } = options;
  if (options.anthropic) {
    return {
      id: 'msg_test',
      type: 'message',
      role: 'assistant',
      model: pick(body, 'model') ?? 'test',
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
    };
  }
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: pick(body, 'model') ?? 'test',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
    },
  };
}

function errorPayload(anthropic: boolean, status: number, message: string) {
  const type = status === 400 ? 'invalid_request_error' : status === 429 ? 'rate_limit_error' : 'api_error';
  return anthropic ? { type: 'error', error: { type, message } } : { error: { message, type, code: null } };
}

/**
 * Starts a scripted OpenAI-compatible server on 127.0.0.1 (a free port). It answers
 * `POST …/chat/completions` in OpenAI's shape and `POST …/messages` in Anthropic's, records every
 * request body, can fail (`{ status: 500 }`), stall (`delayMs`), reject JSON modes, or answer with a
 * sample of the requested JSON schema.
 *
 * @example
 * await using server = await createOpenAICompatibleTestServer({ replies: [{ status: 500 }, { content: '{"facts":[]}' }] });
 * const llm = createOpenAICompatibleLanguageModel({ baseURL: server.baseURL, model: 'test', retryBaseDelayMs: 1 });
 */
export async function createOpenAICompatibleTestServer(
  options: OpenAICompatibleTestServerOptions = {},
): Promise<OpenAICompatibleTestServer> {
  const replies = [...(options.replies ?? [])];
  const requests: TestServerRequest[] = [];
  const rejected = new Set(options.rejectResponseFormats ?? []);

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const recorded: TestServerRequest = {
      method: request.method ?? 'GET',
      path: new URL(request.url ?? '/', 'http://127.0.0.1').pathname,
      headers: request.headers,
      body,
    };
    requests.push(recorded);
    const anthropic = recorded.path.endsWith('/messages');
    const formatType = pick(body, 'response_format', 'type');
    if (typeof formatType === 'string' && rejected.has(formatType as 'json_schema')) {
      sendJson(
        response,
        400,
        errorPayload(false, 400, `response_format type '${formatType}' is not supported`),
      );
      return;
    }
    let reply = replies.shift() ?? { status: 500, message: 'test server: no scripted reply left' };
    while (typeof reply === 'function') reply = reply(recorded);
    if (reply.delayMs !== undefined) {
      const delayMs = reply.delayMs;
      const finished = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(true), delayMs);
        response.on('close', () => {
          clearTimeout(timer);
          resolve(false);
        });
      });
      if (!finished) return;
    }
    if ('status' in reply) {
      sendJson(
        response,
        reply.status,
        errorPayload(anthropic, reply.status, reply.message ?? `HTTP ${reply.status}`),
      );
      return;
    }
    const text =
      'content' in reply
        ? reply.content
        : JSON.stringify(sampleFromJsonSchema(pick(body, 'response_format', 'json_schema', 'schema')));
    const usage =
      'usage' in reply && reply.usage !== undefined
        ? reply.usage
        : { inputTokens: estimateTokens(promptText(body)), outputTokens: estimateTokens(text) };
    sendJson(response, 200, completionPayload({ anthropic, body, text, usage }));
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      sendJson(response, 500, errorPayload(false, 500, `test server error: ${String(error)}`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  async function close(): Promise<void> {
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    addReplies: (...more) => {
      replies.push(...more);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
