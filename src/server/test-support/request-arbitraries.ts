// Test support for the REST fuzz test: fast-check arbitraries of requests to every route, built from the
// route table and its zod schemas, mixing valid-ish values with hostile ones (huge strings, deep nesting, NUL,
// lone surrogates, out-of-range dates and numbers, wrong types, extra fields, broken encodings).
import fc from 'fast-check';
import type { z } from 'zod';
import type { RestRoute } from '../rest/rest-route.js';

/** A value to resolve when the request is sent: an id the server handed out earlier. */
export interface KnownId {
  known: number;
}

/** One generated request, before known ids are resolved and the body is serialised. */
export interface FuzzRequest {
  /** `METHOD /path` of the route, e.g. `POST /v1/memories` (see `operationOf`). */
  operation: string;
  /** Path parameters: raw path segments (already percent-encoded) or a known id. */
  parameters: Record<string, string | KnownId>;
  /** The query string, already encoded (without `?`). */
  query: string;
  /** The JSON body as a value, or raw text (malformed JSON, deep nesting), or none. */
  body: { json: unknown } | { raw: string } | undefined;
  contentType: string | undefined;
  /** Which key sends it. */
  key: 'admin' | 'write' | 'read' | 'other-tenant' | 'none';
}

/** Placeholder in a JSON value that becomes `levels` nested objects (`{"a":{"a":…}}`) in the body text. */
const DEEP = '\u0001deep:';

export const hostileStrings = [
  '',
  ' ',
  'a\u0000b',
  '\u0000',
  'lone \uD800 high',
  'lone \uDFFF low',
  '\uDE00\uD83D reversed pair',
  '\uD83D',
  'emoji 😀 ok',
  '\u202Eright-to-left',
  'line\nbreak\ttab\u0007bell',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  "'; DROP TABLE memories; --",
  '%00',
  '{"json":"in a string"}',
];

const hostileTimes: unknown[] = [
  9e15,
  -9e15,
  8.64e15,
  1.5,
  -1,
  0,
  1e308,
  '+275760-09-13T00:00:00Z',
  '-271821-04-20T00:00:00Z',
  '2024-02-30',
  '2023-02-29T10:00:00Z',
  '2024-13-01',
  '2024-05-10T24:00:00Z',
  '0000-01-01',
  'yesterday',
  'May 10 2024',
  '',
  '9999-12-31T23:59:59.999Z',
];

const validTimes: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2030, 0, 1) }),
  fc
    .integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2030, 0, 1) })
    .map((ms) => new Date(ms).toISOString()),
  fc.constantFrom('2024-05-10', '2024-02-29T12:00:00Z', '2024-05-10T14:00:00+02:00'),
);

const hostileNumbers: unknown[] = [
  -1,
  0,
  -0,
  0.5,
  1.5,
  2,
  1e308,
  -1e308,
  2 ** 53,
  2 ** 31,
  1_000_001,
  Number.MIN_VALUE,
];

const wrongTypes: unknown[] = [null, true, false, [], {}, ['x'], { nested: { x: 1 } }, 'text', 42];

/** A string with a hostile character somewhere inside ordinary text. */
const taintedString = fc
  .tuple(
    fc.string({ maxLength: 20 }),
    fc.constantFrom('\u0000', '\uD800', '\uDBFF', '\uDC00', '\uDFFF'),
    fc.string({ maxLength: 20 }),
  )
  .map(([before, bad, after]) => `${before}${bad}${after}`);

/** Ordinary, hostile, huge or tainted text. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: fc.constantFrom(...hostileStrings) },
  { weight: 3, arbitrary: taintedString },
  { weight: 1, arbitrary: fc.constantFrom(100_001, 300_000).map((length) => 'x'.repeat(length)) },
);

const deepValue = fc.constantFrom(33, 65, 200, 5_000).map((levels) => `${DEEP}${levels}`);

/** Short lowercase words: text every schema accepts. */
const words = fc.stringMatching(/^[a-z]{1,10}( [a-z]{1,10}){0,5}$/);

/** Hostile JSON values for metadata and working memory. */
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 2,
    arbitrary: fc.dictionary(
      anyString.filter((key) => key.length < 200),
      fc.oneof(anyString, fc.integer()),
      { maxKeys: 4 },
    ),
  },
  { weight: 2, arbitrary: deepValue },
  { weight: 1, arbitrary: fc.constant({ big: 'y'.repeat(40_000) }) },
  { weight: 1, arbitrary: fc.constantFrom(...wrongTypes) },
);

