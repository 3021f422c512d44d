// The flags of upkeep: `--steps`, the budget flags and the `--maintain-every` / `--no-maintain` schedule.
import { describe, expect, it } from 'vitest';
import { describeFailure, EXIT_USAGE } from '../exit-codes.js';
import {
  describeMaintenance,
  maintainOptionsFromFlags,
  maintenanceFromFlags,
  parseStepsFlag,
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
