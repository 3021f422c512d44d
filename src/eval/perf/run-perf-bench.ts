#!/usr/bin/env node
// Entry point of `npm run bench:perf`: parses flags, runs the performance benchmark, prints markdown or JSON.
import { Command, InvalidArgumentError } from 'commander';
import { defaultPerfBenchOptions, type PerfBenchOptions, runPerfBench } from './perf-bench.js';
import { checkTargets, formatPerfReport, machineInfo } from './perf-report.js';

function positiveInteger(value: string): number {
  const parsed = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return parsed;
}

function integerList(value: string): number[] {
  return value.split(',').map((part) => positiveInteger(part.trim()));
}

const program = new Command()
  .name('bench:perf')
  .description('Mnemo performance benchmark: ingest throughput and search latency on real SQLite files.')
  .option('--out <dir>', 'folder for the benchmark stores (kept); default: a temp folder, removed afterwards')
  .option(
    '--sizes <list>',
    'memory counts in one scope, comma-separated',
    integerList,
    defaultPerfBenchOptions.sizes,
  )
  .option('--scopes <n>', 'scopes in the many-scope case', positiveInteger, defaultPerfBenchOptions.scopes)
  .option(
    '--per-scope <n>',
    'memories per scope in the many-scope case',
    positiveInteger,
    defaultPerfBenchOptions.perScope,
  )
  .option('--queries <n>', 'measured queries per case', positiveInteger, defaultPerfBenchOptions.queries)
  .option(
    '--warmup <n>',
    'unmeasured warm-up queries per case',
    positiveInteger,
    defaultPerfBenchOptions.warmup,
  )
  .option(
    '--batch <n>',
    'messages per add() while building one scope',
    positiveInteger,
    defaultPerfBenchOptions.batchSize,
  )
  .option(
    '--single-adds <n>',
    'single-message add() calls measured',
    positiveInteger,
    defaultPerfBenchOptions.singleAdds,
  )
  .option('--seed <n>', 'seed of the synthetic data', positiveInteger, defaultPerfBenchOptions.seed)
  .option('--skip-1m', 'skip the many-scope (1M) case')
  .option(
    '--db <url>',
    'benchmark PostgreSQL at this postgres:// URL instead of SQLite files (schemas are dropped afterwards)',
  )
  .option('--no-graph', 'build and query no knowledge graph (the "graph off" row)')
  .option('--json', 'print one JSON object instead of markdown');

interface CliFlags {
  out?: string;
  sizes: number[];
  scopes: number;
  perScope: number;
  queries: number;
  warmup: number;
  batch: number;
  singleAdds: number;
  seed: number;
  skip1m?: boolean;
  json?: boolean;
  db?: string;
  graph: boolean;
}

async function main(): Promise<void> {
  program.parse();
  const flags = program.opts<CliFlags>();
  const options: PerfBenchOptions = {
    outDir: flags.out,
    sizes: flags.sizes,
    scopes: flags.scopes,
    perScope: flags.perScope,
    skipMillion: flags.skip1m === true,
    queries: flags.queries,
    warmup: flags.warmup,
    batchSize: flags.batch,
    singleAdds: flags.singleAdds,
    seed: flags.seed,
    graph: flags.graph,
    onProgress: (line) => process.stderr.write(`[bench:perf] ${line}\n`),
  };
  if (flags.db !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(flags.db))
      throw new Error(`--db must be a postgres:// URL, got "${flags.db}"`);
    options.postgresUrl = flags.db;
  }
  const machine = machineInfo();
  const result = await runPerfBench(options);
  const command = `npm run bench:perf -- ${process.argv.slice(2).join(' ')}`.trim();
  if (flags.json === true) {
    process.stdout.write(
      `${JSON.stringify({ machine, command, ...result, targets: checkTargets(result) }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(`${formatPerfReport({ result, machine, command })}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:perf failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
