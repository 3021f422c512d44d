// Automatic episodic summaries: note what each session logged, and summarise a session once it piled up
// enough tokens or went idle, with summarizeSession (which only folds in messages after the last summary).
import { isMnemoError, type MnemoError } from '../core/errors.js';
import { type InferenceContext, isModelError, type WorkLog } from '../ingest/infer/buffered-ingest.js';
import type { SessionActivity } from '../ingest/infer/inference-queue.js';
import type { SessionSummarizer, SummaryThresholds } from '../ingest/infer/inference-runner.js';
import { shouldSummarize, summarizeSession, summaryDefaults, tokensSince } from './summarize-session.js';

/** The default thresholds: 2,000 new tokens, or 30 minutes of silence. */
export const summaryThresholdDefaults: SummaryThresholds = {
  afterTokens: summaryDefaults.tokensSinceSummary,
  idleMs: summaryDefaults.idleMs,
};

/**
 * Creates the summarizer for one memory engine.
 *
 * @example
 * const summarizer = createSessionSummarizer(context, { afterTokens: 2_000, idleMs: 30 * 60_000 });
 * const activity = await summarizer.noteActivity(scope, logged, now);
 * if (activity !== undefined) await summarizer.summarizeDue([activity], log);
 */
export function createSessionSummarizer(
  context: InferenceContext,
  thresholds: SummaryThresholds,
): SessionSummarizer {
  const inProgress = new Set<string>();
  const limits = { idleMs: thresholds.idleMs, tokensSinceSummary: thresholds.afterTokens };

  async function summarizeOne(session: SessionActivity, log: WorkLog): Promise<void> {
    // summarizeSession folds in at most `maxMessages` per call: catch up on a long backlog in a few calls.
    for (let round = 0; round < 10; round++) {
      const result = await summarizeSession({
        store: context.store,
        llm: context.llm,
        embedder: context.embedder,
        scope: session.scope,
        clock: context.clock,
        ids: context.ids,
        actor: context.actor,
      });
      log.ledger.add(session.scope, result.usage);
      log.warnings.push(...result.warnings);
      if (result.summary === undefined) break;
      log.memories.push(result.summary);
      if (result.summary.source.messageIds.length < summaryDefaults.maxMessages) break;
    }
    await context.queue.settleSession({ scope: session.scope, tokens: session.tokens });
  }

  return {
    thresholds,
    async noteActivity(scope, messages, at) {
      if (scope.sessionId === undefined || messages.length === 0) return undefined;
      return context.queue.noteSessionActivity({ scope, at, tokens: tokensSince(messages) });
    },
    async idleSessions(input) {
      return context.queue.idleSessions({
        idleSince: context.clock.now() - thresholds.idleMs,
        limit: input.limit,
        scope: input.scope,
      });
    },
    async summarizeDue(sessions, log) {
      const now = context.clock.now();
      for (const session of sessions) {
        const key = JSON.stringify(session.scope);
        const decision = shouldSummarize({
          idleMs: now - session.lastAt,
          tokensSinceSummary: session.tokens,
          thresholds: limits,
        });
        if (!decision.summarize || inProgress.has(key)) continue;
        inProgress.add(key);
        try {
          await summarizeOne(session, log);
        } catch (error) {
          // A model failure or a concurrent summariser (CONFLICT) leaves the session due: it is retried later.
          if (!isModelError(error) && !(isMnemoError(error) && error.code === 'CONFLICT')) throw error;
          const failure = error as MnemoError;
          log.warnings.push(
            `Summarising session ${session.scope.sessionId} failed (${failure.code}: ${failure.message}); it will be retried.`,
          );
        } finally {
          inProgress.delete(key);
        }
      }
    },
  };
}
