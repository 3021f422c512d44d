// The answer signal: whether a memory states something or only asks. When a question turn ("How is Biscuit
// anyway?") and the turn that answers it both match a query, the answer is what the query was looking for.
import type { MemoryRecord } from '../core/records.js';
import { sameScope } from '../core/scope.js';

/**
 * 0 for a text that only asks — every sentence a question, apart from one-word interjections such as
 * "Wow!" — and 1 for anything that states something (a question that also tells counts as telling).
 *
 * @example
 * answerSignal('How is Biscuit anyway?') // 0
 * answerSignal('Wow! How did it go?') // 0
 * answerSignal('Biscuit is great! How about you?') // 1
 */
export function answerSignal(text: string): number {
  let asked = false;
  for (const match of text.matchAll(/[^.!?\n]+([.!?]+|\n|$)/g)) {
    const words = match[0].match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
    if (match[1]?.includes('?') && words > 0) asked = true;
    else if (words > 1) return 1;
  }
  return asked ? 0 : 1;
}

/** What `answersBeforeQuestions` needs of a ranked memory. */
export interface RankedTurn {
  record: Pick<MemoryRecord, 'id' | 'kind' | 'text' | 'scope' | 'attributes'>;
}

/**
 * When a turn that only asks and the next turn of its conversation — another person's answer — are both
 * ranked, the answer comes first: the question moves to just below it. Nothing else changes order. An
 * AI assistant's reply is not such an answer: what a user asks an assistant says something about the
 * user, what the assistant replies is general knowledge.
 *
 * @example
 * answersBeforeQuestions([{ record: question }, { record: other }, { record: answer }]) // [other, answer, question]
 */
export function answersBeforeQuestions<T extends RankedTurn>(ranked: readonly T[]): T[] {
  const order = [...ranked];
  for (const entry of ranked) {
    const question = entry.record;
    const seq = question.attributes.seq;
    if (question.kind !== 'episode' || typeof seq !== 'number' || answerSignal(question.text) !== 0) continue;
    const from = order.indexOf(entry);
    const to = order.findIndex(
      (other, index) =>
        index > from &&
        other.record.kind === 'episode' &&
        other.record.attributes.seq === seq + 1 &&
        other.record.attributes.speaker !== question.attributes.speaker &&
        other.record.attributes.role !== 'assistant' &&
        sameScope(other.record.scope, question.scope) &&
        answerSignal(other.record.text) === 1,
    );
    if (to < 0) continue;
    order.splice(from, 1);
    order.splice(to, 0, entry);
  }
  return order;
}
