// Who said a message: one rule for episodes, inferred memories and summaries alike.
import type { Message } from './records.js';

/**
 * Who said a message: its name, else the user id for user turns, else the role.
 *
 * @example
 * speakerOf({ ...message, role: 'user', name: undefined }) // 'alice' (the message's userId)
 */
export function speakerOf(message: Pick<Message, 'name' | 'role' | 'scope'>): string {
  return message.name ?? (message.role === 'user' ? (message.scope.userId ?? 'user') : message.role);
}
