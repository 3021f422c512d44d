import { describe, expect, it } from 'vitest';
import { isMnemoError } from './errors.js';
import {
  describeScope,
  isVisible,
  ownScope,
  parseScope,
  scopeContains,
  scopeFromLevels,
  scopeKey,
  userLevelOf,
  visibleScopePatterns,
} from './scope.js';

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

describe('isVisible: the one visibility rule', () => {
  const t = 'default';
  const erinS9 = { tenantId: t, userId: 'erin', sessionId: 's9' };
  const erinAgent = { tenantId: t, userId: 'erin', agentId: 'cook' };
  it.each([
    // A {user, session} read: the user's session-less memories and the session's own, nothing else.
    [erinS9, { tenantId: t, userId: 'erin' }, true],
    [erinS9, { tenantId: t, userId: 'erin', sessionId: 's9' }, true],
    [erinS9, { tenantId: t, userId: 'erin', agentId: 'cook', sessionId: 's9' }, true],
    [erinS9, { tenantId: t, userId: 'erin', agentId: 'cook' }, true],
    [erinS9, { tenantId: t, userId: 'erin', sessionId: 's8' }, false],
    [erinS9, { tenantId: t, userId: 'bob' }, false],
    [erinS9, { tenantId: 'other', userId: 'erin' }, false],
    [erinS9, { tenantId: t, agentId: 'cook' }, false],
    // A {user, agent} read: the user's agent-less memories, the agent's, and the agent-wide ones.
    [erinAgent, { tenantId: t, userId: 'erin' }, true],
    [erinAgent, { tenantId: t, userId: 'erin', sessionId: 's1' }, true],
    [erinAgent, { tenantId: t, userId: 'erin', agentId: 'cook', sessionId: 's1' }, true],
    [erinAgent, { tenantId: t, userId: 'erin', agentId: 'travel' }, false],
    [erinAgent, { tenantId: t, agentId: 'cook' }, true],
    [erinAgent, { tenantId: t, agentId: 'cook', sessionId: 's1' }, false],
    [erinAgent, { tenantId: t, agentId: 'travel' }, false],
    [erinAgent, { tenantId: t, userId: 'bob', agentId: 'cook' }, false],
    // A user read sees everything of the user, no agent-wide memory.
    [{ tenantId: t, userId: 'erin' }, { tenantId: t, userId: 'erin', agentId: 'x', sessionId: 'y' }, true],
    [{ tenantId: t, userId: 'erin' }, { tenantId: t, agentId: 'x' }, false],
    // Reads without a user: below, plus the agent-wide memories of the agent when a session is named.
    [{ tenantId: t, agentId: 'cook' }, { tenantId: t, userId: 'erin', agentId: 'cook' }, true],
    [{ tenantId: t, agentId: 'cook' }, { tenantId: t, userId: 'erin' }, false],
    [{ tenantId: t, agentId: 'cook', sessionId: 's1' }, { tenantId: t, agentId: 'cook' }, true],
    [{ tenantId: t, agentId: 'cook', sessionId: 's1' }, { tenantId: t, userId: 'u', agentId: 'cook' }, false],
    [{ tenantId: t, sessionId: 's1' }, { tenantId: t, userId: 'u', sessionId: 's1' }, true],
    [{ tenantId: t, sessionId: 's1' }, { tenantId: t, userId: 'u' }, false],
  ])('%j sees %j: %s', (reader, record, expected) => {
    expect(isVisible(reader, record)).toBe(expected);
  });

  it('lets a user change its own memories across sessions but not an agent-wide one', () => {
    expect(isVisible(erinS9, { tenantId: t, userId: 'erin' }, 'write')).toBe(true);
    expect(isVisible(erinAgent, { tenantId: t, agentId: 'cook' }, 'write')).toBe(false);
    expect(isVisible({ tenantId: t, agentId: 'cook' }, { tenantId: t, agentId: 'cook' }, 'write')).toBe(true);
  });

  it('agrees with its patterns', () => {
    expect(visibleScopePatterns(erinS9)).toEqual([
      { tenantId: t, userId: 'erin', sessionId: 's9' },
      { tenantId: t, userId: 'erin', sessionId: null },
    ]);
  });
});

describe('spaces in the scope rule', () => {
  const space = { tenantId: 't', spaceId: 'research' };

  it('parses a space scope alone and refuses it mixed with a user, agent or session', () => {
    expect(parseScope({ tenantId: 't', spaceId: 'research' })).toEqual(space);
    for (const extra of [{ userId: 'u' }, { agentId: 'a' }, { sessionId: 's' }]) {
      expect(() => parseScope({ ...space, ...extra })).toThrow(/space scope/);
    }
  });

  it('stores a space in the user level under a prefix no user id can hold, and reads it back', () => {
    const level = userLevelOf(space);
    expect(level).not.toBe('research');
    expect(() => parseScope({ userId: level })).toThrow();
    expect(scopeFromLevels({ tenantId: 't', userLevel: level, agentId: '', sessionId: '' })).toEqual(space);
    expect(scopeFromLevels({ tenantId: 't', userLevel: 'research' })).toEqual({
      tenantId: 't',
      userId: 'research',
    });
  });

  it.each([
    [space, space, true],
    [space, { tenantId: 't', spaceId: 'other' }, false],
    [space, { tenantId: 't', userId: 'research' }, false],
    [{ tenantId: 't', userId: 'research' }, space, false],
    [{ tenantId: 't', agentId: 'a' }, space, false],
    [{ tenantId: 't', userId: 'u', sharedSpaces: ['research'] }, space, true],
    [{ tenantId: 'other', userId: 'u', sharedSpaces: ['research'] }, space, false],
  ])('%j sees %j: %s', (reader, record, expected) => {
    expect(isVisible(reader, record)).toBe(expected);
  });

  it('never lets shared spaces widen a write', () => {
    expect(isVisible({ tenantId: 't', userId: 'u', sharedSpaces: ['research'] }, space, 'write')).toBe(false);
    expect(ownScope({ tenantId: 't', userId: 'u', sharedSpaces: ['research'] })).toEqual({
      tenantId: 't',
      userId: 'u',
    });
  });

  it('keys and contains spaces apart from users of the same name', () => {
    expect(scopeKey(space)).not.toBe(scopeKey({ tenantId: 't', userId: 'research' }));
    expect(scopeContains(space, { tenantId: 't', userId: 'research' })).toBe(false);
    expect(describeScope(space)).toBe('t/space:research');
  });
});

describe('a scope without users (an agent-bound caller)', () => {
  const own = { tenantId: 't', agentId: 'support', withoutUsers: true as const };
  it.each([
    [{ tenantId: 't', agentId: 'support' }, true],
    [{ tenantId: 't', agentId: 'support', sessionId: 's' }, true],
    [{ tenantId: 't', userId: 'alice', agentId: 'support' }, false],
    [{ tenantId: 't', agentId: 'other' }, false],
  ])('sees and contains %j: %s', (record, expected) => {
    expect(isVisible(own, record)).toBe(expected);
    expect(isVisible(own, record, 'write')).toBe(expected);
    expect(scopeContains(own, record)).toBe(expected);
  });
});
