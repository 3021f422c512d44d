#!/usr/bin/env node
// Entry point of `npm run bench:http`: runs the HTTP load benchmark and prints markdown (or JSON).
import { Command, InvalidArgumentError } from 'commander';
import { machineInfo } from '../perf/perf-report.js';
import {
  defaultHttpBenchOptions,
  formatHttpBenchReport,
  httpBenchClean,
  runHttpBench,
} from './http-bench.js';

function positiveInteger(value: string): number {
  const parsed = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return parsed;
}

const program = new Command()
  .name('bench:http')
  .description('Mnemo HTTP load benchmark: autocannon against a real REST server on 127.0.0.1.')
  .option(
    '--memories <n>',
    'memories seeded into the searched scope',
    positiveInteger,
    defaultHttpBenchOptions.memories,
  )
  .option('--connections <n>', 'concurrent connections', positiveInteger, defaultHttpBenchOptions.connections)
  .option('--duration <s>', 'seconds per scenario', positiveInteger, defaultHttpBenchOptions.durationSeconds)
  .option('--seed <n>', 'seed of the generated text', positiveInteger, defaultHttpBenchOptions.seed)
  .option('--same-thread', "run the server on the load generator's event loop (default: a worker thread)")
  .option('--json', 'print JSON instead of markdown');

program.parse();
const flags = program.opts<{
  memories: number;
  connections: number;
  duration: number;
  seed: number;
  sameThread?: boolean;
  json?: boolean;
}>();
const result = await runHttpBench({
  memories: flags.memories,
  connections: flags.connections,
  durationSeconds: flags.duration,
  seed: flags.seed,
  isolate: flags.sameThread !== true,
});
const machine = machineInfo();
if (flags.json === true) {
  process.stdout.write(`${JSON.stringify({ machine, ...result }, null, 2)}\n`);
} else {
  process.stdout.write(
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB} GiB, Node ${machine.node}, ${machine.platform}; ${machine.date}\n\n`,
  );
  process.stdout.write(`${formatHttpBenchReport(result)}\n`);
}
if (!httpBenchClean(result)) {
  process.stderr.write('bench:http: some requests failed (errors, timeouts or non-2xx); see the table.\n');
  process.exitCode = 1;
}
