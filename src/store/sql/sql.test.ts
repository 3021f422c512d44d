// The `sql` tag: values become placeholders of the dialect, fragments nest, lists and identifiers compose.
import { describe, expect, it } from 'vitest';
import { compileSql, sql } from './sql.js';

const question = () => '?';
const dollar = (index: number) => `$${index}`;

describe('sql', () => {
  it('turns interpolated values into parameters, in order, with the dialect placeholder', () => {
    const query = sql`SELECT * FROM memories WHERE id = ${'m1'} AND kind = ${'fact'}`;
    expect(compileSql(query, question)).toEqual({
      text: 'SELECT * FROM memories WHERE id = ? AND kind = ?',
      values: ['m1', 'fact'],
    });
    expect(compileSql(query, dollar).text).toBe('SELECT * FROM memories WHERE id = $1 AND kind = $2');
  });

  it('inlines nested fragments and numbers their values after the ones before them', () => {
    const scope = sql.join([sql`tenant_id = ${'t1'}`, sql`user_id = ${'u1'}`], ' AND ');
    const query = sql`SELECT ${sql.raw('id')} FROM ${sql.id('my"schema')}.q WHERE seq > ${3} AND ${scope} LIMIT ${10}`;
    expect(compileSql(query, dollar)).toEqual({
      text: 'SELECT id FROM "my""schema".q WHERE seq > $1 AND tenant_id = $2 AND user_id = $3 LIMIT $4',
      values: [3, 't1', 'u1', 10],
    });
  });

  it('lists values as one parameter each, and an empty fragment adds nothing', () => {
    expect(compileSql(sql`IN (${sql.list(['a', 'b', 'c'])})${sql.empty}`, question)).toEqual({
      text: 'IN (?, ?, ?)',
      values: ['a', 'b', 'c'],
    });
    expect(sql.join([]).isEmpty).toBe(true);
  });
});
