// Upkeep on the command line: `mnemo maintain` (expire, consolidate, reflect, decay), `unmerge`, `unarchive`,
// `purge`, and the `--maintain-every` / `--no-maintain` schedule of the long-running commands (serve, mcp).
import type { Command } from 'commander';
import { invalidInput } from '../../core/errors.js';
import { parseInput } from '../../core/validate.js';
import {
  type MaintainProgress,
  type MaintainReport,
  type MaintainStep,
  maintainSteps,
} from '../../lifecycle/maintain/maintain-report.js';
import type { MaintenanceRun } from '../../lifecycle/maintain/schedule.js';
import {
  type MaintainOptions,
  type MaintenanceOption,
  maintainOptionsSchema,
  maintenanceScopeSchema,
} from '../../sdk/options.js';
import {
  addScopeFlags,
  parseDurationFlag,
  parseIntegerFlag,
  type ScopeFlags,
  scopeFromFlags,
  storeScopeFromFlags,
  withMemory,
} from '../cli-context.js';
import { createProgress, formatMemoryLine, type Progress, printJson, printLines } from '../output.js';
import { formatUsage } from './inference-commands.js';

interface JsonFlag {
  json?: boolean | undefined;
}

interface MaintainFlags extends ScopeFlags, JsonFlag {
  steps?: string | undefined;
  maxLlmCalls?: string | undefined;
  maxMemories?: string | undefined;
  full?: boolean | undefined;
}

/** How often `serve` and `mcp` run upkeep unless told otherwise. */
export const DEFAULT_MAINTAIN_EVERY = '1h';
const DEFAULT_INTERVAL_MS = 3_600_000;
/** The bounds of a scheduled interval: those of `createMemory({ maintenance: { intervalMs } })`. */
const MIN_INTERVAL_MS = 1_000;
const MAX_INTERVAL_MS = 7 * 86_400_000;
/** How many merges and supersessions the human summary names before it only counts them. */
const LISTED = 10;

/**
 * Registers `maintain`, `unmerge`, `unarchive` and `purge` on `program`.
 *
 * @example
 * registerMaintainCommands(program); // mnemo maintain --user alice --max-llm-calls 0
 */
export function registerMaintainCommands(program: Command): void {
  registerMaintain(program);
  registerUnmerge(program);
  registerUnarchive(program);
  registerPurge(program);
}

/**
 * Parses `--steps expire,consolidate`: known step names, comma-separated, each once (order kept).
 *
 * @example
 * parseStepsFlag('expire, decay'); // ['expire', 'decay']
 */
export function parseStepsFlag(value: string): MaintainStep[] {
  const names = value.split(',').map((name) => name.trim().toLowerCase());
  const steps: MaintainStep[] = [];
  for (const name of names) {
    if (!(maintainSteps as readonly string[]).includes(name)) {
      throw invalidInput(
        `--steps takes a comma-separated list of ${maintainSteps.join(', ')}; got "${name === '' ? value : name}"`,
      );
    }
    if (!steps.includes(name as MaintainStep)) steps.push(name as MaintainStep);
  }
  return steps;
}

/**
 * Turns the flags of `mnemo maintain` into SDK options, validated as `maintain()` would (a bad value is a
 * usage error before the store is opened). No scope flag means every tenant.
 *
 * @example
 * maintainOptionsFromFlags({ user: 'h', steps: 'expire,consolidate', maxLlmCalls: '0' });
 */
export function maintainOptionsFromFlags(flags: MaintainFlags): MaintainOptions {
  const options: MaintainOptions = { ...storeScopeFromFlags(flags) };
  if (flags.steps !== undefined) options.steps = parseStepsFlag(flags.steps);
  if (flags.maxLlmCalls !== undefined)
    options.maxLlmCalls = parseIntegerFlag(flags.maxLlmCalls, '--max-llm-calls', { min: 0, max: 100_000 });
  if (flags.maxMemories !== undefined)
    options.maxMemories = parseIntegerFlag(flags.maxMemories, '--max-memories', {
      min: 1,
      max: 10_000_000,
    });
  if (flags.full === true) options.full = true;
  parseInput(maintainOptionsSchema, options, 'maintain options');
  return options;
}

function plural(count: number, word: string, words = `${word}s`): string {
  return `${count} ${count === 1 ? word : words}`;
}

function listed<T>(items: T[], line: (item: T) => string, what: string): string[] {
  const lines = items.slice(0, LISTED).map(line);
  if (items.length > LISTED) lines.push(`  … and ${items.length - LISTED} more ${what} (see --json)`);
  return lines;
}

/**
 * The human summary of a maintain run: what changed, what it cost, and what is left for the next run.
 *
 * @example
 * printLines(...formatMaintainReport(report));
 */
