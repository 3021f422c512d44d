#!/usr/bin/env node
// Entry point of the inferred-memory cost benchmark: `node dist/eval/infer/run-infer-cost-bench.js --data …`.
import { Command, InvalidArgumentError } from 'commander';
import { loadLocomo } from '../datasets/locomo.js';
import { machineInfo } from '../perf/perf-report.js';
import { formatInferCostReport, type InferCostBenchOptions, runInferCostBench } from './infer-cost-bench.js';

function nonNegativeInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new InvalidArgumentError(`expected an integer >= 0, got "${value}"`);
  return parsed;
}

const program = new Command()
  .name('run-infer-cost-bench')
  .description('Inferred-memory cost: LLM calls per batch, tokens per message, prompt size vs store size.')
  .requiredOption('--data <path>', 'a LoCoMo JSON file (e.g. ../shared/data/locomo/locomo10-dev.json)')
  .option('--batch <n>', 'new turns per inference call', nonNegativeInteger, 4)
  .option('--conversations <n>', 'how many conversations to replay (0: all)', nonNegativeInteger, 0)
  .option('--max-existing <n>', 'maxExistingMemories', nonNegativeInteger, 20)
  .option('--max-previous <n>', 'maxPreviousTurns', nonNegativeInteger, 6)
  .option('--prefill <n>', 'synthetic memories written into each scope first', nonNegativeInteger, 0)
  .option('--json', 'print JSON instead of markdown');

async function main(): Promise<void> {
  program.parse();
  const flags = program.opts<{
    data: string;
    batch: number;
    conversations: number;
    maxExisting: number;
    maxPrevious: number;
    prefill: number;
    json?: boolean;
  }>();
  const all = await loadLocomo(flags.data);
  const options: InferCostBenchOptions = {
    samples: flags.conversations > 0 ? all.slice(0, flags.conversations) : all,
    batchSize: Math.max(1, flags.batch),
    maxExistingMemories: flags.maxExisting,
    maxPreviousTurns: flags.maxPrevious,
    prefill: flags.prefill,
  };
  const result = await runInferCostBench(options, (line) => process.stderr.write(`${line}\n`));
  const machine = machineInfo();
  if (flags.json === true) {
    const { batches, ...summary } = result;
    process.stdout.write(
      `${JSON.stringify({ machine, options: { ...options, samples: options.samples.length }, summary, batches })}\n`,
    );
    return;
  }
  process.stdout.write(
    `Machine: ${machine.cpu} (${machine.cores} cores), ${machine.ramGiB} GiB, Node ${machine.node}, ${machine.platform}; ${machine.date}\n\n` +
      `${formatInferCostReport(result, options)}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
