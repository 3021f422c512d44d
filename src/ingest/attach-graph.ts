// The write path's one call into the knowledge graph: each new memory gets the entities and relations the
// injected GraphStep reads from it, applied by the store in the same transaction as the memory.
import type { GraphStep } from '../core/graph.js';
import type { MemoryWrite } from '../store/memory-store.js';

/**
 * Sets `graph` on the writes that do not carry their own (an LLM extraction brings its own facts).
 *
 * @example
 * await attachGraphFacts(input.graph, writes);
 */
export async function attachGraphFacts(graph: GraphStep | undefined, writes: MemoryWrite[]): Promise<void> {
  if (graph === undefined) return;
  const pending = writes.filter((write) => write.graph === undefined);
  if (pending.length === 0) return;
  const facts = await graph(pending.map((write) => write.record));
  pending.forEach((write, index) => {
    const found = facts[index];
    if (found !== undefined) write.graph = found;
  });
}