export function formatMaintainReport(report: MaintainReport): string[] {
  const { scopes, insights, remaining } = report;
  const skipped =
    scopes.skipped === 0 ? '' : `; ${plural(scopes.skipped, 'scope')} skipped (another process holds it)`;
  const left = report.complete
    ? 'left for the next run: nothing'
    : `left for the next run: ${plural(remaining.memories, 'memory', 'memories')}, ${plural(remaining.scopes, 'scope')}, ${plural(remaining.reflections, 'reflection')} (run mnemo maintain again, or raise --max-memories / --max-llm-calls)`;
  return [
    `examined ${plural(report.examined, 'memory', 'memories')} in ${plural(scopes.examined, 'scope')}${skipped}`,
    `merged ${report.merged.length}, superseded ${report.superseded.length}; ${plural(report.refused.length, 'merge')} refused (it would have lost words)`,
    `insights: ${insights.written.length} written, ${insights.retired.length} retired, ${insights.kept.length} kept`,
    `archived ${report.archived.length}, purged ${report.purged} expired${report.auditPurged > 0 ? `, ${plural(report.auditPurged, 'audit row')} past retention` : ''}`,
    `usage: ${formatUsage(report.usage)}`,
    left,
    ...listed(
      report.merged,
      (merge) => `  merge ${merge.id} ← ${merge.sources.join(', ')} (${merge.by}): ${oneLine(merge.text)}`,
      'merges',
    ),
    ...listed(
      report.superseded,
      (item) => `  superseded ${item.id} by ${item.by} (${item.rule})`,
      'supersessions',
    ),
    ...(report.merged.length > 0 || report.archived.length > 0
      ? ['undo: mnemo unmerge <merge id> / mnemo unarchive <id>, with the scope flags']
      : []),
  ];
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= 100 ? flat : `${flat.slice(0, 99)}…`;
}

/**
 * One bar per step on stderr (`maintain consolidate [███░░] 3/5`), each completed as the next begins; silent
 * for `--json` and when stderr is not a terminal (see createProgress).
 */
function createStepProgress(enabled: boolean): { tick: (tick: MaintainProgress) => void; stop: () => void } {
  let current: { step: MaintainStep; total: number; bar: Progress } | undefined;
  const finish = () => {
    current?.bar.update(current.total);
    current?.bar.stop();
    current = undefined;
  };
  return {
    tick({ step, done, total }) {
      if (current?.step !== step || current.total !== total) {
        finish();
        current = { step, total, bar: createProgress({ enabled, label: `maintain ${step.padEnd(11)}` }) };
        current.bar.start(total);
      }
      current.bar.update(done);
    },
    stop: finish,
  };
}

function registerMaintain(program: Command): void {
  addScopeFlags(
    program
      .command('maintain')
      .description(
        'upkeep: erase expired memories, merge restatements, retire contradicted ones, reflect insights (LLM), archive faded ones; no scope flag = every tenant',
      )
      .option('--steps <list>', `comma-separated steps to run (default all): ${maintainSteps.join(',')}`)
      .option('--max-llm-calls <n>', 'most LLM calls this run makes, 0-100000 (default 8; 0 = offline only)')
      .option('--max-memories <n>', 'most memories this run examines, 1-10000000 (default 2000)')
      .option('--full', 'examine every current memory again, not only those new since the last run')
      .option('--json', 'print the MaintainReport as JSON'),
  ).action(async (flags: MaintainFlags, command: Command) => {
    const options = maintainOptionsFromFlags(flags);
    const progress = createStepProgress(flags.json !== true);
    const report = await withMemory(command, async (memory) => {
      try {
        return await memory.maintain({ ...options, onProgress: progress.tick });
      } finally {
        progress.stop();
      }
    });
    if (flags.json === true) printJson(report);
    else printLines(...formatMaintainReport(report));
  });
}

function registerUnmerge(program: Command): void {
  addScopeFlags(
    program
      .command('unmerge')
      .description(
        'undo a merge made by maintain: its sources become current again, the merged memory is erased',
      )
      .argument('<id>', 'the merged memory (the id `mnemo maintain` printed)')
      .option('--json', 'print { restored, erasedId } as JSON'),
  ).action(async (id: string, flags: ScopeFlags & JsonFlag, command: Command) => {
    const result = await withMemory(command, (memory) => memory.unmerge(id, scopeFromFlags(flags)));
    if (flags.json === true) printJson(result);
    else
      printLines(
        `erased ${result.erasedId}; current again:`,
        ...result.restored.map((record) => `  ${formatMemoryLine(record)}`),
      );
  });
}

function registerUnarchive(program: Command): void {
  addScopeFlags(
    program
      .command('unarchive')
      .description('make a memory that upkeep archived (its strength faded) current again')
      .argument('<id>', 'memory id')
      .option('--json', 'print the memory as JSON'),
  ).action(async (id: string, flags: ScopeFlags & JsonFlag, command: Command) => {
    const record = await withMemory(command, (memory) => memory.unarchive(id, scopeFromFlags(flags)));
    if (flags.json === true) printJson(record);
    else printLines(formatMemoryLine(record));
  });
}

