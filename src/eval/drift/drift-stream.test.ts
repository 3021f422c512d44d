import { describe, expect, it } from 'vitest';
import { generateDriftStream } from './drift-stream.js';

const stream = generateDriftStream({ seed: 11, users: 4, months: 12 });
const byId = new Map(stream.statements.map((statement) => [statement.id, statement]));

describe('generateDriftStream', () => {
  it('gives the same stream for the same seed and another for another seed', () => {
    expect(generateDriftStream({ seed: 11, users: 4, months: 12 })).toEqual(stream);
    expect(generateDriftStream({ seed: 12, users: 4, months: 12 }).statements).not.toEqual(stream.statements);
  });

  it('keeps every statement inside the stream’s months, in time order, with unique ids', () => {
    const times = stream.statements.map((statement) => statement.observedAt);
    expect([...times].sort()).toEqual(times);
    expect(times[0]! >= stream.start).toBe(true);
    expect(times.at(-1)! < stream.end).toBe(true);
    expect(byId.size).toBe(stream.statements.length);
    expect(stream.end).toBe('2026-01-01T00:00:00.000Z');
  });

  it('opens each slot with a new statement and asks one question per slot', () => {
    const first = new Map<string, string>();
    for (const statement of stream.statements) {
      const key = `${statement.userId}/${statement.slot}`;
      if (!first.has(key)) first.set(key, statement.type);
    }
    expect(new Set(first.values())).toEqual(new Set(['new']));
    expect(stream.questions.map((question) => `${question.userId}/${question.slot}`).sort()).toEqual(
      [...first.keys()].sort(),
    );
    expect(stream.users).toEqual(['maya', 'jonas', 'priya', 'diego']);
  });

  it('restates the value as it stood, in the form it is labelled with', () => {
    const restatements = stream.statements.filter((statement) => statement.type === 'restatement');
    expect(new Set(restatements.map((statement) => statement.form))).toEqual(
      new Set(['verbatim', 'filler', 'reorder', 'paraphrase']),
    );
    for (const statement of restatements) {
      const target = byId.get(statement.refersTo ?? '');
      expect(target).toMatchObject({
        userId: statement.userId,
        slot: statement.slot,
        value: statement.value,
      });
      const earlier = stream.statements.filter(
        (other) =>
          other.userId === statement.userId &&
          other.slot === statement.slot &&
          other.observedAt < statement.observedAt,
      );
      if (statement.form === 'verbatim') expect(statement.text).toBe(target?.text);
      else expect(earlier.map((other) => other.text)).not.toContain(statement.text);
      // Padding only adds words; a reordering keeps the shorter sentence's words but for a preposition
      // ("I work at X" → "X is where I work").
      const missing = (from: string, to: string) => words(from).filter((word) => !words(to).includes(word));
      if (statement.form === 'filler') expect(missing(target!.text, statement.text)).toEqual([]);
      if (statement.form === 'reorder') {
        const [shorter, longer] = [target!.text, statement.text].sort(
          (left, right) => left.length - right.length,
        );
        expect(missing(shorter!, longer!).length, `${target!.text} → ${statement.text}`).toBeLessThanOrEqual(
          1,
        );
      }
    }
  });

  it('corrects a mistaken value of the same slot a few days later', () => {
    const corrections = stream.statements.filter((statement) => statement.type === 'correction');
    expect(corrections.length).toBeGreaterThan(0);
    for (const correction of corrections) {
      const mistaken = byId.get(correction.refersTo ?? '')!;
      expect(mistaken.slot).toBe(correction.slot);
      expect(mistaken.value).not.toBe(correction.value);
      const days = (Date.parse(correction.observedAt) - Date.parse(mistaken.observedAt)) / 86_400_000;
      expect(days).toBeGreaterThan(0);
      expect(days).toBeLessThanOrEqual(4);
      expect(correction.text).toContain(correction.value);
    }
  });

  it('changes functional slots and flips preferences, never to the same value', () => {
    const previous = new Map<string, string>();
    let changes = 0;
    for (const statement of stream.statements) {
      const key = `${statement.userId}/${statement.slot}`;
      if (statement.type === 'change' || statement.type === 'flip') {
        changes += 1;
        expect(statement.value).not.toBe(previous.get(key));
        expect(statement.slot.includes(':')).toBe(statement.type === 'flip');
      }
      previous.set(key, statement.value);
    }
    expect(changes).toBeGreaterThan(0);
  });

  it.each([
    [{ users: 0 }, /users must be an integer from 1 to 1000/],
    [{ months: 1.5 }, /months must be an integer from 1 to 120/],
    [{ seed: Number.NaN }, /seed must be an integer/],
  ])('rejects %o', (options, message) => {
    expect(() => generateDriftStream(options)).toThrow(message);
  });
});

function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9']+/g) ?? [];
}
