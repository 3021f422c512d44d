// Formats performance benchmark results: machine info, markdown tables, and PASS/MISS against the targets.
import os from 'node:os';
import type { PerfBenchResult, SearchCase } from './perf-bench.js';

export interface MachineInfo {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  platform: string;
  date: string;
}

/**
 * Describes the machine the benchmark ran on.
 *
 * @example
 * machineInfo(); // { cpu: 'AMD EPYC …', cores: 8, ramGiB: 31.3, node: 'v20.20.0', platform: 'linux x64', date: '…' }
 */
export function machineInfo(now: Date = new Date()): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    ramGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    date: now.toISOString(),
  };
}

export interface TargetCheck {
  target: string;
  measured: string;
  /** `undefined` when the case was not measured. */
  pass: boolean | undefined;
}

/** The targets the issue sets: ingest ≥ 2,000 msg/s; 100k one scope p50 ≤ 5 ms, p99 ≤ 25 ms; 1M p50 ≤ 5 ms. */
export const PERF_TARGETS = {
  ingestMessagesPerSecond: 2_000,
  oneScopeMemories: 100_000,
  oneScopeP50Ms: 5,
  oneScopeP99Ms: 25,
  manyScopesP50Ms: 5,
} as const;

/**
 * Compares results with {@link PERF_TARGETS}; a case that was not run yields `pass: undefined`.
 *
 * @example
 * checkTargets(result).map((check) => check.pass); // [true, true, false, undefined]
 */
export function checkTargets(result: PerfBenchResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const rate = result.ingest.messagesPerSecond;
  checks.push({
    target: `ingest >= ${PERF_TARGETS.ingestMessagesPerSecond} messages/s (batches of ${result.ingest.batchSize})`,
    measured: `${rate.toFixed(0)} messages/s`,
    pass: rate >= PERF_TARGETS.ingestMessagesPerSecond,
  });
  const big = result.singleScope.find((entry) => entry.memories === PERF_TARGETS.oneScopeMemories);
  checks.push({
    target: `search p50 <= ${PERF_TARGETS.oneScopeP50Ms} ms at 100k in one scope`,
    measured: big === undefined ? 'not measured' : `${big.latency.p50.toFixed(2)} ms`,
    pass: big === undefined ? undefined : big.latency.p50 <= PERF_TARGETS.oneScopeP50Ms,
  });
  checks.push({
    target: `search p99 <= ${PERF_TARGETS.oneScopeP99Ms} ms at 100k in one scope`,
    measured: big === undefined ? 'not measured' : `${big.latency.p99.toFixed(2)} ms`,
    pass: big === undefined ? undefined : big.latency.p99 <= PERF_TARGETS.oneScopeP99Ms,
  });
  const many = result.manyScopes;
  checks.push({
    target: `per-scope search p50 <= ${PERF_TARGETS.manyScopesP50Ms} ms at 1M across 1,000 scopes`,
    measured: many === undefined ? 'not measured' : `${many.latency.p50.toFixed(2)} ms (${many.label})`,
    pass: many === undefined ? undefined : many.latency.p50 <= PERF_TARGETS.manyScopesP50Ms,
  });
  return checks;
}

const ms = (value: number | undefined): string => (value === undefined ? '–' : value.toFixed(2));
const mib = (bytes: number): string => (bytes / 1024 ** 2).toFixed(1);
const bytes = (value: number | undefined): string => (value === undefined ? '–' : value.toFixed(0));

/** Bytes per memory of the largest tables and indexes (those above 1% of the file in some case), per case. */
function footprintTable(cases: SearchCase[]): string[] {
  const measured = cases.filter((entry) => entry.tableBytesPerMemory !== undefined);
  if (measured.length === 0) return [];
  const names = [
    ...new Set(
      measured.flatMap((entry) =>
        Object.entries(entry.tableBytesPerMemory ?? {})
          .filter(([, value]) => value >= (entry.bytesPerMemory ?? 0) / 100)
          .map(([name]) => name),
      ),
    ),
  ];
  return [
    '',
    `| bytes per memory (after a WAL checkpoint) | total | ${names.join(' | ')} |`,
    `| --- | ---: | ${names.map(() => '---:').join(' | ')} |`,
    ...measured.map(
      (entry) =>
        `| ${entry.label} | ${bytes(entry.bytesPerMemory)} | ${names.map((name) => bytes(entry.tableBytesPerMemory?.[name] ?? 0)).join(' | ')} |`,
    ),
  ];
}

