import { describe, expect, it } from 'vitest';
import {
  type AccessLevel,
  type Caller,
  decideAccess,
  type Grant,
  ownerCaller,
  readableSpaces,
  requireTenantAdmin,
} from './access.js';
import { isMnemoError } from './errors.js';

const grant = (principal: string, target: string, role: Grant['role']): Grant => {
  const [principalType, principalId] = principal.split(':') as [Grant['principal']['type'], string];
  const [targetType, targetId] = target.split(':') as [Grant['target']['type'], string];
  return {
    tenantId: 't1',
    principal: { type: principalType, id: principalId },
    target: { type: targetType, id: targetId },
    role,
    createdAt: '2026-12-06T00:00:00.000Z',
  };
};

const grants = [
  grant('agent:writer', 'space:research', 'write'),
  grant('agent:reader', 'space:research', 'read'),
  grant('agent:support', 'user:alice', 'read'),
  grant('key:k-admin', 'space:research', 'admin'),
];

const key = (fields: Partial<Caller>): Caller => ({ surface: 'rest', keyId: 'k1', role: 'write', ...fields });

function outcome(caller: Caller, request: Record<string, string>, access: AccessLevel): string {
  try {
    const decision = decideAccess({ caller, request: { tenantId: 't1', ...request }, access, grants });
    return JSON.stringify(decision.scope);
  } catch (error) {
    return isMnemoError(error) ? error.code : String(error);
  }
}

describe('decideAccess: spaces', () => {
  const research = { spaceId: 'research' };
  const spaceScope = JSON.stringify({ tenantId: 't1', spaceId: 'research' });
  it.each([
    ['the owner reads', ownerCaller, research, 'read', spaceScope],
    ['the owner writes', ownerCaller, research, 'write', spaceScope],
    ['a writer writes', ownerCaller, { ...research, agentId: 'writer' }, 'write', spaceScope],
    ['a writer reads', ownerCaller, { ...research, agentId: 'writer' }, 'read', spaceScope],
    ['a reader reads', ownerCaller, { ...research, agentId: 'reader' }, 'read', spaceScope],
    ['a reader may not write', ownerCaller, { ...research, agentId: 'reader' }, 'write', 'FORBIDDEN'],
    ['an outsider may not read', ownerCaller, { ...research, agentId: 'outsider' }, 'read', 'FORBIDDEN'],
    ['a writer may not administer', ownerCaller, { ...research, agentId: 'writer' }, 'admin', 'FORBIDDEN'],
    ['a space has no sessions', ownerCaller, { ...research, sessionId: 's1' }, 'read', 'INVALID_INPUT'],
    ['an unbound tenant key reads', key({}), research, 'read', spaceScope],
    ['a read key may not write', key({ role: 'read' }), research, 'write', 'FORBIDDEN'],
    ['an agent-bound key needs the grant', key({ boundAgentId: 'reader' }), research, 'read', spaceScope],
    ['an agent-bound key without it', key({ boundAgentId: 'outsider' }), research, 'read', 'FORBIDDEN'],
    [
      'a bound key cannot act as a granted agent',
      key({ boundAgentId: 'outsider' }),
      { ...research, agentId: 'writer' },
      'write',
      'FORBIDDEN',
    ],
    [
      'a key granted admin itself',
      key({ keyId: 'k-admin', boundUserId: 'bob', role: 'admin' }),
      research,
      'admin',
      spaceScope,
    ],
    ['a space-bound key reaches its space', key({ boundSpaceId: 'research' }), {}, 'write', spaceScope],
    [
      'a space-bound key, nothing else',
      key({ boundSpaceId: 'research' }),
      { userId: 'alice' },
      'read',
      'FORBIDDEN',
    ],
  ] as const)('%s', (_name, caller, request, access, expected) => {
    expect(outcome(caller, request, access)).toBe(expected);
  });
});

describe('decideAccess: user scopes', () => {
  it.each([
    [
      'unbound callers keep the scope rule',
      ownerCaller,
      { userId: 'bob', agentId: 'any' },
      'write',
      { userId: 'bob', agentId: 'any' },
    ],
    [
      'a user-bound key reads its user',
      key({ boundUserId: 'alice', role: 'read' }),
      { userId: 'alice' },
      'read',
      { userId: 'alice' },
    ],
    [
      'the binding fills the user in',
      key({ boundUserId: 'alice', role: 'read' }),
      {},
      'read',
      { userId: 'alice' },
    ],
    [
      'a user-bound key may not read another user',
      key({ boundUserId: 'alice', role: 'read' }),
      { userId: 'bob' },
      'read',
      'FORBIDDEN',
    ],
    [
      'an agent-bound key acts only as its agent',
      key({ boundAgentId: 'support' }),
      { agentId: 'other' },
      'read',
      'FORBIDDEN',
    ],
    [
      'an agent-bound key fills its agent in, and reaches no user through it',
      key({ boundAgentId: 'support' }),
      { sessionId: 's' },
      'read',
      { agentId: 'support', sessionId: 's', withoutUsers: true },
    ],
    [
      'a granted agent reads the user',
      key({ boundAgentId: 'support' }),
      { userId: 'alice' },
      'read',
      { userId: 'alice', agentId: 'support' },
    ],
    [
      'a granted agent may not write the user',
      key({ boundAgentId: 'support' }),
      { userId: 'alice' },
      'write',
      'FORBIDDEN',
    ],
    [
      'an ungranted agent may not read the user',
      key({ boundAgentId: 'support' }),
      { userId: 'bob' },
      'read',
      'FORBIDDEN',
    ],
  ] as const)('%s', (_name, caller, request, access, expected) => {
    const want = typeof expected === 'string' ? expected : JSON.stringify({ tenantId: 't1', ...expected });
    const got = outcome(caller, request, access);
    expect(typeof expected === 'string' ? got : JSON.stringify(sorted(JSON.parse(got)))).toBe(
      typeof expected === 'string' ? want : JSON.stringify(sorted(JSON.parse(want))),
    );
  });
});

describe('readableSpaces and requireTenantAdmin', () => {
  it('lists the spaces any acting identity was granted, once each', () => {
    expect(
      readableSpaces(grants, [
        { type: 'agent', id: 'reader' },
        { type: 'agent', id: 'writer' },
      ]),
    ).toEqual(['research']);
    expect(readableSpaces(grants, [{ type: 'agent', id: 'support' }])).toEqual([]);
  });

  it('lets only the owner and unbound admin keys administer the tenant', () => {
    expect(() => requireTenantAdmin(ownerCaller, 'x')).not.toThrow();
    expect(() => requireTenantAdmin(key({ role: 'admin' }), 'x')).not.toThrow();
    expect(() => requireTenantAdmin(key({ role: 'write' }), 'x')).toThrow(/admin/);
    expect(() => requireTenantAdmin(key({ role: 'admin', boundAgentId: 'a' }), 'x')).toThrow(/admin/);
  });
});

function sorted(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
}