/** One field's values: what the API accepts, and what it must refuse (or at least survive). */
interface FieldValues {
  valid: fc.Arbitrary<unknown>;
  hostile: fc.Arbitrary<unknown>;
}

const scopeValid: Record<string, fc.Arbitrary<unknown>> = {
  tenantId: fc.constant('acme'),
  userId: fc.constantFrom('u1', 'u2'),
  agentId: fc.constantFrom('agent-1'),
  sessionId: fc.constantFrom('s1', 's2'),
  // The space the fuzz test creates and grants u1, u2 and agent-1 write on.
  spaceId: fc.constantFrom('research'),
};

const numberRanges: Record<string, { min: number; max: number; integer: boolean }> = {
  limit: { min: 1, max: 50, integer: true },
  candidates: { min: 1, max: 1_000, integer: true },
  expand: { min: 0, max: 20, integer: true },
  importance: { min: 0, max: 1, integer: false },
  confidence: { min: 0, max: 1, integer: false },
  budgetTokens: { min: 1, max: 5_000, integer: true },
  recentTurns: { min: 0, max: 20, integer: true },
  ttlMs: { min: 1, max: 10_000_000, integer: true },
  minScore: { min: 0, max: 1, integer: false },
  minSimilarity: { min: -1, max: 1, integer: false },
  recencyHalfLifeDays: { min: 1, max: 365, integer: false },
};

const enumValues: Record<string, { valid: string[]; invalid: string[] }> = {
  role: { valid: ['user', 'assistant'], invalid: ['system', 'tool', 'admin', ''] },
  kind: {
    valid: ['episode', 'fact', 'procedure', 'insight', 'summary'],
    invalid: ['profile', 'core', 'bogus'],
  },
  kinds: { valid: ['episode', 'fact', 'summary'], invalid: ['nope', ''] },
  fusion: { valid: ['rrf', 'score'], invalid: ['other'] },
  order: { valid: ['asc', 'desc'], invalid: ['sideways'] },
};

const timeFields = new Set([
  'observedAt',
  'expiresAt',
  'asOf',
  'knownAt',
  'validFrom',
  'validTo',
  'observedFrom',
  'observedTo',
]);
const booleanFields = new Set(['infer', 'buffer', 'explain', 'includeHistory', 'sessionOnly', 'readOnly']);

const hostileNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(...hostileNumbers),
  fc.constantFrom(...wrongTypes),
);
const hostileTime = fc.constantFrom(...hostileTimes);
const hostileText = fc.oneof(anyString, fc.constantFrom(...wrongTypes));

function numberValues(name: string): FieldValues {
  const range = numberRanges[name]!;
  const valid = range.integer
    ? fc.integer({ min: range.min, max: range.max })
    : fc.double({ min: range.min, max: range.max, noNaN: true });
  return { valid, hostile: hostileNumber };
}

const validMessage = fc.record(
  {
    role: fc.constantFrom('user', 'assistant'),
    content: words,
    name: fc.constantFrom('Alice', 'Bob'),
    observedAt: validTimes,
    metadata: fc.dictionary(fc.constantFrom('topic', 'mood'), words, { maxKeys: 2 }),
  },
  { requiredKeys: ['content'] },
);

/** A message with one hostile field, an unknown field, or not a message at all. */
const hostileMessage = fc.oneof(
  validMessage.chain((message) =>
    fc
      .tuple(
        fc.constantFrom('role', 'content', 'name', 'observedAt', 'metadata', 'extra'),
        fc.oneof(hostileText, hostileTime, hostileJson),
      )
      .map(([field, value]) => ({ ...message, [field]: value })),
  ),
  fc.constantFrom(...wrongTypes),
);

