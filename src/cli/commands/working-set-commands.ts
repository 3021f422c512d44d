// `mnemo core`, `mnemo working` and `mnemo profile`: the agent's working set — core blocks pinned in every
// context, the session's scratchpad and the structured profile — read and edited by hand.
import type { Command } from 'commander';
import { coreBlockLimits } from '../../context/core-blocks.js';
import { workingMemoryLimits } from '../../context/working-memory.js';
import { invalidInput } from '../../core/errors.js';
import type { JsonValue } from '../../core/records.js';
import {
  addScopeFlags,
  parseDateFlag,
  parseDurationFlag,
  parseIntegerFlag,
  type ScopeFlags,
  scopeFromFlags,
  withMemory,
} from '../cli-context.js';
import {
  formatCoreBlockLine,
  formatCoreBlockSize,
  formatProfileLines,
  formatWorkingEntryLine,
  printJson,
  printLines,
} from '../output.js';

interface JsonFlag {
  json?: boolean | undefined;
}

type Flags = ScopeFlags & JsonFlag;

/** Registers `core`, `working` and `profile` (each with its subcommands) on `program`. */
export function registerWorkingSetCommands(program: Command): void {
  registerCore(program);
  registerWorking(program);
  registerProfile(program);
}

/** A subcommand of `parent` with the scope flags and `--json`. */
function scopedSubcommand(parent: Command, name: string, description: string, json: string): Command {
  return addScopeFlags(parent.command(name).description(description)).option('--json', json);
}

interface CoreSetFlags extends Flags {
  limit?: string | undefined;
  readOnly?: boolean | undefined;
  description?: string | undefined;
}

function registerCore(program: Command): void {
  const core = program
    .command('core')
    .description('core blocks: labelled texts pinned first in every context, per user and/or agent');

  scopedSubcommand(
    core,
    'set',
    'create or replace a block (a new version; history keeps the old one)',
    'print the block as JSON',
  )
    .argument('<label>', 'the block label, e.g. persona (letters, digits, "_", "." or "-")')
    .argument('<text...>', 'the value (words are joined with spaces)')
    .option(
      '--limit <chars>',
      `most characters the value may hold (1-${coreBlockLimits.max}, default ${coreBlockLimits.default}; kept on later sets)`,
    )
    .option('--read-only', 'core append/replace may not change it (core set still can)')
    .option('--no-read-only', 'let core append/replace change it again')
    .option('--description <text>', 'what the block is for')
    .action(async (label: string, words: string[], flags: CoreSetFlags, command: Command) => {
      const limit =
        flags.limit === undefined
          ? undefined
          : parseIntegerFlag(flags.limit, '--limit', { min: 1, max: coreBlockLimits.max });
      const block = await withMemory(command, (memory) =>
        memory.core.set(label, words.join(' '), {
          ...scopeFromFlags(flags),
          limit,
          readOnly: flags.readOnly,
          description: flags.description,
        }),
      );
      if (flags.json === true) printJson(block);
      else printLines(formatCoreBlockSize(block));
    });

  scopedSubcommand(
    core,
    'get',
    'print the value of the most specific block with this label',
    'print the block as JSON',
  )
    .argument('<label>', 'the block label')
    .action(async (label: string, flags: Flags, command: Command) => {
      const block = await withMemory(command, (memory) => memory.core.get(label, scopeFromFlags(flags)));
      if (flags.json === true) printJson(block);
      else printLines(block.value);
    });

  scopedSubcommand(
    core,
    'list',
    "every block the scope sees (the user's and the agent's)",
    'print the blocks as JSON',
  ).action(async (flags: Flags, command: Command) => {
    const blocks = await withMemory(command, (memory) => memory.core.list(scopeFromFlags(flags)));
    if (flags.json === true) printJson(blocks);
    else printLines(...(blocks.length === 0 ? ['No core blocks.'] : blocks.map(formatCoreBlockLine)));
  });

  scopedSubcommand(core, 'delete', 'retire a block (history keeps its versions)', 'print { deleted } as JSON')
    .argument('<label>', 'the block label')
    .action(async (label: string, flags: Flags, command: Command) => {
      const result = await withMemory(command, (memory) => memory.core.delete(label, scopeFromFlags(flags)));
      if (flags.json === true) printJson(result);
      else printLines(result.deleted ? `deleted ${label}` : `${label} was already gone`);
    });

  scopedSubcommand(core, 'append', 'add text on a new line at the end of a block', 'print the block as JSON')
    .argument('<label>', 'the block label')
    .argument('<text...>', 'the text to add (words are joined with spaces)')
    .action(async (label: string, words: string[], flags: Flags, command: Command) => {
      const block = await withMemory(command, (memory) =>
        memory.core.append(label, words.join(' '), scopeFromFlags(flags)),
      );
      if (flags.json === true) printJson(block);
      else printLines(formatCoreBlockSize(block));
    });

  scopedSubcommand(
    core,
    'replace',
    'replace every occurrence of <old> in a block with <new> ("" deletes it)',
    'print the block as JSON',
  )
    .argument('<label>', 'the block label')
    .argument('<old>', 'the text to replace (quote it)')
    .argument('<new>', 'the replacement (quote it; "" deletes)')
    .action(async (label: string, oldText: string, newText: string, flags: Flags, command: Command) => {
      const block = await withMemory(command, (memory) =>
        memory.core.replace(label, oldText, newText, scopeFromFlags(flags)),
      );
      if (flags.json === true) printJson(block);
      else printLines(formatCoreBlockSize(block));
    });
}

