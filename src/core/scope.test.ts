import { describe, expect, it } from 'vitest';
import { isMnemoError } from './errors.js';
import { parseScope, scopeContains } from './scope.js';

describe('parseScope', () => {
  it('defaults the tenant and keeps the given levels', () => {
    expect(parseScope({ userId: 'alice' })).toEqual({ tenantId: 'default', userId: 'alice' });
  });

  it.each([
    [{}, 'SCOPE_REQUIRED'],
    [{ tenantId: 'acme' }, 'SCOPE_REQUIRED'],
    [undefined, 'SCOPE_REQUIRED'],
    [{ userId: '' }, 'INVALID_INPUT'],
    [{ userId: 7 }, 'INVALID_INPUT'],
    [{ userId: 'a'.repeat(257) }, 'INVALID_INPUT'],
    [{ userId: 'bad\u0000id' }, 'INVALID_INPUT'],
  ])('rejects %j with %s', (input, code) => {
    let caught: unknown;
    try {
      parseScope(input);
    } catch (error) {
      caught = error;
    }
    expect(isMnemoError(caught) && caught.code).toBe(code);
  });
});

describe('scopeContains', () => {
  const record = { tenantId: 't', userId: 'u', agentId: 'a', sessionId: 's' };
  it.each([
    [{ tenantId: 't', userId: 'u' }, true],
    [{ tenantId: 't', userId: 'u', sessionId: 's' }, true],
    [{ tenantId: 't', agentId: 'a' }, true],
    [{ tenantId: 'other', userId: 'u' }, false],
    [{ tenantId: 't', userId: 'v' }, false],
    [{ tenantId: 't', userId: 'u', sessionId: 'x' }, false],
  ])('filter %j contains the record: %s', (filter, expected) => {
    expect(scopeContains(filter, record)).toBe(expected);
  });
});
