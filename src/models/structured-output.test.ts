// Tests for tolerant JSON parsing and the generate → repair → fail flow of structured output.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isMnemoError, MnemoError } from '../core/errors.js';
import { createMockLanguageModel } from '../testing/mock-language-model.js';
import {
  generateStructured,
  parseStructuredOutput,
  removeTrailingCommas,
  toResponseJsonSchema,
} from './structured-output.js';

const factsSchema = z.object({
  facts: z.array(z.object({ text: z.string(), confidence: z.number().optional() })),
});

describe('parseStructuredOutput', () => {
  it.each([
    ['plain JSON', '{"facts":[{"text":"lives in Lisbon"}]}', 'lives in Lisbon'],
    ['a json code fence', '```json\n{"facts":[{"text":"a"}]}\n```', 'a'],
    ['a bare code fence', '```\n{"facts":[{"text":"b"}]}\n```', 'b'],
    ['prose before and after', 'Sure! Here you go:\n{"facts":[{"text":"c"}]}\nHope that helps.', 'c'],
    ['prose with braces before the JSON', 'Fill {slots} like this: {"facts":[{"text":"d"}]}', 'd'],
    ['a think block', '<think>The user said {x}. Let me think.</think>\n{"facts":[{"text":"e"}]}', 'e'],
    ['an unterminated leading think block', '<think>draft {"facts":[]} hmm\n{"facts":[{"text":"f"}]}', 'f'],
    ['an orphan closing think tag', 'reasoning here</think>{"facts":[{"text":"g"}]}', 'g'],
    ['a trailing comma', '{"facts":[{"text":"h",},],}', 'h'],
    [
      'nested braces and quotes in strings',
      '{"facts":[{"text":"uses {curly} and \\"quotes\\" and ]"}]}',
      'uses {curly} and "quotes" and ]',
    ],
    ['a comma-brace inside a string', '{"facts":[{"text":"a ,} b",}]}', 'a ,} b'],
  ])('accepts %s', (_name, text, expected) => {
    const result = parseStructuredOutput({ text, schema: factsSchema });
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.value.facts[0]?.text).toBe(expected);
  });

  it('extracts a top-level array', () => {
    const result = parseStructuredOutput({ text: 'Answer: [1, 2, 3,] done', schema: z.array(z.number()) });
    expect(result).toEqual({ ok: true, value: [1, 2, 3] });
  });

  it.each([
    ['invalid JSON', '{"facts": [ {"text": "a" ', /no valid JSON/],
    ['no JSON at all', 'I cannot help with that.', /no valid JSON/],
    ['an empty answer', '   ', /empty/],
    ['the wrong schema', '{"facts":[{"text": 42}]}', /does not match the schema: facts\.0\.text/],
    ['a missing field', '{"items": []}', /facts/],
  ])('rejects %s with a useful error and the raw text', (_name, text, error) => {
    const result = parseStructuredOutput({ text, schema: factsSchema });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatch(error);
      expect(result.raw).toBe(text);
    }
  });
});

describe('removeTrailingCommas', () => {
  it.each([
    ['{"a":1,}', '{"a":1}'],
    ['[1,2 , ]', '[1,2  ]'],
    ['{"a":",}"}', '{"a":",}"}'],
    ['{"a":"\\",}",}', '{"a":"\\",}"}'],
  ])('%s → %s', (input, output) => {
    expect(removeTrailingCommas(input)).toBe(output);
  });
});

describe('toResponseJsonSchema', () => {
  it('turns a zod schema into JSON Schema without $schema', () => {
    const schema = toResponseJsonSchema(factsSchema);
    expect(schema.$schema).toBeUndefined();
    expect(schema).toMatchObject({ type: 'object', properties: { facts: { type: 'array' } } });
  });
});

describe('generateStructured', () => {
  const messages = [{ role: 'user' as const, content: 'I moved to Lisbon.' }];

  it('sends the JSON schema as responseFormat and returns the parsed value after one call', async () => {
    const model = createMockLanguageModel({ responses: ['{"facts":[{"text":"moved to Lisbon"}]}'] });
    const result = await generateStructured({
      model,
      messages,
      schema: factsSchema,
      name: 'facts',
      system: 'Extract.',
    });
    expect(result.value.facts[0]?.text).toBe('moved to Lisbon');
    expect(result.calls).toBe(1);
    expect(model.calls[0]?.responseFormat).toMatchObject({
      type: 'json',
      name: 'facts',
      schema: { type: 'object' },
    });
    expect(model.calls[0]?.system).toBe('Extract.');
  });

  it('makes one repair call naming the problem, then succeeds and sums usage', async () => {
    const model = createMockLanguageModel({
      responses: ['{"facts": [{"text": 1}]}', '{"facts":[{"text":"ok"}]}'],
    });
    const result = await generateStructured({ model, messages, schema: factsSchema, name: 'facts' });
    expect(result.value).toEqual({ facts: [{ text: 'ok' }] });
    expect(result.calls).toBe(2);
    const repair = model.calls[1];
    expect(repair?.messages).toHaveLength(3);
    expect(repair?.messages[1]).toEqual({ role: 'assistant', content: '{"facts": [{"text": 1}]}' });
    expect(repair?.messages[2]?.content).toMatch(/facts\.0\.text/);
    expect(repair?.messages[2]?.content).toMatch(/corrected JSON/);
    const first = model.calls[0];
    expect(first?.messages).toHaveLength(1);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
  });

  it('throws LLM_OUTPUT_INVALID with the raw answer when the repair also fails', async () => {
    const model = createMockLanguageModel({ responses: ['not json', 'still not json'] });
    const error = await generateStructured({ model, messages, schema: factsSchema, name: 'facts' }).catch(
      (caught: unknown) => caught,
    );
    expect(isMnemoError(error)).toBe(true);
    expect((error as MnemoError).code).toBe('LLM_OUTPUT_INVALID');
    expect((error as MnemoError).details).toMatchObject({ raw: 'still not json', calls: 2 });
    expect(String((error as MnemoError).details?.error)).toMatch(/no valid JSON/);
    expect(model.calls).toHaveLength(2);
  });

  it('makes no repair call when maxRepairs is 0', async () => {
    const model = createMockLanguageModel({ responses: ['nope'] });
    await expect(
      generateStructured({ model, messages, schema: factsSchema, name: 'facts', maxRepairs: 0 }),
    ).rejects.toMatchObject({ code: 'LLM_OUTPUT_INVALID' });
    expect(model.calls).toHaveLength(1);
  });

  it('passes a model failure through unchanged', async () => {
    const failure = new MnemoError({ code: 'LLM_FAILED', message: 'down' });
    const model = createMockLanguageModel({ responses: [failure] });
    await expect(generateStructured({ model, messages, schema: factsSchema, name: 'facts' })).rejects.toBe(
      failure,
    );
  });
});
