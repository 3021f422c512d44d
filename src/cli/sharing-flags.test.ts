// The sharing commands' flag parsers and tables, as tables of inputs and outcomes.
import { describe, expect, it } from 'vitest';
import { MnemoError } from '../core/errors.js';
import { parseGrantRole, parsePrincipalFlag, principalFromFlags } from './sharing-flags.js';
import { formatTable } from './sharing-output.js';

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    return error instanceof MnemoError ? error.code : 'not a MnemoError';
  }
  return undefined;
}

describe('principalFromFlags', () => {
  it.each([
    [{ agent: 'writer' }, { type: 'agent', id: 'writer' }],
    [{ user: 'alice' }, { type: 'user', id: 'alice' }],
    [{ key: '01a2' }, { type: 'key', id: '01a2' }],
  ])('reads %j', (flags, principal) => {
    expect(principalFromFlags(flags, { required: true })).toEqual(principal);
  });

  it('needs exactly one principal when required, at most one otherwise', () => {
    expect(() => principalFromFlags({}, { required: true })).toThrow(/--agent <id>, --user <id> or --key/);
    expect(principalFromFlags({}, { required: false })).toBeUndefined();
    expect(() => principalFromFlags({ agent: 'a', key: 'k' }, { required: false })).toThrow(
      'give one of --agent, --user or --key, not --agent and --key',
    );
    expect(codeOf(() => principalFromFlags({ agent: ' ' }, { required: true }))).toBe('INVALID_INPUT');
  });
});

describe('parsePrincipalFlag and parseGrantRole', () => {
  it('reads type:id, the id may hold colons', () => {
    expect(parsePrincipalFlag('agent:writer')).toEqual({ type: 'agent', id: 'writer' });
    expect(parsePrincipalFlag('user:a:b')).toEqual({ type: 'user', id: 'a:b' });
  });

  it.each(['writer', 'space:research', 'agent:', ':x'])('refuses %j', (value) => {
    expect(codeOf(() => parsePrincipalFlag(value))).toBe('INVALID_INPUT');
  });

  it('accepts read, write, admin only', () => {
    expect(['read', 'write', 'admin'].map(parseGrantRole)).toEqual(['read', 'write', 'admin']);
    expect(() => parseGrantRole('owner')).toThrow('--role must be one of read, write, admin, got "owner"');
  });
});

describe('formatTable', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(
      formatTable([
        ['id', 'name'],
        ['research', 'Research team'],
        ['x', ''],
      ]),
    ).toEqual(['id        name', 'research  Research team', 'x']);
  });
});