/** Valid and hostile values of a field, by its name. */
export function fieldValues(name: string): FieldValues {
  const scope = scopeValid[name];
  if (scope !== undefined) {
    return { valid: scope, hostile: fc.oneof(fc.constant('globex'), hostileText) };
  }
  if (timeFields.has(name)) return { valid: validTimes, hostile: hostileTime };
  if (numberRanges[name] !== undefined) return numberValues(name);
  // `infer` and `buffer` need a language model the fuzzed server does not have (501): true is hostile there.
  if (name === 'infer' || name === 'buffer') {
    return { valid: fc.constant(false), hostile: fc.constantFrom(true, ...wrongTypes) };
  }
  if (booleanFields.has(name)) return { valid: fc.boolean(), hostile: fc.constantFrom(...wrongTypes) };
  if (name === 'messages') {
    return {
      valid: fc.array(validMessage, { minLength: 1, maxLength: 4 }),
      hostile: fc.oneof(
        fc.array(fc.oneof(validMessage, hostileMessage), { minLength: 1, maxLength: 4 }),
        fc.constantFrom([], ...wrongTypes),
      ),
    };
  }
  if (name === 'metadata') {
    return {
      valid: fc.dictionary(fc.constantFrom('topic', 'mood', 'n'), words, { maxKeys: 3 }),
      hostile: hostileJson,
    };
  }
  // `value` is JSON for working memory and text for core blocks and profile slots: words fit all three.
  if (name === 'value') return { valid: words, hostile: fc.oneof(hostileJson, hostileText) };
  const options = enumValues[name];
  if (options !== undefined) {
    const valid = fc.constantFrom(...options.valid);
    return {
      valid: name === 'kinds' ? fc.array(valid, { minLength: 1, maxLength: 3 }) : valid,
      hostile: fc.oneof(fc.constantFrom(...options.invalid), fc.constantFrom(...wrongTypes)),
    };
  }
  if (name === 'filters') {
    return {
      valid: fc.record(
        {
          metadata: fc.dictionary(fc.constantFrom('topic'), words, { maxKeys: 1 }),
          observedFrom: validTimes,
        },
        { requiredKeys: [] },
      ),
      hostile: fc.record(
        { metadata: hostileJson, observedFrom: hostileTime, observedTo: hostileTime, junk: fc.constant(1) },
        { requiredKeys: [] },
      ),
    };
  }
  if (name === 'weights' || name === 'mmr' || name === 'feedback') {
    const valid =
      name === 'weights'
        ? fc.record({ lexical: fc.double({ min: 0, max: 2, noNaN: true }) }, { requiredKeys: [] })
        : name === 'mmr'
          ? fc.oneof(fc.boolean(), fc.record({ lambda: fc.double({ min: 0, max: 1, noNaN: true }) }))
          : fc.oneof(fc.boolean(), fc.record({ docs: fc.integer({ min: 1, max: 50 }) }));
    return {
      valid,
      hostile: fc.oneof(
        fc.record(
          {
            lexical: hostileNumber,
            lambda: hostileNumber,
            docs: hostileNumber,
            weight: hostileNumber,
            x: hostileNumber,
          },
          { requiredKeys: [] },
        ),
        fc.constantFrom(...wrongTypes),
      ),
    };
  }
  return { valid: words, hostile: hostileText };
}

/** The field names of an object schema (of a route's body or query). */
export function schemaFields(schema: z.ZodType | undefined): string[] {
  const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape === undefined ? [] : Object.keys(shape);
}

/** Fields a request of these fields needs to get past the first check (and `text` or `messages`, not both). */
function requiredFields(fields: string[]): fc.Arbitrary<string[]> {
  const always = ['userId', 'query', 'value', 'oldText', 'newText'].filter((field) => fields.includes(field));
  if (fields.includes('messages') && fields.includes('text')) {
    return fc.constantFrom('messages', 'text').map((one) => [...always, one]);
  }
  return fc.constant(fields.includes('text') ? [...always, 'text'] : always);
}

/**
 * An object of `fields`: valid values for the required ones and a random subset of the others, then, more
 * often than not, one field made hostile, and sometimes an unknown extra field.
 */
export function objectOf(fields: string[]): fc.Arbitrary<Record<string, unknown>> {
  const optional = fields.filter((field) => field !== 'text' && field !== 'messages');
  const validEntries = Object.fromEntries(optional.map((field) => [field, fieldValues(field).valid]));
  return fc
    .tuple(
      requiredFields(fields),
      fc.record(validEntries, { requiredKeys: [] }).chain((record) =>
        // A space has no sessions: a valid request names one or the other (the refusal has its own test).
        record.spaceId === undefined || record.sessionId === undefined
          ? fc.constant(record)
          : fc.constantFrom('spaceId', 'sessionId').map((dropped) => {
              const { [dropped]: _dropped, ...kept } = record;
              return kept;
            }),
      ),
      fc.option(
        fc
          .constantFrom(...(fields.length > 0 ? fields : ['userId']))
          .chain((field) => fieldValues(field).hostile.map((value) => [field, value] as const)),
        { freq: 2 },
      ),
      fc.oneof(
        { weight: 9, arbitrary: fc.constant(null) },
        {
          weight: 1,
          arbitrary: fc.tuple(fc.constantFrom('unknownField', 'id', '__proto__', 'tenantid'), hostileText),
        },
      ),
    )
    .chain(([required, record, hostile, extra]) =>
      fc
        .record(Object.fromEntries(required.map((field) => [field, fieldValues(field).valid])))
        .map((requiredValues) => {
          const out: Record<string, unknown> = { ...record, ...requiredValues };
          if (hostile !== null) out[hostile[0]] = hostile[1];
          if (extra !== null) Object.defineProperty(out, extra[0], { value: extra[1], enumerable: true });
          return out;
        }),
    );
}

