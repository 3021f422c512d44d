// `mnemo mcp`: runs the MCP server on stdio for desktop agents (Claude Desktop, Cursor, VS Code).
import type { Command } from 'commander';
import { createMemory } from '../../sdk/create-memory.js';
import { runMcpStdio } from '../../server/mcp/run-mcp-stdio.js';
import {
  BACKGROUND_INTERVAL_MS,
  embedderFromEnvironment,
  llmFromEnvironment,
  resolveStoreOption,
} from '../cli-context.js';
import {
  addMaintainScheduleFlags,
  type MaintainScheduleFlags,
  maintenanceFromFlags,
  withUpkeepLog,
} from './maintain-commands.js';

interface McpFlags extends MaintainScheduleFlags {
  tenant?: string | undefined;
  user?: string | undefined;
  agent?: string | undefined;
}

/**
 * Registers `mnemo mcp [--db <path>] [--tenant <id>] [--user <id>] [--agent <id>] [--maintain-every <duration> |
 * --no-maintain]` on `program`. It serves until the client closes stdin (or SIGINT/SIGTERM), then closes the
 * store. Nothing but MCP is written to stdout. Upkeep (`maintain()`) runs every hour unless told otherwise.
 * `--user`/`--agent` are the connection's identity: calls act as them and cannot act as another agent.
 *
 * @example
 * registerMcpCommand(program); // then: mnemo mcp --db ~/.mnemo/mnemo.db --user me
 */
export function registerMcpCommand(program: Command): void {
  addMaintainScheduleFlags(
    program
      .command('mcp')
      .description('serve memory to AI agents over MCP (stdio)')
      .option('--tenant <id>', 'tenant id every call is confined to (default "default")')
      .option('--user <id>', 'the user the connection acts as (calls naming none act for it)')
      .option('--agent <id>', 'the agent the connection acts as (spaces need its grants; no other agent)'),
  ).action(async (flags: McpFlags, command: Command) => {
    // stdout carries the protocol: each scheduled run is logged on stderr.
    const maintenance = withUpkeepLog(maintenanceFromFlags(flags, process.env.MNEMO_MAINTAIN_EVERY), (line) =>
      process.stderr.write(line),
    );
    // --db is the program-wide option; commander accepts it after `mcp` too.
    const memory = await createMemory({
      store: resolveStoreOption(command),
      embedder: embedderFromEnvironment(),
      llm: llmFromEnvironment(),
      actor: 'mcp',
      // A long-running server infers buffered batches and summarises idle sessions on its own.
      background: { intervalMs: BACKGROUND_INTERVAL_MS },
      // Upkeep on a timer too (hourly by default): expired memories erased, restatements merged, …
      maintenance,
    });
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await runMcpStdio({
        memory,
        tenantId: flags.tenant,
        defaultUserId: flags.user,
        agentId: flags.agent,
        signal: stop.signal,
        // stdout carries the protocol; internal failures are logged where the user can read them.
        onInternalError: (error) =>
          process.stderr.write(
            `mnemo mcp error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
          ),
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await memory.close();
    }
  });
}
