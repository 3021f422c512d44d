// runMcpStdio(): serves Mnemo's MCP tools over stdin/stdout until the client hangs up, as the identity the
// command line gives it (`mnemo mcp --agent A --user U`).
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Caller } from '../../core/access.js';
import { createMnemoMcpServer } from './create-mnemo-mcp-server.js';
import type { McpMemory } from './mcp-tool.js';

export interface RunMcpStdioOptions {
  memory: McpMemory;
  /** The tenant every call is confined to (default `default`). */
  tenantId?: string | undefined;
  /**
   * The user the connection acts as (`--user`): calls that name no user act for it, and another user's
   * memory needs a grant on that user, as for an API key bound to the user.
   */
  defaultUserId?: string | undefined;
  /**
   * The agent the connection acts as (`--agent`): every call acts as it, a call naming another agent is
   * refused (FORBIDDEN), and spaces need its grants, as for an API key bound to the agent.
   */
  agentId?: string | undefined;
  /** Default `process.stdin`. */
  input?: Readable | undefined;
  /** Default `process.stdout`; nothing else may write to it while the server runs. */
  output?: Writable | undefined;
  /** Stops the server when aborted (e.g. on SIGTERM). */
  signal?: AbortSignal | undefined;
  /** Called with every failure a client only sees as INTERNAL, e.g. to log it to stderr. */
  onInternalError?: ((error: unknown) => void) | undefined;
}

/**
 * The caller of a stdio connection: there is no key, so the identity from the command line binds it like a
 * key bound to that agent/user would (no role ceiling). Without either it is the store's owner, like the
 * CLI on its own file.
 *
 * @example
 * stdioCaller({ agentId: 'writer', userId: 'alice' });
 * // { surface: 'mcp', boundAgentId: 'writer', boundUserId: 'alice' }
 */
export function stdioCaller(identity: { agentId?: string | undefined; userId?: string | undefined }): Caller {
  const caller: Caller = { surface: 'mcp' };
  if (identity.agentId !== undefined) caller.boundAgentId = identity.agentId;
  if (identity.userId !== undefined) caller.boundUserId = identity.userId;
  return caller;
}

/**
 * Runs the MCP server on stdio and resolves once the client closes stdin (or the transport closes).
 * The caller owns `memory` and closes it afterwards.
 *
 * @example
 * const memory = await createMemory({ store: './agent.db' });
 * await runMcpStdio({ memory, tenantId: 'default', defaultUserId: 'me' });
 * await memory.close();
 * // An agent of a team, reading and writing the spaces it was granted:
 * await runMcpStdio({ memory, tenantId: 't1', agentId: 'writer' });
 */
export async function runMcpStdio(options: RunMcpStdioOptions): Promise<void> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const server = createMnemoMcpServer({
    memory: options.memory,
    scope: { tenantId: options.tenantId ?? 'default' },
    defaultUserId: options.defaultUserId,
    defaultAgentId: options.agentId,
    caller: stdioCaller({ agentId: options.agentId, userId: options.defaultUserId }),
    onInternalError: options.onInternalError,
  });
  const transport = new StdioServerTransport(input, output);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  // The SDK transport does not watch for the end of input; a client that exits ends our stdin.
  let hungUp = false;
  const hangUp = () => {
    if (hungUp) return;
    hungUp = true;
    void transport.close();
  };
  input.once('end', hangUp);
  input.once('close', hangUp);
  if (options.signal?.aborted === true) hangUp();
  options.signal?.addEventListener('abort', hangUp, { once: true });
  await server.connect(transport);
  await closed;
  options.signal?.removeEventListener('abort', hangUp);
  input.off('end', hangUp);
  input.off('close', hangUp);
  await server.close();
}
