import { describe, expect, it } from 'vitest';
import type { MemoryRecord } from '../core/records.js';
import { addEventResidue, isFullSnapshot, rebuildAddSnapshot } from './history-events.js';

const added: MemoryRecord = {
  id: 'm1',
  scope: { tenantId: 't', userId: 'u' },
  kind: 'fact',
  text: 'likes tea',
  indexText: 'likes tea',
  attributes: {},
  metadata: {},
  importance: 0.5,
  confidence: 1,
  source: { messageIds: [], origin: 'user', trust: 'high' },
  observedAt: '2025-01-01T00:00:00.000Z',
  createdAt: '2025-01-01T00:00:00.000Z',
  accessCount: 0,
  hash: 'h',
  embeddingModel: 'model-a',
};

describe('addEventResidue', () => {
  it('stores nothing when the row tells it all', () => {
    expect(addEventResidue(added, 'model-a')).toBeUndefined();
  });

  it.each([
    ['a model the row lacks', { ...added }, null, { embeddingModel: 'model-a' }],
    [
      'no model where the row has one',
      { ...added, embeddingModel: undefined },
      'model-a',
      { embeddingModel: null },
    ],
    [
      'accesses carried by a restored record',
      { ...added, accessCount: 3, lastAccessedAt: 'x' },
      'model-a',
      { accessCount: 3, lastAccessedAt: 'x' },
    ],
  ])('keeps %s', (_name, record, stored, residue) => {
    const clean = JSON.parse(JSON.stringify(record)) as MemoryRecord;
    expect(addEventResidue(clean, stored)).toEqual(residue);
  });
});

describe('rebuildAddSnapshot', () => {
  it('rebuilds the added record from a row that was read and re-embedded since', () => {
    const row: MemoryRecord = {
      ...added,
      accessCount: 7,
      lastAccessedAt: '2025-02-01T00:00:00.000Z',
      embeddingModel: 'model-b',
    };
    expect(rebuildAddSnapshot({ embeddingModel: 'model-a' }, row)).toEqual(added);
  });

  it('round-trips every residue through the row it was taken against', () => {
    const record = { ...added, accessCount: 2, lastAccessedAt: '2025-01-02T00:00:00.000Z' };
    const residue = addEventResidue(record, null) ?? null;
    const row: MemoryRecord = { ...added, accessCount: 9 };
    delete row.embeddingModel;
    expect(rebuildAddSnapshot(residue, row)).toEqual(record);
  });

  it('tells full snapshots from residues', () => {
    expect(isFullSnapshot(added)).toBe(true);
    expect(isFullSnapshot({ embeddingModel: 'model-a' })).toBe(false);
    expect(isFullSnapshot(null)).toBe(false);
  });
});
