import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRestFixture, type RestFixture, restCaller } from '../test-support/rest-fixture.js';
import { createRestApp } from './create-rest-app.js';

let fixture: RestFixture;
let call: ReturnType<typeof restCaller>;
let write: string;
let read: string;

beforeEach(async () => {
  fixture = await createRestFixture();
  call = restCaller(createRestApp({ memory: fixture.memory, keys: fixture.keys }));
  write = fixture.secrets.acmeWrite;
  read = fixture.secrets.acmeRead;
});
afterEach(async () => {
  await fixture.cleanup();
});

async function setBlock(label: string, body: Record<string, unknown>) {
  const { status, json } = await call('PUT', `/v1/core/${label}`, write, { userId: 'alice', ...body });
  expect(status).toBe(200);
  return json;
}

async function blockValue(label: string): Promise<string> {
  const { status, json } = await call('GET', `/v1/core/${label}?userId=alice`, read);
  expect(status).toBe(200);
  return json.value;
}

describe('core blocks over REST', () => {
  it('creates a block with PUT and reads it back one by one and as a list', async () => {
    const block = await setBlock('persona', { value: 'Answer briefly.', limit: 100, description: 'tone' });
    expect(block).toMatchObject({
      label: 'persona',
      value: 'Answer briefly.',
      limit: 100,
      readOnly: false,
      description: 'tone',
      scope: { tenantId: 'acme', userId: 'alice' },
    });
    expect(await blockValue('persona')).toBe('Answer briefly.');
    const list = await call('GET', '/v1/core?userId=alice', read);
    expect(list.status).toBe(200);
    expect(list.json.blocks.map((item: { label: string }) => item.label)).toEqual(['persona']);
  });

  it('appends on a new line and replaces text, each change a new version in history', async () => {
    const first = await setBlock('human', { value: 'Likes tea.' });
    const appended = await call('POST', '/v1/core/human/append', write, {
      userId: 'alice',
      text: 'Allergic to peanuts.',
    });
    expect(appended.status).toBe(200);
    expect(appended.json.value).toBe('Likes tea.\nAllergic to peanuts.');
    const replaced = await call('POST', '/v1/core/human/replace', write, {
      userId: 'alice',
      oldText: 'tea',
      newText: 'green tea',
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json.value).toBe('Likes green tea.\nAllergic to peanuts.');
    expect(replaced.json.id).not.toBe(first.id);
    const history = await call('GET', `/v1/memories/${first.id}/history?userId=alice`, read);
    expect(history.status).toBe(200);
    expect(history.json.history.map((entry: { event: string }) => entry.event)).toContain('supersede');
  });

  it('refuses a value past the limit with 400 and keeps the block as it was', async () => {
    await setBlock('persona', { value: 'Short.', limit: 10 });
    const put = await call('PUT', '/v1/core/persona', write, {
      userId: 'alice',
      value: 'Far too long a value.',
    });
    expect(put.status).toBe(400);
    expect(put.json.error.code).toBe('INVALID_INPUT');
    expect(put.json.error.message).toContain('at most 10 characters');
    const append = await call('POST', '/v1/core/persona/append', write, {
      userId: 'alice',
      text: 'More words.',
    });
    expect(append.status).toBe(400);
    expect(append.json.error.details).toMatchObject({ label: 'persona', limit: 10 });
    expect(await blockValue('persona')).toBe('Short.');
  });

  it('answers 403 to append and replace on a read-only block, which PUT still changes', async () => {
    await setBlock('rules', { value: 'Never share secrets.', readOnly: true });
    const append = await call('POST', '/v1/core/rules/append', write, { userId: 'alice', text: 'Or do.' });
    expect(append.status).toBe(403);
    expect(append.json.error.code).toBe('FORBIDDEN');
    const replace = await call('POST', '/v1/core/rules/replace', write, {
      userId: 'alice',
      oldText: 'Never',
      newText: 'Always',
    });
    expect(replace.status).toBe(403);
    expect(await blockValue('rules')).toBe('Never share secrets.');
    const put = await setBlock('rules', { value: 'Never share keys.' });
    expect(put.readOnly).toBe(true);
    expect(put.value).toBe('Never share keys.');
  });

  it('deletes a block: 200 once, then 404', async () => {
    await setBlock('persona', { value: 'Brief.' });
    const deleted = await call('DELETE', '/v1/core/persona?userId=alice', write);
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({ deleted: true });
    expect((await call('GET', '/v1/core/persona?userId=alice', read)).status).toBe(404);
    expect((await call('DELETE', '/v1/core/persona?userId=alice', write)).status).toBe(404);
  });

  it.each([
    ['GET', '/v1/core/nothing?userId=alice', undefined],
    ['POST', '/v1/core/nothing/append', { userId: 'alice', text: 'x' }],
    ['POST', '/v1/core/nothing/replace', { userId: 'alice', oldText: 'x', newText: 'y' }],
    ['DELETE', '/v1/core/nothing?userId=alice', undefined],
  ])('answers 404 NOT_FOUND for an unknown label on %s %s', async (method, path, body) => {
    const { status, json } = await call(method, path, write, body);
    expect(status).toBe(404);
    expect(json.error.code).toBe('NOT_FOUND');
  });

  it.each([
    ['a label with a space', '/v1/core/bad%20label', { userId: 'alice', value: 'x' }],
    ['a missing value', '/v1/core/persona', { userId: 'alice' }],
    ['a number as value', '/v1/core/persona', { userId: 'alice', value: 5 }],
    ['an unknown field', '/v1/core/persona', { userId: 'alice', value: 'x', colour: 'red' }],
    ['a limit of zero', '/v1/core/persona', { userId: 'alice', value: 'x', limit: 0 }],
  ])('answers 400 INVALID_INPUT to a PUT with %s', async (_name, path, body) => {
    const { status, json } = await call('PUT', path, write, body);
    expect(status).toBe(400);
    expect(json.error.code).toBe('INVALID_INPUT');
  });

  it('answers 400 to an append without text and a replace without oldText', async () => {
    await setBlock('persona', { value: 'Brief.' });
    expect((await call('POST', '/v1/core/persona/append', write, { userId: 'alice', text: '' })).status).toBe(
      400,
    );
    expect(
      (await call('POST', '/v1/core/persona/replace', write, { userId: 'alice', newText: 'x' })).status,
    ).toBe(400);
    const absent = await call('POST', '/v1/core/persona/replace', write, {
      userId: 'alice',
      oldText: 'not there',
      newText: 'x',
    });
    expect(absent.status).toBe(400);
    expect(absent.json.error.code).toBe('INVALID_INPUT');
  });

  it('answers 400 SCOPE_REQUIRED without a user or agent', async () => {
    const put = await call('PUT', '/v1/core/persona', write, { sessionId: 's1', value: 'x' });
    expect(put.status).toBe(400);
    expect(put.json.error.code).toBe('SCOPE_REQUIRED');
    const list = await call('GET', '/v1/core', read);
    expect(list.status).toBe(400);
    expect(list.json.error.code).toBe('SCOPE_REQUIRED');
  });

  it('lets a read key list and get, and answers 403 to its writes', async () => {
    await setBlock('persona', { value: 'Brief.' });
    expect((await call('GET', '/v1/core?userId=alice', read)).status).toBe(200);
    for (const [method, path, body] of [
      ['PUT', '/v1/core/persona', { userId: 'alice', value: 'Mine now.' }],
      ['POST', '/v1/core/persona/append', { userId: 'alice', text: 'x' }],
      ['POST', '/v1/core/persona/replace', { userId: 'alice', oldText: 'Brief', newText: 'x' }],
      ['DELETE', '/v1/core/persona?userId=alice', undefined],
    ] as const) {
      const { status, json } = await call(method, path, read, body);
      expect(status, `${method} ${path}`).toBe(403);
      expect(json.error.code).toBe('FORBIDDEN');
    }
    expect(await blockValue('persona')).toBe('Brief.');
  });
});

describe('working memory over REST', () => {
  const scope = { userId: 'alice', sessionId: 's1' };
  const query = 'userId=alice&sessionId=s1';

  it('sets any JSON value with a TTL, gets it, lists it, deletes it', async () => {
    const put = await call('PUT', '/v1/working/plan', write, {
      ...scope,
      value: { steps: ['book'] },
      ttlMs: 60_000,
    });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      key: 'plan',
      value: { steps: ['book'] },
      scope: { tenantId: 'acme', ...scope },
    });
    expect(Date.parse(put.json.expiresAt)).toBeGreaterThan(Date.now());
    const got = await call('GET', `/v1/working/plan?${query}`, read);
    expect(got.status).toBe(200);
    expect(got.json.value).toEqual({ steps: ['book'] });
    const list = await call('GET', `/v1/working?${query}`, read);
    expect(list.json.entries.map((entry: { key: string }) => entry.key)).toEqual(['plan']);
    const deleted = await call('DELETE', `/v1/working/plan?${query}`, write);
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({ deleted: true });
    expect((await call('GET', `/v1/working/plan?${query}`, read)).status).toBe(404);
    expect((await call('DELETE', `/v1/working/plan?${query}`, write)).status).toBe(404);
  });

  it('takes keys with spaces and slashes when they are percent-encoded', async () => {
    const put = await call('PUT', `/v1/working/${encodeURIComponent('trip/next step')}`, write, {
      ...scope,
      value: null,
    });
    expect(put.status).toBe(200);
    expect(put.json.key).toBe('trip/next step');
    const got = await call('GET', `/v1/working/${encodeURIComponent('trip/next step')}?${query}`, read);
    expect(got.json.value).toBeNull();
  });

  it('clears the session and leaves other sessions', async () => {
    await call('PUT', '/v1/working/a', write, { ...scope, value: 1 });
    await call('PUT', '/v1/working/b', write, { ...scope, value: 2 });
    await call('PUT', '/v1/working/a', write, { userId: 'alice', sessionId: 's2', value: 3 });
    const cleared = await call('DELETE', `/v1/working?${query}`, write);
    expect(cleared.status).toBe(200);
    expect(cleared.json).toEqual({ deleted: 2 });
    expect((await call('GET', `/v1/working?${query}`, read)).json.entries).toEqual([]);
    expect((await call('GET', '/v1/working?userId=alice&sessionId=s2', read)).json.entries).toHaveLength(1);
  });

  it('answers 404 for an unknown key', async () => {
    const { status, json } = await call('GET', `/v1/working/nothing?${query}`, read);
    expect(status).toBe(404);
    expect(json.error.code).toBe('NOT_FOUND');
  });

  it.each([
    ['a missing value', { ...scope }],
    ['both ttlMs and expiresAt', { ...scope, value: 1, ttlMs: 1000, expiresAt: '2999-01-01T00:00:00Z' }],
    ['an expiry in the past', { ...scope, value: 1, expiresAt: '2001-01-01T00:00:00Z' }],
    ['a negative ttlMs', { ...scope, value: 1, ttlMs: -5 }],
    ['an unknown field', { ...scope, value: 1, colour: 'red' }],
  ])('answers 400 INVALID_INPUT to a PUT with %s', async (_name, body) => {
    const { status, json } = await call('PUT', '/v1/working/plan', write, body);
    expect(status).toBe(400);
    expect(json.error.code).toBe('INVALID_INPUT');
  });

  it('answers 400 SCOPE_REQUIRED without a session', async () => {
    const put = await call('PUT', '/v1/working/plan', write, { userId: 'alice', value: 1 });
    expect(put.status).toBe(400);
    expect(put.json.error.code).toBe('SCOPE_REQUIRED');
    expect((await call('GET', '/v1/working?userId=alice', read)).json.error.code).toBe('SCOPE_REQUIRED');
  });

  it('answers 403 when a read key sets, deletes or clears', async () => {
    expect((await call('PUT', '/v1/working/plan', read, { ...scope, value: 1 })).status).toBe(403);
    expect((await call('DELETE', `/v1/working/plan?${query}`, read)).status).toBe(403);
    expect((await call('DELETE', `/v1/working?${query}`, read)).status).toBe(403);
    expect((await call('GET', `/v1/working?${query}`, read)).json.entries).toEqual([]);
  });
});

