// Table test for who said a message.
import { describe, expect, it } from 'vitest';
import type { Message } from './records.js';
import { speakerOf } from './speaker.js';

const scope = { tenantId: 'default', userId: 'alice', sessionId: 's1' };

describe('speakerOf', () => {
  it.each([
    [{ role: 'user' as const }, 'alice'],
    [{ role: 'user' as const, name: 'Ana' }, 'Ana'],
    [{ role: 'assistant' as const }, 'assistant'],
    [{ role: 'tool' as const, name: 'calendar' }, 'calendar'],
  ])('speaker of %j is %s', (overrides: Pick<Message, 'role'> & { name?: string }, speaker) => {
    expect(speakerOf({ scope, ...overrides })).toBe(speaker);
  });

  it('falls back to "user" for a user turn without a user id', () => {
    expect(speakerOf({ scope: { tenantId: 'default' }, role: 'user' })).toBe('user');
  });
});
