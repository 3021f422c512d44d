// The CLI's value parsers: durations and bounded numbers, as tables.
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  embedderFromEnvironment,
  parseDurationFlag,
  parseNumberFlag,
  resolveStoreOption,
  sqliteSynchronousFromEnvironment,
} from './cli-context.js';

const year = 365 * 86_400_000;

describe('parseDurationFlag', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['1500', 1_500],
    ['250ms', 250],
    [' 2H ', 7_200_000],
    ['365d', year],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDurationFlag(text, '--ttl', { maxMs: year })).toBe(ms);
  });

  it.each(['nonsense', '', '0', '0s', '-5m', '1.5h', '2w', '366d', '99999999999999999999'])(
    'rejects %j with a message naming the flag and the accepted forms',
    (text) => {
      expect(() => parseDurationFlag(text, '--ttl', { maxMs: year })).toThrow(
        /--ttl must be a duration such as 90s, 30m, 2h, 7d or plain milliseconds/,
      );
    },
  );
});

describe('parseNumberFlag', () => {
  it('states an open upper bound as "of at least"', () => {
    expect(() => parseNumberFlag('-1', '--min-score', { min: 0, max: Number.POSITIVE_INFINITY })).toThrow(
      '--min-score must be a number of at least 0, got "-1"',
    );
    expect(parseNumberFlag('12.5', '--min-score', { min: 0, max: Number.POSITIVE_INFINITY })).toBe(12.5);
  });
});

describe('embedderFromEnvironment', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reads the similarity floor of a remote embedder, and refuses one out of range', () => {
    vi.stubEnv('MNEMO_EMBED_BASE_URL', 'http://127.0.0.1:9/v1');
    vi.stubEnv('MNEMO_EMBED_MODEL', 'nomic-embed-text');
    vi.stubEnv('MNEMO_EMBED_SIMILARITY_FLOOR', '0.3');
    expect(embedderFromEnvironment()).toMatchObject({ provider: 'openai-compatible', similarityFloor: 0.3 });
    vi.stubEnv('MNEMO_EMBED_SIMILARITY_FLOOR', 'high');
    expect(() => embedderFromEnvironment()).toThrow(
      /MNEMO_EMBED_SIMILARITY_FLOOR must be a number from -1 to 1/,
    );
    vi.stubEnv('MNEMO_EMBED_SIMILARITY_FLOOR', '');
    // No floor set (absent or undefined alike): the model's own default applies.
    expect(embedderFromEnvironment()).toEqual(
      expect.not.objectContaining({ similarityFloor: expect.anything() }),
    );
  });
});

describe('MNEMO_SQLITE_SYNCHRONOUS', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('turns a SQLite path into a store config with synchronous full, and leaves URLs and the default alone', () => {
    const command = new Command().option('--db <path>');
    command.parse(['node', 'mnemo', '--db', '/tmp/m.db']);
    expect(resolveStoreOption(command)).toBe('/tmp/m.db');
    vi.stubEnv('MNEMO_SQLITE_SYNCHRONOUS', 'FULL');
    expect(resolveStoreOption(command)).toEqual({
      provider: 'sqlite',
      path: '/tmp/m.db',
      synchronous: 'full',
    });
    const postgres = new Command().option('--db <path>');
    postgres.parse(['node', 'mnemo', '--db', 'postgres://127.0.0.1/m']);
    expect(resolveStoreOption(postgres)).toBe('postgres://127.0.0.1/m');
    vi.stubEnv('MNEMO_SQLITE_SYNCHRONOUS', 'extra');
    expect(() => sqliteSynchronousFromEnvironment()).toThrow(
      /MNEMO_SQLITE_SYNCHRONOUS must be normal or full/,
    );
  });
});
