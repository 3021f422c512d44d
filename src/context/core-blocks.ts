// Core blocks (as Letta's): small labelled texts pinned first in every context() — a persona, what matters
// most about the user — per user and/or agent, each change a new version in history.
import { z } from 'zod';
import type { AccessLevel, ScopeRequest, ScopeResolver } from '../core/access.js';
import { MnemoError, notFound } from '../core/errors.js';
import type { MemoryRecord } from '../core/records.js';
import type { Scope } from '../core/scope.js';
import { parseInput, textSchema } from '../core/validate.js';
import { buildDirectMemory, directScope } from '../ingest/direct-memory.js';
import { checkCoreLimit } from '../ingest/revise-memory.js';
import { currentKeyed, type KeyedMemoryDeps, retireKeyed, writeKeyedVersion } from './keyed-memories.js';

/** A core block as callers see it. `id` is the memory holding its current version. */
export interface CoreBlock {
  id: string;
  label: string;
  value: string;
  /** Most characters the value may hold. */
  limit: number;
  /** Read-only blocks cannot be changed by `append`/`replace` (an agent's own edits), only by `set`. */
  readOnly: boolean;
  description?: string;
  /** The user and/or agent the block belongs to. */
  scope: Scope;
  /** When this version was written, ISO-8601 UTC. */
  updatedAt: string;
}

/** Default and largest limits of a block's value, in characters. */
export const coreBlockLimits = { default: 5_000, max: 100_000 } as const;

const labelSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/,
    'a label is 1-64 letters, digits, "_", "." or "-" (e.g. persona)',
  );
const valueSchema = textSchema.max(coreBlockLimits.max);
const setOptionsSchema = z.object({
  limit: z.number().int().min(1).max(coreBlockLimits.max).optional(),
  readOnly: z.boolean().optional(),
  description: textSchema.max(1_000).optional(),
});

export type CoreBlockSetOptions = ScopeRequest & z.input<typeof setOptionsSchema>;

/** The scope a block lives in: the caller's user and/or agent (a session is never part of it). */
async function blockScope(
  resolve: ScopeResolver,
  options: ScopeRequest,
  access: AccessLevel,
  operation: string,
): Promise<Scope> {
  // The resolver reads the scope fields and the caller; a block's other options are left aside.
  const scope = directScope('core', await resolve(options, access, operation));
  if (scope.userId === undefined && scope.agentId === undefined && scope.spaceId === undefined) {
    throw new MnemoError({
      code: 'SCOPE_REQUIRED',
      message:
        'Core blocks belong to a user, an agent or a space: pass userId, agentId or spaceId (--user/--agent/--space).',
    });
  }
  return scope;
}

/** Most specific first: the user's block with this agent, the user's own, then the agent's. */
function specificity(scope: Scope): number {
  return (scope.userId === undefined ? 0 : 2) + (scope.agentId === undefined ? 0 : 1);
}

export function toCoreBlock(record: MemoryRecord): CoreBlock {
  const { label, limit, readOnly, description } = record.attributes;
  const block: CoreBlock = {
    id: record.id,
    label: typeof label === 'string' ? label : 'core',
    value: record.text,
    limit: typeof limit === 'number' ? limit : coreBlockLimits.default,
    readOnly: readOnly === true,
    scope: record.scope,
    updatedAt: record.createdAt,
  };
  if (typeof description === 'string') block.description = description;
  return block;
}

/**
 * Every current block a caller with `scope` sees (its user's and its agent's), most specific first, then
 * by label. A session in the scope does not matter: blocks never belong to one.
 *
 * @example
 * const blocks = await visibleCoreBlocks({ store, now: Date.now() }, parseScope({ userId: 'erin', sessionId: 's9' }));
 */
export async function visibleCoreBlocks(
  deps: { store: KeyedMemoryDeps['store']; now: number },
  scope: Scope,
): Promise<MemoryRecord[]> {
  const blocks = await currentKeyed(
    { store: deps.store, clock: { now: () => deps.now } },
    { scope: directScope('core', scope), kind: 'core', matches: () => true },
  );
  return blocks.sort(
    (a, b) =>
      specificity(b.scope) - specificity(a.scope) ||
      String(a.attributes.label).localeCompare(String(b.attributes.label)),
  );
}

/**
 * The `memory.core` namespace. `set` writes a block in exactly the caller's user/agent scope; `get`,
 * `append`, `replace` and `delete` act on the most specific block of that label the caller sees.
 *
 * @example
 * await memory.core.set('persona', 'Answer in Portuguese.', { userId: 'erin' });
 * await memory.core.append('human', 'Allergic to peanuts.', { userId: 'erin', agentId: 'cook' });
 * const blocks = await memory.core.list({ userId: 'erin', agentId: 'cook' });
 */