describe('profile over REST', () => {
  it('sets a slot, reads the profile, supersedes the value and unsets it', async () => {
    const put = await call('PUT', '/v1/profile/food.allergies', write, { userId: 'alice', value: 'peanuts' });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ topic: 'food', slot: 'allergies', value: 'peanuts' });
    const profile = await call('GET', '/v1/profile?userId=alice', read);
    expect(profile.status).toBe(200);
    expect(profile.json.profile.food.allergies).toMatchObject({
      value: 'peanuts',
      memoryId: put.json.memoryId,
    });
    await call('PUT', '/v1/profile/food.allergies', write, { userId: 'alice', value: 'peanuts, shellfish' });
    const after = await call('GET', '/v1/profile?userId=alice', read);
    expect(after.json.profile.food.allergies.value).toBe('peanuts, shellfish');
    const removed = await call('DELETE', '/v1/profile/food.allergies?userId=alice', write);
    expect(removed.status).toBe(200);
    expect(removed.json).toEqual({ removed: true });
    expect((await call('GET', '/v1/profile?userId=alice', read)).json.profile).toEqual({});
    expect((await call('DELETE', '/v1/profile/food.allergies?userId=alice', write)).status).toBe(404);
  });

  it('reads the profile as of a time before the slot was set', async () => {
    const before = new Date(Date.now() - 60_000).toISOString();
    await call('PUT', '/v1/profile/home.city', write, { userId: 'alice', value: 'Porto' });
    const past = await call('GET', `/v1/profile?userId=alice&asOf=${encodeURIComponent(before)}`, read);
    expect(past.status).toBe(200);
    expect(past.json.profile).toEqual({});
    expect((await call('GET', '/v1/profile?userId=alice&asOf=yesterday-ish', read)).status).toBe(400);
  });

  it('takes a topic with a space when it is percent-encoded', async () => {
    const put = await call('PUT', '/v1/profile/home%20town.city', write, { userId: 'alice', value: 'Porto' });
    expect(put.status).toBe(200);
    expect(put.json.topic).toBe('home town');
  });

  it.each([
    ['a path without a slot', '/v1/profile/food', { userId: 'alice', value: 'x' }],
    ['an empty value', '/v1/profile/food.allergies', { userId: 'alice', value: '  ' }],
    ['an unknown field', '/v1/profile/food.allergies', { userId: 'alice', value: 'x', colour: 'red' }],
  ])('answers 400 INVALID_INPUT to a PUT with %s', async (_name, path, body) => {
    const { status, json } = await call('PUT', path, write, body);
    expect(status).toBe(400);
    expect(json.error.code).toBe('INVALID_INPUT');
  });

  it('answers 400 SCOPE_REQUIRED without a scope, and 403 when a read key writes', async () => {
    expect((await call('GET', '/v1/profile', read)).json.error.code).toBe('SCOPE_REQUIRED');
    expect((await call('PUT', '/v1/profile/food.likes', write, { value: 'x' })).json.error.code).toBe(
      'SCOPE_REQUIRED',
    );
    expect((await call('PUT', '/v1/profile/food.likes', read, { userId: 'alice', value: 'x' })).status).toBe(
      403,
    );
    expect((await call('DELETE', '/v1/profile/food.likes?userId=alice', read)).status).toBe(403);
  });
});
