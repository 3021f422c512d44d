import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerBenchCommand } from '../../cli/commands/bench-command.js';
import { loadLocomo } from '../datasets/locomo.js';
import { loadLongMemEval } from '../datasets/longmemeval.js';
import { type LocomoBenchReport, runLocomoBench } from './locomo-bench.js';
import { type LongMemEvalBenchReport, runLongMemEvalBench } from './longmemeval-bench.js';
import { formatLocomoReport, formatLongMemEvalReport } from './report.js';
import { writeBenchFixtures } from './test-support/bench-fixtures.js';

let directory: string;
let files: { locomo: string; longMemEval: string };

beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-bench-test-'));
  files = await writeBenchFixtures(directory);
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('runLocomoBench on a two-session fixture', () => {
  let report: LocomoBenchReport;
  beforeAll(async () => {
    report = await runLocomoBench({
      samples: await loadLocomo(files.locomo),
      ks: [1, 2, 6],
      embedderName: 'builtin',
    });
  });

  it('counts every question, turn and category', () => {
    expect(report).toMatchObject({ dataset: 'locomo', conversations: 1, questions: 5, turns: 6 });
    expect(Object.keys(report.byCategory)).toEqual(['1', '2', '4', '5']);
    expect(report.byCategory['4']?.questions).toBe(2);
    expect(report.config).toMatchObject({ ks: [1, 2, 6], retrieved: 6, embedder: 'builtin' });
  });

  it('computes BM25 evidence recall exactly: the two-id evidence string splits, "D2:3:" is repaired', () => {
    // recall@1: 1 + 1 + 0.5 (one of two ids) + 1 + 1 (no evidence) over 5 questions.
    expect(report.baseline.overall).toEqual({ 'recall@1': 0.9, 'recall@2': 1, 'recall@6': 1 });
    expect(report.baseline.overallCategories1to4['recall@1']).toBeCloseTo(0.875, 10);
    expect(report.baseline.byCategory['1']).toEqual({
      'recall@1': 0.5,
      'recall@2': 1,
      'recall@6': 1,
      questions: 1,
    });
  });

  it('finds every evidence turn with Mnemo within all turns, and the multi-hop question at best half at k = 1', () => {
    expect(report.overall['recall@6']).toBe(1);
    expect(report.byCategory['1']?.['recall@1']).toBe(0.5);
    expect(report.byCategory['5']).toEqual({ 'recall@1': 1, 'recall@2': 1, 'recall@6': 1, questions: 1 });
    expect(report.overall['recall@1']).toBeGreaterThanOrEqual(0.5);
  });

  it('reports timings and a metric | mnemo | bm25 table', () => {
    expect(report.latencyMs.p95).toBeGreaterThanOrEqual(report.latencyMs.p50);
    const lines = formatLocomoReport(report);
    expect(lines[2]).toMatch(/^metric\s+\| mnemo \|\s+bm25$/);
    expect(lines.some((line) => /^all · recall@1\s+\| \d\.\d{3} \| 0\.900$/.test(line))).toBe(true);
  });

  it('runs with upkeep on: the same recall (episodes are never merged or archived here) and what upkeep did', async () => {
    const upkept = await runLocomoBench({
      samples: await loadLocomo(files.locomo),
      ks: [1, 2, 6],
      embedderName: 'builtin',
      maintain: true,
    });
    expect(upkept.upkeep).toEqual({ merged: 0, superseded: 0, archived: 0, purged: 0, insights: 0 });
    expect(upkept.overall).toEqual(report.overall);
    expect(report.upkeep).toBeUndefined();
  });

  it('honours --limit-conversations', async () => {
    const none = await runLocomoBench({
      samples: await loadLocomo(files.locomo),
      ks: [5],
      embedderName: 'builtin',
      limitConversations: 0,
    });
    expect(none.questions).toBe(0);
    expect(none.overall).toEqual({});
  });
});

describe('runLongMemEvalBench on a three-question fixture', () => {
  let report: LongMemEvalBenchReport;
  beforeAll(async () => {
    report = await runLongMemEvalBench({
      items: await loadLongMemEval(files.longMemEval),
      ks: [1, 2],
      embedderName: 'builtin',
    });
  });

  it('leaves the abstention question out', () => {
    expect(report).toMatchObject({ dataset: 'longmemeval', questions: 2, excludedAbstention: 1, turns: 12 });
    expect(Object.keys(report.byCategory)).toEqual(['multi-session', 'single-session-user']);
  });

  it.each(['mnemo', 'bm25'] as const)('scores %s at turn and session level', (system) => {
    const metrics = system === 'mnemo' ? report : report.baseline;
    // The two-gold question cannot be complete at k = 1, but its first result is gold (NDCG@1 = 1).
    const expected = { 'recall_all@1': 0.5, 'recall_all@2': 1, 'ndcg@1': 1, 'ndcg@2': 1 };
    expect(metrics.overall.turn).toEqual(expected);
    expect(metrics.overall.session).toEqual(expected);
    expect(metrics.byCategory['multi-session']?.session['recall_all@1']).toBe(0);
    expect(metrics.byCategory['single-session-user']?.turn['recall_all@1']).toBe(1);
  });

  it('documents the session-ranking rule and prints both levels', () => {
    expect(report.config.sessionRank).toContain('deduplicated');
    const lines = formatLongMemEvalReport(report);
    expect(lines.some((line) => /^session · recall_all@2\s+\| 1\.000 \| 1\.000$/.test(line))).toBe(true);
  });
});

describe('mnemo bench --json', () => {
  it('prints the LongMemEval report as JSON with turn and session levels', async () => {
    const program = new Command('mnemo').exitOverride();
    registerBenchCommand(program);
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      chunks.push(String(chunk));
      return true;
    });
    try {
      await program.parseAsync(
        ['bench', 'longmemeval', '--data', files.longMemEval, '--k', '2,1', '--json', '--limit', '1'],
        {
          from: 'user',
        },
      );
    } finally {
      spy.mockRestore();
    }
    const output = JSON.parse(chunks.join(''));
    expect(output).toMatchObject({ dataset: 'longmemeval', questions: 1, config: { ks: [1, 2] } });
    expect(output.overall.turn['recall_all@1']).toBe(1);
    expect(output.baseline.overall.session['ndcg@2']).toBe(1);
    expect(Object.keys(output.latencyMs)).toEqual(['p50', 'p95']);
  });

  it.each(['{"weights":{"vector":-1}}', '{"limit":5}', 'not json'])(
    'rejects --search %s as INVALID_INPUT',
    async (search) => {
      const program = new Command('mnemo').exitOverride();
      registerBenchCommand(program);
      await expect(
        program.parseAsync(['bench', 'locomo', '--data', files.locomo, '--search', search], { from: 'user' }),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    },
  );

  it('rejects an unknown embedder as INVALID_INPUT', async () => {
    const program = new Command('mnemo').exitOverride();
    registerBenchCommand(program);
    await expect(
      program.parseAsync(['bench', 'locomo', '--data', files.locomo, '--embedder', 'magic'], {
        from: 'user',
      }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
