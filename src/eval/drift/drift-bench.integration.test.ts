import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerBenchCommand } from '../../cli/commands/bench-command.js';
import { runBuiltCli } from '../../cli/test-support/built-cli.js';
import { createOpenAICompatibleLanguageModel } from '../../models/openai-compatible-language-model.js';
import { createOpenAICompatibleTestServer } from '../../testing/index.js';
import { type DriftBenchReport, runDriftBench } from './drift-bench.js';
import { driftTypeKeys } from './drift-metrics.js';
import { formatDriftReport } from './drift-report.js';
import { generateDriftStream } from './drift-stream.js';

// A seed whose four months hold a change, a flip, a correction and verbatim repeats.
const small = { seed: 42, users: 1, months: 4 };

describe('runDriftBench on one user over four months (SQLite, offline)', () => {
  let report: DriftBenchReport;
  beforeAll(async () => {
    report = await runDriftBench(small);
  }, 120_000);

  it('describes the run and the stream it wrote', () => {
    const stream = generateDriftStream(small);
    expect(report).toMatchObject({
      benchmark: 'drift',
      seed: 42,
      users: 1,
      months: 4,
      statements: stream.statements.length,
      store: 'sqlite',
      embedder: 'builtin',
      llm: null,
      start: stream.start,
      end: stream.end,
    });
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(Object.values(report.statementsByType).reduce((sum, count) => sum + count, 0)).toBe(
      stream.statements.length,
    );
    expect(report.ingest.embeddingCalls).toBeGreaterThan(0);
    const { change, flip, correction } = report.statementsByType;
    expect([change, flip, correction]).toEqual([1, 1, 1]);
    expect(report.statementsByType['restatement/verbatim']).toBeGreaterThan(0);
  });

  it('starts with every truth current, one memory per distinct text, and none of them merged', () => {
    const stream = generateDriftStream(small);
    const distinctTexts = new Set(
      stream.statements.map((statement) => `${statement.userId}|${statement.text}`),
    );
    expect(report.before.recall).toBe(1);
    expect(report.before.truths).toBe(stream.questions.length);
    // A verbatim repeat of a current fact is not written twice.
    expect(report.before.currentMemories).toBeLessThanOrEqual(distinctTexts.size);
    expect(report.before.byType['restatement/verbatim'].withRestated).toBe(
      report.statementsByType['restatement/verbatim'],
    );
    expect(report.before).toMatchObject({ unattributed: 0, conflated: 0 });
    expect(report.before.searchRecall).toMatchObject({ k: 5, questions: stream.questions.length });
  });

  it('never makes things worse: fewer or as many duplicates and stale facts, no truth lost', () => {
    expect(report.after.currentMemories).toBeLessThanOrEqual(report.before.currentMemories);
    expect(report.after.duplicates).toBeLessThanOrEqual(report.before.duplicates);
    expect(report.after.stale).toBeLessThanOrEqual(report.before.stale);
    expect(report.truthsLost).toEqual([]);
    expect(report.after.truthsRecalled).toBe(report.after.truths);
  });

  it('accounts for what maintain() did in the current memories it left', () => {
    const { maintain, before, after } = report;
    expect(maintain.runs).toBeGreaterThanOrEqual(1);
    expect(maintain.complete).toBe(true);
    expect(maintain.mergedBy.offline + maintain.mergedBy.llm).toBe(maintain.merged);
    expect(Object.values(maintain.supersededBy).reduce((sum, count) => sum + count, 0)).toBe(
      maintain.superseded,
    );
    expect(maintain.usage.llmCalls).toBe(0);
    // Each merge retires its sources (two or more) and writes one memory; each supersession retires one.
    expect(after.currentMemories).toBeLessThanOrEqual(
      before.currentMemories - maintain.merged - maintain.superseded - maintain.archived,
    );
  });

  it('renders a before/after table with every statement type and the three targets', () => {
    const text = formatDriftReport(report).join('\n');
    expect(text).toMatch(/^metric\s+\|\s+before\s+\|\s+after$/m);
    expect(text).toMatch(/^duplicate rate\s+\|/m);
    expect(text).toMatch(/^stale-fact rate\s+\|/m);
    for (const key of driftTypeKeys) expect(text).toContain(key);
    expect(report.targets.map((check) => check.target)).toEqual([
      'duplicate rate <= 2.0 %',
      'stale-fact rate <= 5.0 %',
      'no current truth lost',
    ]);
    expect(text).toMatch(/no current truth lost\s+\|\s+0 lost\s+\|\s+PASS/);
  });
});

describe('runDriftBench with an LLM (a scripted local server)', () => {
  it('names the model and counts every request it served in the cost of maintain()', async () => {
    await using server = await createOpenAICompatibleTestServer({
      replies: Array.from({ length: 50 }, () => ({ fromSchema: true as const })),
    });
    const llm = createOpenAICompatibleLanguageModel({ baseURL: server.baseURL, model: 'scripted' });
    const report = await runDriftBench({ ...small, llm, maxLlmCalls: 3 });
    expect(report.llm).toBe('openai-compatible:scripted');
    expect(report.ingest.llmCalls).toBe(0);
    expect(report.maintain.usage.llmCalls).toBe(server.requests.length);
    expect(report.maintain.usage.llmCalls).toBeLessThanOrEqual(3 * report.maintain.runs);
  }, 120_000);
});

describe('mnemo bench drift', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-drift-cli-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function run(args: string[]): Promise<string> {
    const program = new Command('mnemo').exitOverride();
    registerBenchCommand(program, { environmentLanguageModel: () => undefined });
    const output: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      output.push(String(chunk));
      return true;
    });
    try {
      await program.parseAsync(['node', 'mnemo', 'bench', 'drift', ...args]);
    } finally {
      spy.mockRestore();
    }
    return output.join('');
  }

  it('prints both rates before and after as JSON and keeps the store given with --db', async () => {
    const db = path.join(directory, 'drift.db');
    const report = JSON.parse(
      await run(['--json', '--seed', '3', '--users', '1', '--months', '1', '--db', db]),
    ) as DriftBenchReport;
    expect(report).toMatchObject({ seed: 3, users: 1, months: 1 });
    for (const side of [report.before, report.after]) {
      expect(typeof side.duplicateRate).toBe('number');
      expect(typeof side.staleRate).toBe('number');
    }
    expect(existsSync(db)).toBe(true);
  }, 60_000);

  it('writes into the --db given to the built CLI, before or after the command name', async () => {
    for (const [index, args] of [
      ['bench', 'drift', '--db', '{db}'],
      ['--db', '{db}', 'bench', 'drift'],
    ].entries()) {
      const db = path.join(directory, `built-${index}.db`);
      const result = await runBuiltCli([
        ...args.map((arg) => arg.replace('{db}', db)),
        '--users',
        '1',
        '--months',
        '1',
        '--json',
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect((JSON.parse(result.stdout) as DriftBenchReport).months).toBe(1);
      expect(existsSync(db)).toBe(true);
    }
  }, 60_000);

  it('refuses a --db file that already exists, and --llm without a configured model', async () => {
    const existing = path.join(directory, 'existing.db');
    await writeFile(existing, '');
    await expect(run(['--db', existing, '--months', '1'])).rejects.toThrow(/already exists/);
    await expect(run(['--llm'])).rejects.toThrow(/--llm needs a language model/);
    await expect(run(['--max-llm-calls', '3'])).rejects.toThrow(/--max-llm-calls needs --llm/);
    await expect(run(['--users', '0'])).rejects.toThrow(/--users must be a positive integer/);
  });
});
