// The `sql` template tag: queries written once as text with interpolated values, compiled per dialect into
// `{ text, values }` with its placeholders (`?` for SQLite, `$1 …` for PostgreSQL). Fragments nest.

/** One piece of a query: literal SQL text, or a value sent as a parameter. */
type SqlPart = { text: string } | { value: unknown };

/** A query or a piece of one, not yet bound to a dialect. Build it with `sql`; compile it with a dialect. */
export class SqlFragment {
  /** @internal the flattened pieces (adjacent texts merged). */
  readonly parts: readonly SqlPart[];

  constructor(parts: readonly SqlPart[]) {
    this.parts = parts;
  }

  /** True when the fragment has no text and no value (e.g. an empty `sql.join`). */
  get isEmpty(): boolean {
    return this.parts.every((part) => 'text' in part && part.text === '');
  }
}

/** A query compiled for one dialect: the text with its placeholders and the values in order. */
export interface CompiledQuery {
  text: string;
  values: unknown[];
}

function flatten(strings: readonly string[], values: readonly unknown[]): SqlPart[] {
  const parts: SqlPart[] = [];
  const pushText = (text: string) => {
    const last = parts[parts.length - 1];
    if (last !== undefined && 'text' in last) parts[parts.length - 1] = { text: last.text + text };
    else parts.push({ text });
  };
  strings.forEach((text, index) => {
    pushText(text);
    if (index >= values.length) return;
    const value = values[index];
    if (value instanceof SqlFragment) {
      for (const part of value.parts) {
        if ('text' in part) pushText(part.text);
        else parts.push(part);
      }
    } else parts.push({ value });
  });
  return parts;
}

/**
 * Writes a query: interpolated values become parameters, interpolated fragments are inlined.
 *
 * @example
 * const query = sql`SELECT * FROM memories WHERE id = ${id} AND ${sql.raw('kind')} = ${kind}`;
 * compileSql(query, (index) => `$${index}`); // { text: 'SELECT * FROM memories WHERE id = $1 AND kind = $2', values: [id, kind] }
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  return new SqlFragment(flatten(strings, values));
}

/**
 * Literal SQL text (never user input): a column list, a keyword, a table name already quoted.
 *
 * @example
 * sql`SELECT ${sql.raw('id, kind')} FROM memories`;
 */
sql.raw = (text: string): SqlFragment => new SqlFragment([{ text }]);

/**
 * A quoted identifier (`"name"`, inner quotes doubled), e.g. a schema or table name from configuration.
 *
 * @example
 * sql`SELECT 1 FROM ${sql.id('mnemo')}.memories`;
 */
sql.id = (name: string): SqlFragment => sql.raw(`"${name.replaceAll('"', '""')}"`);

/**
 * Fragments (or values, as parameters) joined by `separator` (default `, `).
 *
 * @example
 * sql`WHERE ${sql.join([sql`a = ${1}`, sql`b = ${2}`], ' AND ')}`;
 */
sql.join = (items: readonly unknown[], separator = ', '): SqlFragment => {
  const strings = ['', ...items.slice(1).map(() => separator), ''];
  return new SqlFragment(flatten(strings, items));
};

/**
 * One parameter per value, comma-separated: `(${sql.list(ids)})` for an `IN` list. Empty for no values.
 *
 * @example
 * sql`DELETE FROM infer_queue WHERE message_id IN (${sql.list(ids)})`;
 */
sql.list = (values: readonly unknown[]): SqlFragment => sql.join(values);

/**
 * A fragment from SQL text with `?` placeholders and their values in order (for predicate builders that
 * predate the tag). The text must hold no other `?`.
 *
 * @example
 * sql.positional('kind = ? AND importance > ?', ['fact', 0.5]);
 */
sql.positional = (text: string, values: readonly unknown[]): SqlFragment => {
  const pieces = text.split('?');
  if (pieces.length !== values.length + 1)
    throw new Error(`sql.positional: ${pieces.length - 1} placeholders for ${values.length} values`);
  return new SqlFragment(flatten(pieces, values));
};

/**
 * A fragment from SQL text with `$n` placeholders (1-based, each may repeat) and their values.
 *
 * @example
 * sql.numbered('tenant_id = $1 AND (user_id = $2 OR user_id = $1)', ['t1', 'u1']);
 */
sql.numbered = (text: string, values: readonly unknown[]): SqlFragment => {
  const strings: string[] = [];
  const used: unknown[] = [];
  let last = 0;
  for (const match of text.matchAll(/\$(\d+)/g)) {
    strings.push(text.slice(last, match.index));
    used.push(values[Number(match[1]) - 1]);
    last = (match.index ?? 0) + match[0].length;
  }
  strings.push(text.slice(last));
  return new SqlFragment(flatten(strings, used));
};

/** The empty fragment. */
sql.empty = new SqlFragment([]);

/**
 * Compiles a fragment with a dialect's placeholder (`index` counts from 1).
 *
 * @example
 * compileSql(sql`SELECT ${1}, ${2}`, () => '?'); // { text: 'SELECT ?, ?', values: [1, 2] }
 */
export function compileSql(fragment: SqlFragment, placeholder: (index: number) => string): CompiledQuery {
  let text = '';
  const values: unknown[] = [];
  for (const part of fragment.parts) {
    if ('text' in part) text += part.text;
    else {
      values.push(part.value);
      text += placeholder(values.length);
    }
  }
  return { text, values };
}
