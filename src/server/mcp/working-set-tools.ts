// The MCP tools of the working set: core blocks an agent edits itself (Letta's core_memory_append and
// core_memory_replace, plus core_memory_list), the session's working memory, and profile slots set by hand.
import { z } from 'zod';
import type { CoreBlock } from '../../context/core-blocks.js';
import { workingMemoryLimits } from '../../context/working-memory.js';
import type { JsonValue, WorkingEntry } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import { callScope, defineTool, type McpTool, scopeArguments } from './mcp-tool.js';

/** Core blocks and profile slots belong to a user and/or an agent, or to a shared space; never to one session. */
const ownerArguments = {
  userId: scopeArguments.userId,
  agentId: z
    .string()
    .optional()
    .describe('Your agent id, to reach the agent’s own blocks and slots besides the user’s (optional).'),
  spaceId: scopeArguments.spaceId,
};

/** Working memory belongs to exactly one session, so `sessionId` is required; a space has no sessions. */
const sessionArguments = {
  userId: scopeArguments.userId,
  agentId: scopeArguments.agentId,
  sessionId: z
    .string()
    .describe('The conversation this scratchpad belongs to (required: working memory lives per session).'),
};

const labelArgument = z.string().describe('The block to edit, by label (e.g. "human", "persona").');
const keyArgument = z.string().describe('The entry’s name, e.g. "plan" or "current_step".');

const CORE_MEMORY =
  'Core memory is a few labelled blocks (e.g. "human": what matters most about the user, "persona": who you are) ' +
  'pinned at the top of every get_context briefing, each with a character limit: keep them short and high-value, and ' +
  'store everything else with add_memory. The application creates the blocks; these tools edit existing ones.';

/** What an agent sees of a core block: its content and limits, with the owner but not the tenant. */
export interface CoreBlockView {
  id: string;
  label: string;
  value: string;
  /** Characters used; the block holds at most `limit`. */
  characters: number;
  limit: number;
  readOnly: boolean;
  description?: string;
  userId?: string;
  agentId?: string;
  spaceId?: string;
  updatedAt: string;
}

function viewBlock(block: CoreBlock): CoreBlockView {
  const view: CoreBlockView = {
    id: block.id,
    label: block.label,
    value: block.value,
    characters: block.value.length,
    limit: block.limit,
    readOnly: block.readOnly,
    updatedAt: block.updatedAt,
  };
  if (block.description !== undefined) view.description = block.description;
  return { ...view, ...owner(block.scope) };
}

function owner(scope: Scope): { userId?: string; agentId?: string; spaceId?: string } {
  return {
    ...(scope.userId === undefined ? {} : { userId: scope.userId }),
    ...(scope.agentId === undefined ? {} : { agentId: scope.agentId }),
    ...(scope.spaceId === undefined ? {} : { spaceId: scope.spaceId }),
  };
}

const attribute = (value: string) => value.replaceAll('&', '&amp;').replaceAll('"', '&quot;');

/** `<block label="human" characters="42/5000" read-only description="…">value</block>`, like Letta's view. */
function renderBlock(block: CoreBlockView): string {
  const attributes = [`label="${attribute(block.label)}"`, `characters="${block.characters}/${block.limit}"`];
  if (block.readOnly) attributes.push('read-only');
  if (block.description !== undefined) attributes.push(`description="${attribute(block.description)}"`);
  return `<block ${attributes.join(' ')}>\n${block.value}\n</block>`;
}

function blockOutput(block: CoreBlock, verb: string) {
  const view = viewBlock(block);
  return {
    text: `Core block "${view.label}" ${verb} (${view.characters}/${view.limit} characters):\n${renderBlock(view)}`,
    structured: { block: view },
  };
}

