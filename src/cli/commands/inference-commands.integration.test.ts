// `mnemo add --buffer`, `flush`, `usage`, `failures` and `reprocess`, run in-process against a temp SQLite
// file, with the language model from MNEMO_LLM_* pointing at a scripted server on 127.0.0.1.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOpenAICompatibleTestServer, type OpenAICompatibleTestServer } from '../../testing/index.js';
import { describeFailure, EXIT_USAGE } from '../exit-codes.js';
import { registerInferenceCommands } from './inference-commands.js';
import { registerMemoryCommands } from './memory-commands.js';

let directory: string;
let server: OpenAICompatibleTestServer;

beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-cli-infer-'));
  server = await createOpenAICompatibleTestServer({ replies: [] });
  vi.stubEnv('MNEMO_LLM_PROVIDER', '');
  vi.stubEnv('MNEMO_LLM_BASE_URL', server.baseURL);
  vi.stubEnv('MNEMO_LLM_MODEL', 'scripted-model');
  vi.stubEnv('MNEMO_LLM_API_KEY', '');
  vi.stubEnv('MNEMO_EMBED_BASE_URL', '');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

/** Runs `mnemo --db <temp> …args` in-process and returns what it printed on stdout. */
async function mnemo(...args: string[]): Promise<string> {
  const program = new Command('mnemo').option('--db <path>').exitOverride();
  registerMemoryCommands(program);
  registerInferenceCommands(program);
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await program.parseAsync(['--db', path.join(directory, 'mnemo.db'), ...args], { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return chunks.join('');
}

async function mnemoJson(...args: string[]) {
  // biome-ignore lint/suspicious/noExplicitAny: the assertions explore the printed JSON.
  return JSON.parse(await mnemo(...args, '--json')) as Record<string, any>;
}

const fact = (text: string) => ({
  content: JSON.stringify({ operations: [{ op: 'ADD', kind: 'fact', text, sourceTurns: [0] }] }),
  usage: { inputTokens: 80, outputTokens: 12 },
});

describe('mnemo add --buffer, flush and usage', () => {
  it('buffers, flushes, and reports usage equal to the sum of what the commands returned', async () => {
    const first = await mnemoJson(
      'add',
      'I play the cello',
      '--user',
      'alice',
      '--session',
      's1',
      '--buffer',
    );
    const second = await mnemoJson('add', 'every evening', '--user', 'alice', '--session', 's1', '--buffer');
    expect([first.pending, second.pending]).toEqual([1, 2]);
    expect(server.requests).toHaveLength(0);
    server.addReplies(fact('Alice plays the cello every evening'));
    const flushed = await mnemoJson('flush', '--user', 'alice');
    expect(flushed).toMatchObject({ batches: 1, pending: 0 });
    expect(flushed.usage).toMatchObject({ llmCalls: 1, inputTokens: 80, outputTokens: 12 });

    const usage = await mnemoJson('usage', '--user', 'alice');
    const returned = [first.usage, second.usage, flushed.usage];
    for (const field of ['llmCalls', 'inputTokens', 'outputTokens', 'embeddingCalls'] as const) {
      expect(usage[field]).toBe(returned.reduce((sum, item) => sum + item[field], 0));
    }
    const text = await mnemo('usage', '--user', 'alice');
    expect(text).toContain('1 LLM calls, 80 input + 12 output tokens');
  });
});

describe('mnemo failures and mnemo reprocess', () => {
  it('lists a failed extraction, replays it and clears it', async () => {
    server.addReplies({ content: 'not json' }, { content: 'still not json' });
    const added = await mnemoJson('add', 'I adopted a cat named Miso', '--user', 'alice');
    expect(added.extractionError.code).toBe('LLM_OUTPUT_INVALID');
    const failures = await mnemoJson('failures', '--user', 'alice');
    expect(failures).toEqual([
      expect.objectContaining({ messageId: added.messages[0].id, code: 'LLM_OUTPUT_INVALID', attempts: 1 }),
    ]);
    expect(await mnemo('failures', '--all')).toContain(added.messages[0].id);

    server.addReplies(fact('Alice has a cat named Miso'));
    const replayed = await mnemoJson('reprocess', '--user', 'alice');
    expect(replayed).toMatchObject({ reprocessed: 1, failures: [] });
    expect(replayed.memories[0].text).toBe('Alice has a cat named Miso');
    expect(await mnemo('failures', '--user', 'alice')).toContain('No failed extractions.');
  });

  it('refuses to run store-wide without --all, as a usage error', async () => {
    const error = await mnemo('reprocess').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(describeFailure(error)).toMatchObject({ code: 'SCOPE_REQUIRED', exitCode: EXIT_USAGE });
    const both = await mnemo('flush', '--all', '--user', 'alice').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(describeFailure(both)).toMatchObject({ code: 'INVALID_INPUT', exitCode: EXIT_USAGE });
  });
});
