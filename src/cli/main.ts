#!/usr/bin/env node
// The `mnemo` command: builds the commander program, runs it, and maps errors to exit codes.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerBenchCommand } from './commands/bench-command.js';
import { registerDataCommands } from './commands/data-commands.js';
import { registerDemoCommand } from './commands/demo-command.js';
import { registerGraphCommands } from './commands/graph-commands.js';
import { registerInferenceCommands } from './commands/inference-commands.js';
import { registerMaintainCommands } from './commands/maintain-commands.js';
import { registerMcpCommand } from './commands/mcp-command.js';
import { registerMemoryCommands } from './commands/memory-commands.js';
import { registerServerCommands } from './commands/server-commands.js';
import { registerSharingCommands } from './commands/sharing-commands.js';
import { registerStoreCommands } from './commands/store-commands.js';
import { registerVacuumCommand } from './commands/vacuum-command.js';
import { registerWorkingSetCommands } from './commands/working-set-commands.js';
import { describeFailure, EXIT_OK, EXIT_USAGE } from './exit-codes.js';

/**
 * Builds the `mnemo` program. Commander errors throw (exitOverride) instead of exiting.
 *
 * @example
 * await createProgram().parseAsync(['node', 'mnemo', 'status', '--json']);
 */
export function createProgram(): Command {
  const program = new Command();
  program
    .name('mnemo')
    .description('Long-term memory for AI agents: remember, search and forget, offline.')
    .version(packageVersion())
    .option('--db <path>', 'the store file (default: $MNEMO_DB, else ~/.mnemo/mnemo.db)')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: () => undefined });
  registerMemoryCommands(program);
  registerWorkingSetCommands(program);
  registerSharingCommands(program);
  registerGraphCommands(program);
  registerDataCommands(program);
  registerInferenceCommands(program);
  registerMaintainCommands(program);
  registerDemoCommand(program);
  registerStoreCommands(program);
  registerVacuumCommand(program);
  registerBenchCommand(program);
  registerMcpCommand(program);
  registerServerCommands(program);
  for (const command of program.commands)
    command.exitOverride().configureOutput({ outputError: () => undefined });
  return program;
}

function packageVersion(): string {
  // src/cli or dist/cli → the package root is two levels up.
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? 'unknown';
}

/** Runs the CLI on `argv` and returns the exit code; errors print one line (or a JSON error). */
export async function runCli(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    await createProgram().parseAsync(argv);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return EXIT_OK;
    // Commander already printed the help (for `mnemo` with no command): a usage error without a second message.
    if (error instanceof CommanderError && error.code === 'commander.help') return EXIT_USAGE;
    const failure = describeFailure(error);
    if (json)
      process.stdout.write(
        `${JSON.stringify({ error: { code: failure.code, message: failure.message } })}\n`,
      );
    else process.stderr.write(`error [${failure.code}]: ${failure.message}\n`);
    return failure.exitCode;
  }
}

process.exitCode = await runCli(process.argv);
