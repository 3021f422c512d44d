import { describe, expect, it } from 'vitest';
import type { MemoryRecord } from './records.js';
import { archiveIdleUnitMs, memoryStrength, strengthDefaults } from './strength.js';

const DAY = 86_400_000;
const now = Date.parse('2026-01-01T00:00:00Z');
const record = (fields: Partial<MemoryRecord> = {}) => ({
  kind: 'fact' as const,
  importance: 0.5,
  accessCount: 0,
  createdAt: new Date(now - 90 * DAY).toISOString(),
  metadata: {},
  ...fields,
});

describe('memoryStrength', () => {
  const cases: Array<[string, Partial<MemoryRecord>, number]> = [
    ['written just now', { createdAt: new Date(now).toISOString() }, 1],
    ['one half-life idle', {}, 0.5],
    ['two half-lives idle', { createdAt: new Date(now - 180 * DAY).toISOString() }, 0.25],
    ['recalled once: half-life doubles', { accessCount: 1 }, 0.5 ** 0.5],
    ['recalled just now', { lastAccessedAt: new Date(now).toISOString() }, 1],
    ['importance 0 halves the half-life', { importance: 0 }, 0.25],
    ['importance 1 is exempt (written on purpose)', { importance: 1 }, 1],
    ['profile slots never fade', { kind: 'profile' }, 1],
    ['pinned never fades', { metadata: { pinned: true } }, 1],
  ];
  it.each(cases)('%s', (_name, fields, expected) => {
    expect(memoryStrength(record(fields), now).value).toBeCloseTo(expected, 6);
  });

  it('falls below the archive threshold exactly at the archive line', () => {
    const unit = archiveIdleUnitMs(strengthDefaults);
    const line = unit * (0.5 + 0.5) * (1 + 2);
    const at = (idle: number) =>
      memoryStrength(record({ accessCount: 2, createdAt: new Date(now - idle).toISOString() }), now).value;
    expect(at(line - DAY)).toBeGreaterThan(strengthDefaults.archiveBelow);
    expect(at(line + DAY)).toBeLessThan(strengthDefaults.archiveBelow);
    expect(archiveIdleUnitMs({ halfLifeDays: 90, archiveBelow: 0 })).toBe(Number.POSITIVE_INFINITY);
  });
});
