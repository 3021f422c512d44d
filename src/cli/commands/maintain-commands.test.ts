// The flags of upkeep: `--steps`, the budget flags and the `--maintain-every` / `--no-maintain` schedule.
import { describe, expect, it } from 'vitest';
import { describeFailure, EXIT_USAGE } from '../exit-codes.js';
import {
  describeMaintenance,
  describeUpkeepRun,
  maintainOptionsFromFlags,
  maintenanceFromFlags,
  parseStepsFlag,
  withUpkeepLog,
} from './maintain-commands.js';

function failureOf(work: () => unknown) {
  try {
    work();
  } catch (error) {
    return describeFailure(error);
  }
  throw new Error('expected a failure');
}

describe('parseStepsFlag', () => {
  it.each([
    ['expire', ['expire']],
    ['expire,consolidate', ['expire', 'consolidate']],
    [' Decay , expire,decay', ['decay', 'expire']],
  ])('%j → %j', (value, steps) => {
    expect(parseStepsFlag(value)).toEqual(steps);
  });

  it.each(['', 'expire,', 'nope', 'expire,,decay'])(
    'refuses %j as a usage error naming the steps',
    (value) => {
      const failure = failureOf(() => parseStepsFlag(value));
      expect(failure).toMatchObject({ code: 'INVALID_INPUT', exitCode: EXIT_USAGE });
      expect(failure.message).toContain('expire, consolidate, reflect, decay');
    },
  );
});

describe('maintainOptionsFromFlags', () => {
  it('turns the flags into maintain() options, leaving out what was not given', () => {
    expect(
      maintainOptionsFromFlags({
        user: 'h',
        steps: 'expire,consolidate',
        maxLlmCalls: '0',
        maxMemories: '50',
        full: true,
      }),
    ).toEqual({ userId: 'h', steps: ['expire', 'consolidate'], maxLlmCalls: 0, maxMemories: 50, full: true });
    expect(maintainOptionsFromFlags({})).toEqual({});
  });

  it.each([
    [{ maxLlmCalls: '-1' }, '--max-llm-calls'],
    [{ maxLlmCalls: '1.5' }, '--max-llm-calls'],
    [{ maxMemories: '0' }, '--max-memories'],
    [{ maxMemories: 'lots' }, '--max-memories'],
    [{ user: ' ' }, 'userId'],
  ])('refuses %j as a usage error', (flags, named) => {
    const failure = failureOf(() => maintainOptionsFromFlags(flags));
    expect(failure).toMatchObject({ code: 'INVALID_INPUT', exitCode: EXIT_USAGE });
    expect(failure.message).toContain(named);
  });
});

describe('maintenanceFromFlags', () => {
  it.each([
    [{}, undefined, { intervalMs: 3_600_000 }],
    [{ maintain: true }, '', { intervalMs: 3_600_000 }],
    [{ maintainEvery: '30m' }, undefined, { intervalMs: 1_800_000 }],
    [{ maintainEvery: '1s' }, '2h', { intervalMs: 1_000 }],
    [{}, '2h', { intervalMs: 7_200_000 }],
    [{}, '90000', { intervalMs: 90_000 }],
    [{}, 'off', {}],
    [{}, '0', {}],
    [{ maintain: false }, undefined, {}],
    [{ maintain: false }, '10m', {}],
  ] as const)('flags %j with MNEMO_MAINTAIN_EVERY=%j → %j', (flags, environment, expected) => {
    expect(maintenanceFromFlags(flags, environment)).toEqual(expected);
  });

  it.each([
    [{ maintainEvery: '500ms' }, undefined, '--maintain-every'],
    [{ maintainEvery: '8d' }, undefined, '--maintain-every'],
    [{ maintainEvery: 'hourly' }, undefined, '--maintain-every'],
    [{}, 'soon', 'MNEMO_MAINTAIN_EVERY'],
    [{ maintain: false, maintainEvery: '1h' }, undefined, '--no-maintain'],
  ] as const)('refuses flags %j with MNEMO_MAINTAIN_EVERY=%j, naming %s', (flags, environment, named) => {
    const failure = failureOf(() => maintenanceFromFlags(flags, environment));
    expect(failure).toMatchObject({ code: 'INVALID_INPUT', exitCode: EXIT_USAGE });
    expect(failure.message).toContain(named);
  });
});

describe('describeMaintenance', () => {
  it.each([
    [{ intervalMs: 3_600_000 }, 'upkeep every 1h'],
    [{ intervalMs: 90_000 }, 'upkeep every 90s'],
    [{ intervalMs: 1_500 }, 'upkeep every 1500ms'],
    [{}, 'scheduled upkeep off'],
    [false, 'scheduled upkeep off'],
  ] as const)('%j → %s', (option, text) => {
    expect(describeMaintenance(option)).toBe(text);
  });
});

describe('the log of scheduled runs', () => {
  const run = {
    at: '2026-12-06T20:00:00.000Z',
    merged: 2,
    superseded: 1,
    archived: 0,
    purged: 3,
    insights: 0,
  };
  it('says what a run did, that work is left, or the error it met', () => {
    expect(describeUpkeepRun({ ...run, complete: true })).toBe(
      'upkeep 2026-12-06T20:00:00.000Z: merged 2, superseded 1, archived 0, purged 3, insights 0\n',
    );
    expect(describeUpkeepRun({ ...run, complete: false })).toContain('(more left for the next run)');
    expect(
      describeUpkeepRun({ ...run, complete: false, error: { code: 'STORE_BUSY', message: 'locked' } }),
    ).toBe('upkeep 2026-12-06T20:00:00.000Z failed: [STORE_BUSY] locked\n');
  });

  it('adds the log to a schedule, and leaves an option without one alone', () => {
    const lines: string[] = [];
    const option = withUpkeepLog({ intervalMs: 1_000 }, (line) => lines.push(line));
    expect(option).toMatchObject({ intervalMs: 1_000 });
    if (option === false) throw new Error('expected a schedule');
    option.onRun?.({ ...run, complete: true });
    expect(lines).toHaveLength(1);
    expect(withUpkeepLog({}, (line) => lines.push(line))).toEqual({});
    expect(withUpkeepLog(false, (line) => lines.push(line))).toBe(false);
  });
});
