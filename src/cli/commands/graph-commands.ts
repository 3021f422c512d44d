// `mnemo graph`: the temporal knowledge graph read from memories — entities, their relations over time,
// neighbours — and its curation by hand (merging two entities that are one, undoing a merge).
import type { Command } from 'commander';
import { invalidInput } from '../../core/errors.js';
import { type EntityType, entityTypes } from '../../core/graph.js';
import {
  addScopeFlags,
  parseDateFlag,
  parseIntegerFlag,
  type ScopeFlags,
  scopeFromFlags,
  withMemory,
} from '../cli-context.js';
import {
  formatEntityDetail,
  formatEntityLine,
  formatMergeLine,
  formatNeighbourLine,
  formatRelationLine,
} from '../graph-output.js';
import { printJson, printLines } from '../output.js';

interface JsonFlag {
  json?: boolean | undefined;
}

type Flags = ScopeFlags & JsonFlag;

interface TimeFlags {
  asOf?: string | undefined;
  knownAt?: string | undefined;
}

/** Registers `graph` and its subcommands on `program`. */
export function registerGraphCommands(program: Command): void {
  const graph = program
    .command('graph')
    .description(
      'the knowledge graph read from memories: entities, their relations over time, merges (offline, no LLM)',
    );
  registerEntities(graph);
  registerRelations(graph);
  registerShow(graph);
  registerNeighbours(graph);
  registerMerge(graph);
  registerUnmerge(graph);
  registerMerges(graph);
}

/** A subcommand of `graph` with the scope flags and `--json`. */
function scopedSubcommand(parent: Command, name: string, description: string, json: string): Command {
  return addScopeFlags(parent.command(name).description(description)).option('--json', json);
}

function parseEntityType(value: string | undefined): EntityType | undefined {
  if (value === undefined) return undefined;
  if (!(entityTypes as readonly string[]).includes(value)) {
    throw invalidInput(`--type must be one of ${entityTypes.join(', ')}, got "${value}"`);
  }
  return value as EntityType;
}

function optionalLimit(value: string | undefined, max: number): number | undefined {
  return value === undefined ? undefined : parseIntegerFlag(value, '--limit', { min: 1, max });
}

/** `--as-of` and `--known-at` as epoch ms, each left out when not given. */
function timeOptions(flags: TimeFlags): { asOf?: number; knownAt?: number } {
  return {
    ...(flags.asOf === undefined ? {} : { asOf: parseDateFlag(flags.asOf, '--as-of') }),
    ...(flags.knownAt === undefined ? {} : { knownAt: parseDateFlag(flags.knownAt, '--known-at') }),
  };
}

interface EntitiesFlags extends Flags {
  query?: string | undefined;
  type?: string | undefined;
  limit?: string | undefined;
  cursor?: string | undefined;
}

function registerEntities(graph: Command): void {
  scopedSubcommand(
    graph,
    'entities',
    'list entities, most recently mentioned first',
    'print the page as JSON',
  )
    .option('--query <text>', 'only entities with a name or alias containing this text')
    .option('--type <type>', `only this type: ${entityTypes.join(', ')}`)
    .option('--limit <n>', 'page size (1-500, default 50)')
    .option('--cursor <cursor>', 'continue from a previous page')
    .action(async (flags: EntitiesFlags, command: Command) => {
      const type = parseEntityType(flags.type);
      const limit = optionalLimit(flags.limit, 500);
      const page = await withMemory(command, (memory) =>
        memory.graph.entities({
          ...scopeFromFlags(flags),
          ...{ query: flags.query, type, limit, cursor: flags.cursor },
        }),
      );
      if (flags.json === true) {
        printJson(page);
        return;
      }
      printLines(...(page.items.length === 0 ? ['No entities.'] : page.items.map(formatEntityLine)));
      if (page.nextCursor !== undefined) printLines(`more: --cursor ${page.nextCursor}`);
    });
}

interface RelationsFlags extends Flags, TimeFlags {
  entity?: string | undefined;
  current?: boolean | undefined;
  predicate?: string | undefined;
  limit?: string | undefined;
}

function registerRelations(graph: Command): void {
  scopedSubcommand(
    graph,
    'relations',
    'list relations with their validity, oldest first',
    'print the relations as JSON',
  )
    .option('--entity <name>', 'only relations of this entity (a name, alias or id)')
    .option('--as-of <date>', 'valid time: the relations that held at this date')
    .option('--known-at <date>', 'record time: the relations as Mnemo knew them at this date')
    .option('--current', 'only relations that still hold (ignored with --as-of)')
    .option('--predicate <predicate>', 'only this predicate, e.g. lives_in')
    .option('--limit <n>', 'at most n relations (1-1000, default 200)')
    .action(async (flags: RelationsFlags, command: Command) => {
      const limit = optionalLimit(flags.limit, 1000);
      const relations = await withMemory(command, (memory) =>
        memory.graph.relations({
          ...scopeFromFlags(flags),
          ...timeOptions(flags),
          ...{
            entity: flags.entity,
            predicate: flags.predicate,
            current: flags.current === true ? true : undefined,
            limit,
          },
        }),
      );
      if (flags.json === true) printJson(relations);
      else printLines(...(relations.length === 0 ? ['No relations.'] : relations.map(formatRelationLine)));
    });
}