const verdict = (pass: boolean | undefined): string => (pass === undefined ? 'n/a' : pass ? 'PASS' : 'MISS');

/**
 * Renders results as markdown: machine, ingest, search latency, time breakdown per query, targets.
 *
 * @example
 * console.log(formatPerfReport({ result, machine: machineInfo(), command: 'npm run bench:perf' }));
 */
export function formatPerfReport(input: {
  result: PerfBenchResult;
  machine: MachineInfo;
  command: string;
}): string {
  const { result, machine } = input;
  const cases: SearchCase[] = [
    ...result.singleScope,
    ...(result.manyScopes === undefined ? [] : [result.manyScopes]),
  ];
  const lines = [
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB} GiB RAM, Node ${machine.node}, ${machine.platform}`,
    `Date: ${machine.date} · Command: \`${input.command}\``,
    '',
    '| ingest | messages | seconds | rate |',
    '| --- | ---: | ---: | ---: |',
    `| add() in batches of ${result.ingest.batchSize} | ${result.ingest.messages} | ${result.ingest.seconds.toFixed(1)} | ${result.ingest.messagesPerSecond.toFixed(0)} messages/s |`,
    `| add() one message at a time | ${result.ingest.singleAdds} | – | ${result.ingest.singleAddsPerSecond.toFixed(0)} adds/s |`,
  ];
  if (result.manyScopes?.buildSeconds !== undefined) {
    const many = result.manyScopes;
    lines.push(
      `| build ${many.label} (batches of 1,000) | ${many.memories} | ${many.buildSeconds!.toFixed(0)} | ${many.buildMessagesPerSecond!.toFixed(0)} messages/s |`,
    );
  }
  lines.push(
    '',
    '| search (limit 10) | queries | p50 ms | p95 ms | p99 ms | mean ms | results/query | db MiB | wal MiB | bytes/memory |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...cases.map(
      (entry) =>
        `| ${entry.label} | ${entry.latency.count} | ${ms(entry.latency.p50)} | ${ms(entry.latency.p95)} | ${ms(entry.latency.p99)} | ${ms(entry.latency.mean)} | ${entry.meanResults.toFixed(1)} | ${mib(entry.dbBytes)} | ${mib(entry.walBytes)} | ${bytes(entry.bytesPerMemory)} |`,
    ),
  );
  lines.push(...footprintTable(cases));
  const ingestMethods = Object.keys(result.ingest.breakdown);
  lines.push(
    '',
    `| mean ms per ingested message | ${ingestMethods.join(' | ')} |`,
    `| --- | ${ingestMethods.map(() => '---:').join(' | ')} |`,
    `| batches of ${result.ingest.batchSize} | ${ingestMethods.map((name) => ms(result.ingest.breakdown[name])).join(' | ')} |`,
  );
  const methods = [...new Set(cases.flatMap((entry) => Object.keys(entry.breakdown)))];
  lines.push(
    '',
    `| mean ms per query | ${methods.join(' | ')} |`,
    `| --- | ${methods.map(() => '---:').join(' | ')} |`,
    ...cases.map(
      (entry) => `| ${entry.label} | ${methods.map((name) => ms(entry.breakdown[name])).join(' | ')} |`,
    ),
    '',
    '| target | measured | result |',
    '| --- | --- | --- |',
    ...checkTargets(result).map(
      (check) => `| ${check.target} | ${check.measured} | ${verdict(check.pass)} |`,
    ),
  );
  return lines.join('\n');
}