function registerPurge(program: Command): void {
  addScopeFlags(
    program
      .command('purge')
      .description(
        'erase memories past their expiry date (--expires) now, as forget does; no scope flag = every tenant',
      )
      .option('--json', 'print { purged } as JSON'),
  ).action(async (flags: ScopeFlags & JsonFlag, command: Command) => {
    const scope = parseInput(maintenanceScopeSchema, storeScopeFromFlags(flags), 'purge scope');
    const result = await withMemory(command, (memory) => memory.purgeExpired(scope));
    if (flags.json === true) printJson(result);
    else printLines(`purged ${plural(result.purged, 'expired memory', 'expired memories')}`);
  });
}

/** The flags of the schedule, as commander parses them (`--no-maintain` sets `maintain: false`). */
export interface MaintainScheduleFlags {
  maintain?: boolean | undefined;
  maintainEvery?: string | undefined;
}

/**
 * Adds `--maintain-every <duration>` and `--no-maintain` to a long-running command.
 *
 * @example
 * addMaintainScheduleFlags(program.command('serve'));
 */
export function addMaintainScheduleFlags(command: Command): Command {
  return command
    .option(
      '--maintain-every <duration>',
      `run upkeep (mnemo maintain) this often: 90s, 30m, 1h, 1d (1s-7d); default $MNEMO_MAINTAIN_EVERY, else ${DEFAULT_MAINTAIN_EVERY}`,
    )
    .option('--no-maintain', 'no scheduled upkeep (run mnemo maintain yourself)');
}

/**
 * The `maintenance` option of createMemory for `serve` and `mcp`: `--no-maintain` → no timer (`{}`: a
 * `maintain()` asked for still runs every step); else `--maintain-every`, else `$MNEMO_MAINTAIN_EVERY` (a
 * duration, or `off`), else every hour.
 *
 * @example
 * maintenanceFromFlags({ maintainEvery: '30m' }, undefined); // { intervalMs: 1_800_000 }
 * maintenanceFromFlags({ maintain: false }, '10m'); // {}
 */
export function maintenanceFromFlags(
  flags: MaintainScheduleFlags,
  environment: string | undefined,
): MaintenanceOption {
  if (flags.maintain === false) {
    if (flags.maintainEvery !== undefined)
      throw invalidInput('give either --maintain-every or --no-maintain, not both');
    return {};
  }
  if (flags.maintainEvery !== undefined)
    return { intervalMs: parseInterval(flags.maintainEvery, '--maintain-every') };
  const fromEnvironment = environment?.trim() ?? '';
  if (fromEnvironment === '') return { intervalMs: DEFAULT_INTERVAL_MS };
  if (/^(off|false|no|0)$/i.test(fromEnvironment)) return {};
  return { intervalMs: parseInterval(fromEnvironment, 'MNEMO_MAINTAIN_EVERY') };
}

function parseInterval(value: string, source: string): number {
  const ms = parseDurationFlag(value, source, { maxMs: MAX_INTERVAL_MS });
  if (ms < MIN_INTERVAL_MS) {
    throw invalidInput(
      `${source} must be at least 1s (upkeep more often than every second is not useful); got "${value}"`,
    );
  }
  return ms;
}

/**
 * When upkeep runs, for the first line a long-running command prints.
 *
 * @example
 * describeMaintenance({ intervalMs: 3_600_000 }); // 'upkeep every 1h'
 */
export function describeMaintenance(option: MaintenanceOption): string {
  if (option === false || option.intervalMs === undefined) return 'scheduled upkeep off';
  const ms = option.intervalMs;
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1_000, 's'],
  ];
  const unit = units.find(([size]) => ms % size === 0) ?? [1, 'ms'];
  return `upkeep every ${ms / unit[0]}${unit[1]}`;
}

/**
 * One log line for a scheduled upkeep run, as `mnemo serve` and `mnemo mcp` print it on stderr.
 *
 * @example
 * describeUpkeepRun({ at, merged: 2, superseded: 1, archived: 0, purged: 3, insights: 0, complete: true });
 * // 'upkeep 2026-12-06T20:00:00.000Z: merged 2, superseded 1, archived 0, purged 3, insights 0\n'
 */
export function describeUpkeepRun(run: MaintenanceRun): string {
  if (run.error !== undefined) return `upkeep ${run.at} failed: [${run.error.code}] ${run.error.message}\n`;
  const counts = `merged ${run.merged}, superseded ${run.superseded}, archived ${run.archived}, purged ${run.purged}, insights ${run.insights}`;
  return `upkeep ${run.at}: ${counts}${run.complete ? '' : ' (more left for the next run)'}\n`;
}

/**
 * The `maintenance` option with a log of every scheduled run, written by `log` (off: unchanged).
 *
 * @example
 * const maintenance = withUpkeepLog(maintenanceFromFlags(flags, env), (line) => process.stderr.write(line));
 */
export function withUpkeepLog(option: MaintenanceOption, log: (line: string) => void): MaintenanceOption {
  if (option === false || option.intervalMs === undefined) return option;
  return { ...option, onRun: (run) => log(describeUpkeepRun(run)) };
}