function registerShow(graph: Command): void {
  scopedSubcommand(
    graph,
    'show',
    'one entity with its current and past relations, their source memories, and its merges',
    'print { entity, relations, merges } as JSON',
  )
    .argument('<name>', 'the entity: a name, alias or id')
    .option('--as-of <date>', 'valid time: only the relations that held at this date')
    .option('--known-at <date>', 'record time: the relations as Mnemo knew them at this date')
    .action(async (name: string, flags: Flags & TimeFlags, command: Command) => {
      const detail = await withMemory(command, (memory) =>
        memory.graph.entity(name, { ...scopeFromFlags(flags), ...timeOptions(flags) }),
      );
      if (flags.json === true) printJson(detail);
      else printLines(...formatEntityDetail(detail, { asOf: flags.asOf }));
    });
}

interface NeighboursFlags extends Flags {
  hops?: string | undefined;
  asOf?: string | undefined;
  limit?: string | undefined;
}

function registerNeighbours(graph: Command): void {
  scopedSubcommand(
    graph,
    'neighbours',
    'entities related to one, within one or two hops',
    'print { entity, neighbours } as JSON',
  )
    .argument('<name>', 'the entity: a name, alias or id')
    .option('--hops <n>', '1 (direct relations, default) or 2')
    .option('--as-of <date>', 'valid time: only relations that held at this date')
    .option('--limit <n>', 'at most n neighbours (1-200, default 50)')
    .action(async (name: string, flags: NeighboursFlags, command: Command) => {
      const hops =
        flags.hops === undefined
          ? undefined
          : (parseIntegerFlag(flags.hops, '--hops', { min: 1, max: 2 }) as 1 | 2);
      const limit = optionalLimit(flags.limit, 200);
      const result = await withMemory(command, (memory) =>
        memory.graph.neighbours(name, {
          ...scopeFromFlags(flags),
          ...timeOptions(flags),
          ...{ hops, limit },
        }),
      );
      if (flags.json === true) printJson(result);
      else
        printLines(
          ...(result.neighbours.length === 0
            ? [`${result.entity.name} has no neighbours.`]
            : result.neighbours.map(formatNeighbourLine)),
        );
    });
}

function registerMerge(graph: Command): void {
  scopedSubcommand(
    graph,
    'merge',
    'merge entity B into entity A when they are one (recorded; undo with graph unmerge)',
    'print the merge as JSON',
  )
    .argument('<keep>', 'the entity to keep (a name, alias or id)')
    .argument('<merge>', 'the entity merged into it')
    .action(async (keep: string, merge: string, flags: Flags, command: Command) => {
      const result = await withMemory(command, (memory) =>
        memory.graph.mergeEntities(keep, merge, scopeFromFlags(flags)),
      );
      if (flags.json === true) printJson(result);
      else
        printLines(
          `merged "${result.mergedName}" into ${keep} (merge ${result.id}; undo with mnemo graph unmerge ${result.id})`,
        );
    });
}

function registerUnmerge(graph: Command): void {
  scopedSubcommand(graph, 'unmerge', 'undo a merge by its id', 'print the undone merge as JSON')
    .argument('<merge-id>', 'the merge id (see graph merges)')
    .action(async (mergeId: string, flags: Flags, command: Command) => {
      const result = await withMemory(command, (memory) =>
        memory.graph.unmergeEntities(mergeId, scopeFromFlags(flags)),
      );
      if (flags.json === true) printJson(result);
      else printLines(`undid merge ${result.id}: "${result.mergedName}" is an entity of its own again`);
    });
}

interface MergesFlags extends Flags {
  entity?: string | undefined;
  limit?: string | undefined;
}

function registerMerges(graph: Command): void {
  scopedSubcommand(graph, 'merges', 'list merges, newest first', 'print the merges as JSON')
    .option('--entity <name>', 'only merges of this entity (a name, alias or id)')
    .option('--limit <n>', 'at most n merges (1-500, default 100)')
    .action(async (flags: MergesFlags, command: Command) => {
      const limit = optionalLimit(flags.limit, 500);
      const merges = await withMemory(command, (memory) =>
        memory.graph.merges({ ...scopeFromFlags(flags), ...{ entity: flags.entity, limit } }),
      );
      if (flags.json === true) printJson(merges);
      else printLines(...(merges.length === 0 ? ['No merges.'] : merges.map(formatMergeLine)));
    });
}
