// The shape of one Mnemo MCP tool, the memory it works on, and how a call's scope is resolved.
import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
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
 * blocks, working memory, profile slots) and the knowledge graph. `context` is optional so the server also
 * runs on a Memory without it (get_context then assembles a simple budgeted list from search).
 */
export interface McpMemory
  extends Pick<
    Memory,
    'add' | 'search' | 'list' | 'update' | 'forget' | 'core' | 'working' | 'profile' | 'graph'
  > {
  context?(query: string, options: ScopeInput & { budgetTokens: number }): Promise<McpContextResult>;
}

/** What every tool call knows besides its arguments: the memory, the tenant, and a default user. */
export interface McpToolContext {
  memory: McpMemory;
  tenantId: string;
  /** Used when a call names no userId (e.g. a single-user desktop setup). */
  defaultUserId?: string | undefined;
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

/** The scope fields a tool call may name; the tenant is never an argument, it comes from the server. */
export const scopeArguments = {
  userId: z
    .string()
    .optional()
    .describe('The user these memories belong to. Omit to use the server’s default user, when it has one.'),
  agentId: z.string().optional().describe('Narrow to one agent’s memories (optional).'),
  sessionId: z.string().optional().describe('Narrow to one conversation/session (optional).'),
};

/** Builds the SDK scope of a call: the server's tenant, the call's user (or the default), agent, session. */
export function callScope(
  args: { userId?: string | undefined; agentId?: string | undefined; sessionId?: string | undefined },
  context: McpToolContext,
): ScopeInput {
  const scope: ScopeInput = { tenantId: context.tenantId };
  const userId = args.userId ?? context.defaultUserId;
  if (userId !== undefined) scope.userId = userId;
  if (args.agentId !== undefined) scope.agentId = args.agentId;
  if (args.sessionId !== undefined) scope.sessionId = args.sessionId;
  return scope;
}
