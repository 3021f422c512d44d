// `expand`: the neighbouring turns of a search result's source messages, from the message log.
import type { MemoryRecord, Message } from '../core/records.js';
import { type Scope, sameScope } from '../core/scope.js';
import type { MemoryStore } from '../store/memory-store.js';

/** At most this many messages are listed around one memory's source turns. */
const MAX_CONTEXT_MESSAGES = 200;

/**
 * For each memory with source messages, the messages of the same session within `around` turns of them
 * (by seq), in seq order. Memories whose source messages are gone or outside the scope get no context.
 * `maxMessages` bounds the messages over all records: records past it (in the given order) get none, and
 * `truncated` says so.
 */
export async function expandContext(input: {
  store: MemoryStore;
  scope: Scope;
  records: MemoryRecord[];
  around: number;
  maxMessages: number;
}): Promise<{ contexts: Map<string, Message[]>; truncated: boolean }> {
  const ids = [...new Set(input.records.flatMap((record) => record.source.messageIds))];
  const contexts = new Map<string, Message[]>();
  if (ids.length === 0) return { contexts, truncated: false };
  let budget = input.maxMessages;
  const messages = new Map(
    (await input.store.getMessages({ scope: input.scope, ids })).map((message) => [message.id, message]),
  );
  for (const record of input.records) {
    if (budget <= 0) return { contexts, truncated: true };
    const sources = record.source.messageIds
      .map((id) => messages.get(id))
      .filter((message) => message !== undefined);
    const first = sources[0];
    if (first === undefined) continue;
    // Seqs are per session, so neighbours come from the session of the first source message.
    const sameSession = sources.filter((message) => sameScope(message.scope, first.scope));
    const seqs = sameSession.map((message) => message.seq);
    const fromSeq = Math.max(1, Math.min(...seqs) - input.around);
    const toSeq = Math.max(...seqs) + input.around;
    const page = await input.store.listMessages({
      scope: first.scope,
      fromSeq,
      toSeq,
      // Without a session the scope also matches other sessions' messages, whose seqs overlap; ask for more.
      limit:
        first.scope.sessionId === undefined
          ? MAX_CONTEXT_MESSAGES
          : Math.min(MAX_CONTEXT_MESSAGES, toSeq - fromSeq + 1),
    });
    const neighbours = page.items
      .filter((message) => sameScope(message.scope, first.scope))
      .sort((a, b) => a.seq - b.seq);
    if (neighbours.length > budget) return { contexts, truncated: true };
    budget -= neighbours.length;
    contexts.set(record.id, neighbours);
  }
  return { contexts, truncated: false };
}
