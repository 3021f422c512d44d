// The shape of one Mnemo MCP tool, the memory it works on, and how a call's scope (and caller) is resolved.
import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Caller, ScopeRequest } from '../../core/access.js';
import type { ScopeInput } from '../../core/scope.js';
import { parseInput } from '../../core/validate.js';
import type { Memory } from '../../sdk/create-memory.js';
import type { ToolOutput } from './mcp-results.js';

/** What `memory.context()` returns, as far as the MCP server relies on it. */
export interface McpContextResult {
  text: string;
  tokens: number;
  items: unknown[];
}

/**
 * The part of the SDK's Memory the MCP server uses: the memory calls, the working-set namespaces (core
 * blocks, working memory, profile slots), the knowledge graph, and the spaces and grants (list_spaces).
 * `context` is optional so the server also runs on a Memory without it (get_context then assembles a simple
 * budgeted list from search).
 */
export interface McpMemory
  extends Pick<
    Memory,
    | 'add'
    | 'search'
    | 'list'
    | 'update'
    | 'forget'
    | 'core'
    | 'working'
    | 'profile'
    | 'graph'
    | 'spaces'
    | 'grants'
  > {
  context?(
    query: string,
    options: ScopeInput & {
      budgetTokens: number;
      includeSpaces?: boolean | undefined;
      caller?: Caller | undefined;
    },
  ): Promise<McpContextResult>;
}

/**
 * What every tool call knows besides its arguments: the memory, the tenant, the default user and agent,
 * and who is calling (the connection's identity, checked by the store on every call).
 */
export interface McpToolContext {
  memory: McpMemory;
  tenantId: string;
  /** Used when a call names no userId (e.g. a single-user desktop setup). */
  defaultUserId?: string | undefined;
  /** Used when a call names no agentId: the agent the connection acts as. */
  defaultAgentId?: string | undefined;
  /** The connection's identity: `{ surface: 'mcp' }` for the store's owner, or a key's / stdio's binding. */
  caller: Caller;
}

/** One tool: its public description and schema, and how it runs on validated arguments. */
export interface McpTool {
  name: string;
  title: string;
  description: string;
  inputSchema: z.ZodObject;
  annotations: ToolAnnotations;
  /** Validates `rawArguments` (INVALID_INPUT on failure) and runs the tool. */
  call(rawArguments: unknown, context: McpToolContext): Promise<ToolOutput>;
}

/**
 * Defines a tool whose arguments are parsed with its own zod schema, so bad arguments surface as a
 * MnemoError INVALID_INPUT like on every other Mnemo surface.
 *
 * @example
 * const ping = defineTool({ name: 'ping', title: 'Ping', description: 'Answers pong.',
 *   inputSchema: z.object({}), annotations: { readOnlyHint: true },
 *   run: async () => ({ text: 'pong', structured: {} }) });
 */
export function defineTool<Schema extends z.ZodObject>(definition: {
  name: string;
  title: string;
  description: string;
  inputSchema: Schema;
  annotations: ToolAnnotations;
  run(args: z.output<Schema>, context: McpToolContext): Promise<ToolOutput>;
}): McpTool {
  return {
    name: definition.name,
    title: definition.title,
    description: definition.description,
    inputSchema: definition.inputSchema,
    annotations: definition.annotations,
    async call(rawArguments, context) {
      const args = parseInput(definition.inputSchema, rawArguments ?? {}, `arguments of ${definition.name}`);
      return definition.run(args, context);
    },
  };
}

/** A space, named by its id: a shared memory pool of the tenant (see list_spaces). */
export const spaceArgument = z
  .string()
  .optional()
  .describe(
    'A shared space (its id, from list_spaces) instead of the user’s own memory: the call reads or writes the ' +
      'space, acting as your user/agent, which needs a grant on it (read to read, write to write). Optional.',
  );

/** The scope fields a tool call may name; the tenant is never an argument, it comes from the server. */
export const scopeArguments = {
  userId: z
    .string()
    .optional()
    .describe('The user these memories belong to. Omit to use the server’s default user, when it has one.'),
  agentId: z
    .string()
    .optional()
    .describe(
      'Narrow to one agent’s memories (optional). A connection that acts as an agent (its key or --agent) may name only that agent.',
    ),
  sessionId: z.string().optional().describe('Narrow to one conversation/session (optional).'),
  spaceId: spaceArgument,
};

/** The scope fields a call may carry (each tool takes a subset of them). */
export interface ScopeArguments {
  userId?: string | undefined;
  agentId?: string | undefined;
  sessionId?: string | undefined;
  spaceId?: string | undefined;
}

/**
 * Builds the SDK scope of a call: the server's tenant, the call's user and agent (or the defaults), session
 * and space, and the connection's caller. With a `spaceId` the user and agent are who acts in the space
 * (the store checks their grant); a bound caller cannot act as anyone else (FORBIDDEN from the store).
 *
 * @example
 * callScope({ spaceId: 'research' }, { memory, tenantId: 't1', defaultAgentId: 'writer',
 *   caller: { surface: 'mcp', boundAgentId: 'writer' } });
 * // { tenantId: 't1', agentId: 'writer', spaceId: 'research', caller: { surface: 'mcp', boundAgentId: 'writer' } }
 */
export function callScope(args: ScopeArguments, context: McpToolContext): ScopeRequest {
  const scope: ScopeRequest = { tenantId: context.tenantId, caller: context.caller };
  const userId = args.userId ?? context.defaultUserId;
  const agentId = args.agentId ?? context.defaultAgentId;
  if (userId !== undefined) scope.userId = userId;
  if (agentId !== undefined) scope.agentId = agentId;
  if (args.sessionId !== undefined) scope.sessionId = args.sessionId;
  if (args.spaceId !== undefined) scope.spaceId = args.spaceId;
  return scope;
}