export function createCoreBlocks(deps: KeyedMemoryDeps) {
  const blocksOf = (scope: Scope, label?: string) =>
    currentKeyed(deps, {
      scope,
      kind: 'core',
      matches: (attributes) => label === undefined || attributes.label === label,
    });
  const find = async (
    label: string,
    options: ScopeRequest,
    access: AccessLevel,
    operation: string,
  ): Promise<MemoryRecord> => {
    const scope = await blockScope(deps.resolve, options, access, operation);
    const found = (await blocksOf(scope, label)).sort((a, b) => specificity(b.scope) - specificity(a.scope));
    const block = found[0];
    if (block === undefined) throw notFound('Core block', label);
    return block;
  };
  const write = async (previous: MemoryRecord, value: string, reason: string): Promise<CoreBlock> => {
    checkCoreLimit(previous, value);
    const record = buildBlock(deps, previous.scope, value, settingsOf(previous));
    return toCoreBlock(await writeKeyedVersion(deps, { write: record, existing: [previous], reason }));
  };
  const editable = (block: MemoryRecord): MemoryRecord => {
    if (block.attributes.readOnly !== true) return block;
    throw new MnemoError({
      code: 'FORBIDDEN',
      message: `Core block "${String(block.attributes.label)}" is read-only; change it with core set.`,
    });
  };

  return {
    /** Creates or replaces a block (a new version; history keeps the old one). A value past the limit is an error. */
    async set(label: string, value: string, options: CoreBlockSetOptions): Promise<CoreBlock> {
      const name = parseInput(labelSchema, label, 'core block label');
      const text = parseInput(valueSchema, value, 'core block value');
      const settings = parseInput(setOptionsSchema, pickSettings(options), 'core block options');
      const scope = await blockScope(deps.resolve, options, 'write', 'core.set');
      const existing = (await blocksOf(scope, name)).filter((record) => sameLevels(record.scope, scope));
      const previous = existing[existing.length - 1];
      const merged: BlockSettings = {
        label: name,
        limit: settings.limit ?? numberOr(previous?.attributes.limit, coreBlockLimits.default),
        readOnly: settings.readOnly ?? previous?.attributes.readOnly === true,
        ...(settings.description !== undefined
          ? { description: settings.description }
          : typeof previous?.attributes.description === 'string'
            ? { description: previous.attributes.description }
            : {}),
      };
      checkCoreLimit({ kind: 'core', attributes: { ...merged } }, text);
      if (previous !== undefined && previous.text === text && sameSettings(previous, merged)) {
        return toCoreBlock(previous);
      }
      const record = buildBlock(deps, scope, text, merged);
      return toCoreBlock(
        await writeKeyedVersion(deps, { write: record, existing, reason: 'core block set' }),
      );
    },
    async get(label: string, options: ScopeRequest): Promise<CoreBlock> {
      const name = parseInput(labelSchema, label, 'core block label');
      return toCoreBlock(await find(name, options, 'read', 'core.get'));
    },
    /** Every block the caller sees (the user's and the agent's), most specific first, then by label. */
    async list(options: ScopeRequest): Promise<CoreBlock[]> {
      const scope = await blockScope(deps.resolve, options, 'read', 'core.list');
      return (await visibleCoreBlocks({ store: deps.store, now: deps.clock.now() }, scope)).map(toCoreBlock);
    },
    /** Adds text at the end of a block (on a new line), as an agent editing its own memory. */
    async append(label: string, text: string, options: ScopeRequest): Promise<CoreBlock> {
      const addition = parseInput(valueSchema.min(1, 'must not be empty'), text, 'text to append');
      const name = parseInput(labelSchema, label, 'core block label');
      const block = editable(await find(name, options, 'write', 'core.append'));
      return write(block, block.text === '' ? addition : `${block.text}\n${addition}`, 'core_memory_append');
    },
    /** Replaces every occurrence of `oldText` in a block with `newText` (empty deletes it). */
    async replace(
      label: string,
      oldText: string,
      newText: string,
      options: ScopeRequest,
    ): Promise<CoreBlock> {
      const before = parseInput(valueSchema.min(1, 'must not be empty'), oldText, 'text to replace');
      const after = parseInput(valueSchema, newText, 'replacement text');
      const name = parseInput(labelSchema, label, 'core block label');
      const block = editable(await find(name, options, 'write', 'core.replace'));
      if (!block.text.includes(before)) {
        throw new MnemoError({
          code: 'INVALID_INPUT',
          message: `Core block "${label}" does not contain the text to replace; read it with core get first.`,
          details: { label },
        });
      }
      return write(block, block.text.split(before).join(after), 'core_memory_replace');
    },
    /** Retires a block (history keeps every version; forget its id to erase it). */
    async delete(label: string, options: ScopeRequest): Promise<{ deleted: boolean }> {
      const name = parseInput(labelSchema, label, 'core block label');
      const block = await find(name, options, 'write', 'core.delete');
      return { deleted: await retireKeyed(deps, { existing: [block], reason: 'core block deleted' }) };
    },
  };
}

export type CoreBlocks = ReturnType<typeof createCoreBlocks>;

interface BlockSettings {
  label: string;
  limit: number;
  readOnly: boolean;
  description?: string;
}

function buildBlock(deps: KeyedMemoryDeps, scope: Scope, value: string, settings: BlockSettings) {
  const now = deps.clock.now();
  return buildDirectMemory({
    id: deps.ids(),
    scope,
    kind: 'core',
    text: value,
    observedAt: now,
    now,
    importance: 1,
    indexPrefix: `${settings.label}: `,
    attributes: {
      label: settings.label,
      limit: settings.limit,
      readOnly: settings.readOnly,
      ...(settings.description === undefined ? {} : { description: settings.description }),
    },
    origin: 'system',
  });
}

function settingsOf(record: MemoryRecord): BlockSettings {
  const block = toCoreBlock(record);
  return {
    label: block.label,
    limit: block.limit,
    readOnly: block.readOnly,
    ...(block.description === undefined ? {} : { description: block.description }),
  };
}

function pickSettings(options: CoreBlockSetOptions) {
  const { limit, readOnly, description } = options;
  return { limit, readOnly, description };
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

function sameLevels(left: Scope, right: Scope): boolean {
  return left.userId === right.userId && left.agentId === right.agentId && left.sessionId === right.sessionId;
}

function sameSettings(record: MemoryRecord, settings: BlockSettings): boolean {
  const { limit, readOnly, description } = record.attributes;
  return (
    limit === settings.limit &&
    (readOnly === true) === settings.readOnly &&
    description === settings.description
  );
}