/** Percent-encodes a string like `encodeURIComponent`, but lone surrogates become invalid UTF-8 bytes. */
export function encodeComponent(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      // The three bytes UTF-8 would give the code point, which no valid UTF-8 contains.
      const bytes = [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
      out += bytes.map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

const pathSegment: fc.Arbitrary<string | KnownId> = fc.oneof(
  { weight: 4, arbitrary: fc.nat().map((known) => ({ known })) },
  { weight: 2, arbitrary: fc.constantFrom('persona', 'human', 'plan', 'food.allergies', 'home.city') },
  { weight: 2, arbitrary: anyString.filter((value) => value.length < 2_000).map(encodeComponent) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('%ZZ', '%E0%A4%A', '%ED%A0%80', '%00', '%2F..%2F', 'a'.repeat(5_000)),
  },
);

function queryOf(fields: string[]): fc.Arbitrary<string> {
  return objectOf(fields).map((record) =>
    Object.entries(record)
      .map(([key, value]) => {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        return `${encodeComponent(key)}=${encodeComponent(String(text).slice(0, 3_000))}`;
      })
      .join('&'),
  );
}

const bodyVariants = (fields: string[]) =>
  fc.oneof(
    { weight: 12, arbitrary: objectOf(fields).map((json) => ({ json })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { raw: '{"userId":"u1",' },
        { raw: 'not json' },
        { raw: '' },
        { raw: '[]' },
        { raw: 'null' },
        { raw: '"text"' },
        { raw: `{"userId":"u1","text":"x","metadata":${'{"a":'.repeat(4_000)}1${'}'.repeat(4_000)}}` },
        { raw: `{"userId":"u1","sessionId":"s1","value":${'['.repeat(4_000)}${']'.repeat(4_000)}}` },
        { raw: `{"userId":"u1","text":"${'z'.repeat(1_100_000)}"}` },
        { raw: '{"userId":"u1","text":"bad escape \\uD800 \\u0000"}' },
      ),
    },
  );

/**
 * Requests to `routes`: mostly well-formed JSON with valid-ish and hostile field values, sometimes a broken
 * body, a wrong content type, a read key or another tenant's key.
 *
 * @example
 * fc.assert(fc.asyncProperty(requestArbitrary(restRoutes(memory)), async (request) => { … }));
 */
export function requestArbitrary(routes: RestRoute[]): fc.Arbitrary<FuzzRequest> {
  // Adds carry the most input and write the most: they get four times the share of any other route.
  const weighted = routes.flatMap((route) =>
    route.method === 'post' && route.path === '/v1/memories' ? [route, route, route, route] : [route],
  );
  return fc.constantFrom(...weighted).chain((route) => {
    const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
    const parameters = fc.record(Object.fromEntries(names.map((name) => [name, pathSegment])));
    const queryFields = schemaFields(route.query);
    const bodyFields = schemaFields(route.body);
    return fc.record({
      operation: fc.constant(operationOf(route)),
      parameters,
      query: queryFields.length === 0 ? fc.constant('') : queryOf(queryFields),
      body: route.body === undefined ? fc.constant(undefined) : bodyVariants(bodyFields),
      contentType: fc.oneof(
        { weight: 20, arbitrary: fc.constant('application/json') },
        {
          weight: 1,
          arbitrary: fc.constantFrom(undefined, 'text/plain', 'application/x-www-form-urlencoded'),
        },
      ),
      key: fc.oneof(
        { weight: 12, arbitrary: fc.constant('admin' as const) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            'write' as const,
            'read' as const,
            'other-tenant' as const,
            'none' as const,
          ),
        },
      ),
    });
  });
}

/** A route's name in generated requests: `POST /v1/memories`. */
export function operationOf(route: RestRoute): string {
  return `${route.method.toUpperCase()} ${route.path}`;
}

/** The body text of a request: JSON with every deep-nesting placeholder expanded. */
export function bodyText(body: FuzzRequest['body']): string | undefined {
  if (body === undefined) return undefined;
  if ('raw' in body) return body.raw;
  return JSON.stringify(body.json).replace(/"\\u0001deep:(\d+)"/g, (_match, levels: string) => {
    const depth = Number(levels);
    return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  });
}