interface WorkingSetFlags extends Flags {
  ttl?: string | undefined;
  jsonValue?: boolean | undefined;
}

/** The value of `working set`: the words joined, parsed as JSON with `--json-value`. */
export function parseWorkingValue(text: string, asJson: boolean): JsonValue {
  if (!asJson) return text;
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw invalidInput(
      `--json-value: the value is not valid JSON (${(error as Error).message}); quote it, e.g. '{"step":2}'`,
      undefined,
      error,
    );
  }
}

function registerWorking(program: Command): void {
  const working = program
    .command('working')
    .description("the session's working memory: named scratchpad entries shown in context (needs --session)");

  scopedSubcommand(working, 'set', 'set an entry (replacing its value)', 'print the entry as JSON')
    .argument('<key>', 'the entry name, e.g. plan')
    .argument('<value...>', 'the value (words are joined with spaces)')
    .option('--ttl <duration>', 'forget it after this long: 90s, 30m, 2h, 7d or plain milliseconds')
    .option('--json-value', 'parse the value as JSON (else it is a string)')
    .action(async (key: string, words: string[], flags: WorkingSetFlags, command: Command) => {
      const ttlMs =
        flags.ttl === undefined
          ? undefined
          : parseDurationFlag(flags.ttl, '--ttl', { maxMs: workingMemoryLimits.ttlMs });
      const value = parseWorkingValue(words.join(' '), flags.jsonValue === true);
      const entry = await withMemory(command, (memory) =>
        memory.working.set(key, value, {
          ...scopeFromFlags(flags),
          ttlMs,
        }),
      );
      if (flags.json === true) printJson(entry);
      else
        printLines(`set ${entry.key}${entry.expiresAt === undefined ? '' : ` (expires ${entry.expiresAt})`}`);
    });

  scopedSubcommand(
    working,
    'get',
    'print an entry’s value (a string as it is, other values as JSON)',
    'print the entry as JSON',
  )
    .argument('<key>', 'the entry name')
    .action(async (key: string, flags: Flags, command: Command) => {
      const entry = await withMemory(command, (memory) => memory.working.get(key, scopeFromFlags(flags)));
      if (flags.json === true) printJson(entry);
      else if (typeof entry.value === 'string') printLines(entry.value);
      else printJson(entry.value);
    });

  scopedSubcommand(
    working,
    'list',
    'every live entry of the session, by key',
    'print the entries as JSON',
  ).action(async (flags: Flags, command: Command) => {
    const entries = await withMemory(command, (memory) => memory.working.list(scopeFromFlags(flags)));
    if (flags.json === true) printJson(entries);
    else printLines(...(entries.length === 0 ? ['No working memory.'] : entries.map(formatWorkingEntryLine)));
  });

  scopedSubcommand(working, 'delete', 'delete an entry', 'print { deleted } as JSON')
    .argument('<key>', 'the entry name')
    .action(async (key: string, flags: Flags, command: Command) => {
      const result = await withMemory(command, (memory) => memory.working.delete(key, scopeFromFlags(flags)));
      if (flags.json === true) printJson(result);
      else printLines(result.deleted ? `deleted ${key}` : `no entry ${key}`);
    });

  scopedSubcommand(
    working,
    'clear',
    "empty the session's working memory",
    'print { deleted } as JSON',
  ).action(async (flags: Flags, command: Command) => {
    const result = await withMemory(command, (memory) => memory.working.clear(scopeFromFlags(flags)));
    if (flags.json === true) printJson(result);
    else printLines(`cleared ${result.deleted} entr${result.deleted === 1 ? 'y' : 'ies'}`);
  });
}