export const coreMemoryAppendTool: McpTool = defineTool({
  name: 'core_memory_append',
  title: 'Append to core memory',
  description: [
    'Append to the contents of core memory: `content` is added on a new line at the end of the block `label`.',
    CORE_MEMORY,
    'Read the blocks with core_memory_list first. Fails with INVALID_INPUT past the block’s character limit (make room',
    'with core_memory_replace), FORBIDDEN on a read-only block, NOT_FOUND for a label that does not exist.',
  ].join(' '),
  inputSchema: z.object({
    label: labelArgument,
    content: z.string().describe('The text to add. All Unicode (including emojis) is supported.'),
    ...ownerArguments,
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(args, context) {
    const block = await context.memory.core.append(args.label, args.content, callScope(args, context));
    return blockOutput(block, 'appended');
  },
});

export const coreMemoryReplaceTool: McpTool = defineTool({
  name: 'core_memory_replace',
  title: 'Replace in core memory',
  description: [
    'Replace the contents of core memory: every occurrence of `old_content` in the block `label` becomes',
    '`new_content`. To delete text, use an empty string for new_content. old_content must match exactly, including',
    'whitespace and line breaks (copy it from core_memory_list); keep it short and unique, do not replace a whole block.',
    CORE_MEMORY,
    'Fails with INVALID_INPUT when old_content is not in the block or the result passes the character limit,',
    'FORBIDDEN on a read-only block, NOT_FOUND for a label that does not exist.',
  ].join(' '),
  inputSchema: z.object({
    label: labelArgument,
    old_content: z.string().describe('The text to replace; must match exactly.'),
    new_content: z
      .string()
      .describe(
        'The text to put in its place. All Unicode is supported; an empty string deletes old_content.',
      ),
    ...ownerArguments,
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  async run(args, context) {
    const block = await context.memory.core.replace(
      args.label,
      args.old_content,
      args.new_content,
      callScope(args, context),
    );
    return blockOutput(block, 'replaced');
  },
});

export const coreMemoryListTool: McpTool = defineTool({
  name: 'core_memory_list',
  title: 'Show core memory',
  description: [
    'Show your core memory: every block you see (the user’s and, with agentId, the agent’s), most specific first,',
    'with its label, value, characters used of its limit and whether it is read-only.',
    'Call it before core_memory_append or core_memory_replace.',
    CORE_MEMORY,
  ].join(' '),
  inputSchema: z.object({ ...ownerArguments }),
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(args, context) {
    const blocks = (await context.memory.core.list(callScope(args, context))).map(viewBlock);
    const text =
      blocks.length === 0
        ? 'No core memory blocks in this scope.'
        : [
            `Core memory (${blocks.length} block${blocks.length === 1 ? '' : 's'}):`,
            ...blocks.map(renderBlock),
          ].join('\n');
    return { text, structured: { blocks } };
  },
});

/** What an agent sees of a working-memory entry: key, value, session and times, not the tenant. */
export interface WorkingEntryView {
  key: string;
  value: JsonValue;
  sessionId: string;
  userId?: string;
  agentId?: string;
  createdAt: string;
  updatedAt: string;
  expiresAt?: string;
}

function viewEntry(entry: WorkingEntry): WorkingEntryView {
  const view: WorkingEntryView = {
    key: entry.key,
    value: entry.value,
    sessionId: entry.scope.sessionId ?? '',
    ...owner(entry.scope),
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
  };
  if (entry.expiresAt !== undefined) view.expiresAt = entry.expiresAt;
  return view;
}

/** `- plan = "book the flight" (expires 2024-05-10T15:00:00.000Z)` */
function renderEntry(entry: WorkingEntryView): string {
  const expires = entry.expiresAt === undefined ? '' : ` (expires ${entry.expiresAt})`;
  return `- ${entry.key} = ${JSON.stringify(entry.value)}${expires}`;
}

const WORKING_MEMORY =
  'Working memory is this session’s scratchpad of named entries (the current plan, a variable, an intermediate result, ' +
  'a task’s progress): it lasts between turns of one conversation, shows up in get_context for that session, and goes ' +
  'away with the session or its TTL. It is not long-term memory: to remember something about the user for later ' +
  'conversations, use add_memory.';

const SECONDS_PER_YEAR = workingMemoryLimits.ttlMs / 1000;

export const workingMemorySetTool: McpTool = defineTool({
  name: 'working_memory_set',
  title: 'Set a working-memory entry',
  description: [
    'Keep a value in the session’s working memory under `key`; setting an existing key replaces its value.',
    WORKING_MEMORY,
    `At most ${workingMemoryLimits.entries} live entries per session and ${workingMemoryLimits.valueChars} characters of`,
    'JSON per value.',
  ].join(' '),
  inputSchema: z.object({
    key: keyArgument,
    value: z
      .unknown()
      .refine(
        (value) => value !== undefined,
        'value is required: any JSON (text, number, boolean, null, array, object)',
      )
      .describe('Any JSON value: text, number, boolean, null, array or object.'),
    ttlSeconds: z
      .number()
      .int()
      .min(1)
      .max(SECONDS_PER_YEAR)
      .optional()
      .describe(
        'Forget the entry after this many seconds (optional; default: it lasts as long as the session).',
      ),
    ...sessionArguments,
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(args, context) {
    const entry = viewEntry(
      await context.memory.working.set(args.key, args.value as JsonValue, {
        ...callScope(args, context),
        ttlMs: args.ttlSeconds === undefined ? undefined : args.ttlSeconds * 1000,
      }),
    );
    return {
      text: `Working memory of session ${entry.sessionId}:\n${renderEntry(entry)}`,
      structured: { entry },
    };
  },
});

export const workingMemoryGetTool: McpTool = defineTool({
  name: 'working_memory_get',
  title: 'Get a working-memory entry',
  description: [
    'Read one entry of the session’s working memory by key (NOT_FOUND when it is not set or has expired).',
    WORKING_MEMORY,
  ].join(' '),
  inputSchema: z.object({ key: keyArgument, ...sessionArguments }),
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(args, context) {
    const entry = viewEntry(await context.memory.working.get(args.key, callScope(args, context)));
    return { text: renderEntry(entry), structured: { entry } };
  },
});

export const workingMemoryListTool: McpTool = defineTool({
  name: 'working_memory_list',
  title: 'List working memory',
  description: ['List every live entry of the session’s working memory, by key.', WORKING_MEMORY].join(' '),
  inputSchema: z.object({ ...sessionArguments }),
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(args, context) {
    const entries = (await context.memory.working.list(callScope(args, context))).map(viewEntry);
    const text =
      entries.length === 0
        ? `Working memory of session ${args.sessionId} is empty.`
        : [`Working memory of session ${args.sessionId}:`, ...entries.map(renderEntry)].join('\n');
    return { text, structured: { entries } };
  },
});

export const workingMemoryDeleteTool: McpTool = defineTool({
  name: 'working_memory_delete',
  title: 'Delete a working-memory entry',
  description: [
    'Remove one entry from the session’s working memory once it is no longer needed (e.g. a finished step).',
    'Deleting a key that is not set is not an error: the result says deleted: false.',
  ].join(' '),
  inputSchema: z.object({ key: keyArgument, ...sessionArguments }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run(args, context) {
    const { deleted } = await context.memory.working.delete(args.key, callScope(args, context));
    const text = deleted
      ? `Deleted "${args.key}" from the working memory of session ${args.sessionId}.`
      : `"${args.key}" was not set in the working memory of session ${args.sessionId}; nothing to delete.`;
    return { text, structured: { key: args.key, deleted } };
  },
});

export const setProfileTool: McpTool = defineTool({
  name: 'set_profile',
  title: 'Set a profile slot',
  description: [
    'Set one slot of the user’s structured profile to a short value, e.g. slot "food.allergies" = "peanuts",',
    '"work.employer" = "Acme", "family.partner" = "Sam". A new value supersedes the current one (history keeps it).',
    'Use it for stable facts and preferences the user states directly; get_profile shows the whole profile.',
  ].join(' '),
  inputSchema: z.object({
    slot: z
      .string()
      .describe(
        'Where the value goes, as <topic>.<slot> (one dot; each part 1-64 letters, digits, spaces, "_" or "-"), e.g. food.allergies.',
      ),
    value: z.string().describe('The value, short and self-contained (at most 2000 characters).'),
    ...ownerArguments,
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(args, context) {
    const scope = callScope(args, context);
    const set = await context.memory.profile.set(args.slot, args.value, scope);
    const who =
      args.spaceId !== undefined
        ? `space ${args.spaceId}`
        : scope.userId === undefined
          ? `agent ${scope.agentId ?? context.caller.boundAgentId ?? ''}`
          : `user ${scope.userId}`;
    return {
      text: `Profile of ${who}: ${set.topic}.${set.slot} = ${set.value} (memory ${set.memoryId}).`,
      structured: {
        topic: set.topic,
        slot: set.slot,
        value: set.value,
        memoryId: set.memoryId,
        observedAt: set.observedAt,
      },
    };
  },
});

/** The working-set tools, in the order clients list them. */
export const workingSetTools: readonly McpTool[] = [
  coreMemoryListTool,
  coreMemoryAppendTool,
  coreMemoryReplaceTool,
  workingMemorySetTool,
  workingMemoryGetTool,
  workingMemoryListTool,
  workingMemoryDeleteTool,
  setProfileTool,
];
