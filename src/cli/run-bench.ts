// Runs the retrieval benchmarks without the rest of the CLI: `node dist/cli/run-bench.js locomo --data FILE`.
import { Command } from 'commander';
import { registerBenchCommand } from './commands/bench-command.js';

const program = new Command('run-bench').description('Mnemo retrieval benchmarks');
const bench = registerBenchCommand(program);
await program.parseAsync(['bench', ...process.argv.slice(2)], { from: 'user' });
void bench;