interface ProfileFlags extends Flags {
  asOf?: string | undefined;
}

function registerProfile(program: Command): void {
  // Positional options: `profile`'s own flags stop at `set`/`unset`, which take the same scope flags.
  const profile = scopedSubcommand(
    program,
    'profile',
    'print the structured profile (topic.slot: value); set and unset slots by hand',
    'print the profile as JSON',
  )
    .option('--as-of <date>', 'the profile as it was at this date')
    .enablePositionalOptions()
    .action(async (flags: ProfileFlags, command: Command) => {
      const asOf = flags.asOf === undefined ? undefined : parseDateFlag(flags.asOf, '--as-of');
      const result = await withMemory(command, (memory) =>
        memory.profile.get({ ...scopeFromFlags(flags), asOf }),
      );
      if (flags.json === true) printJson(result);
      else printLines(...formatProfileLines(result));
    });

  scopedSubcommand(profile, 'set', 'set a slot, superseding its current value', 'print the slot as JSON')
    .argument('<topic.slot>', 'where, e.g. food.allergies')
    .argument('<value...>', 'the value (words are joined with spaces)')
    .action(async (path: string, words: string[], _flags: Flags, command: Command) => {
      const flags = command.optsWithGlobals<Flags>();
      const slot = await withMemory(command, (memory) =>
        memory.profile.set(checkSlotPath(path), words.join(' '), scopeFromFlags(flags)),
      );
      if (flags.json === true) printJson(slot);
      else printLines(`${slot.topic}.${slot.slot}: ${slot.value}`);
    });

  scopedSubcommand(profile, 'unset', "retire a slot's value (history keeps it)", 'print { removed } as JSON')
    .argument('<topic.slot>', 'where, e.g. food.allergies')
    .action(async (path: string, _flags: Flags, command: Command) => {
      const flags = command.optsWithGlobals<Flags>();
      const result = await withMemory(command, (memory) =>
        memory.profile.unset(checkSlotPath(path), scopeFromFlags(flags)),
      );
      if (flags.json === true) printJson(result);
      else printLines(result.removed ? `unset ${path}` : `${path} was not set`);
    });
}

/** A slot path must read `<topic>.<slot>`; the SDK checks the names themselves. */
function checkSlotPath(path: string): string {
  const dot = path.indexOf('.');
  if (dot <= 0 || dot === path.length - 1) {
    throw invalidInput(`a profile slot is written <topic>.<slot>, e.g. food.allergies; got "${path}"`);
  }
  return path;
}
