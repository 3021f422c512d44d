// Test support for the MCP server: the official SDK client over an in-memory transport, result readers, and
// a memory whose writes wait on a gate (to make a slow add, and the order of calls, observable).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import type { Caller } from '../../../core/access.js';
import type { Memory } from '../../../sdk/create-memory.js';
import { createMnemoMcpServer } from '../create-mnemo-mcp-server.js';
import type { McpMemory } from '../mcp-tool.js';

/** The tenant every test server is bound to. */
export const TEST_TENANT = 'acme';

/** Connects the SDK client to a fresh server (one session) over an in-memory transport. */
export async function connectInMemory(options: {
  memory: McpMemory;
  defaultUserId?: string | undefined;
  defaultAgentId?: string | undefined;
  caller?: Caller | undefined;
  readOnly?: boolean | undefined;
  onInternalError?: ((error: unknown) => void) | undefined;
}): Promise<Client> {
  const server = createMnemoMcpServer({
    memory: options.memory,
    scope: { tenantId: TEST_TENANT },
    defaultUserId: options.defaultUserId,
    defaultAgentId: options.defaultAgentId,
    caller: options.caller,
    readOnly: options.readOnly,
    onInternalError: options.onInternalError,
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'mnemo-test', version: '1.0.0' });
  await client.connect(clientTransport);
  return client;
}

export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The structured content of a successful call (fails the test, showing the error, otherwise). */
export function structured<T>(result: CallToolResult): T {
  expect(result.isError, JSON.stringify(result.content)).not.toBe(true);
  return result.structuredContent as T;
}

/** The MnemoError code of a failed call (fails the test if the call succeeded). */
export function errorCode(result: CallToolResult): string | undefined {
  expect(result.isError, JSON.stringify(result.content)).toBe(true);
  return (result.structuredContent as { error?: { code?: string } } | undefined)?.error?.code;
}

export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === 'text' ? first.text : '';
}

/** A promise with its resolver, to hold a call until the test releases it. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The MCP view of `memory`, with every `add` waiting for `gate()` before it writes. */
export function withGatedAdd(memory: Memory, gate: () => Promise<void>): McpMemory {
  return {
    add: async (content, options) => {
      await gate();
      return memory.add(content, options);
    },
    search: memory.search,
    list: memory.list,
    update: memory.update,
    forget: memory.forget,
    context: memory.context,
    core: memory.core,
    working: memory.working,
    profile: memory.profile,
    graph: memory.graph,
    spaces: memory.spaces,
    grants: memory.grants,
  };
}
