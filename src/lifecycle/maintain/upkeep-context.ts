// What every upkeep step is given: the engine's parts, the run's budget and the report it fills in.

import type { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { MnemoError } from '../../core/errors.js';
import type { GraphStep } from '../../core/graph.js';
import type { IdGenerator } from '../../core/ids.js';
import type { StrengthPolicy } from '../../core/strength.js';
import type { EmbeddingModel } from '../../models/embedding-model.js';
import type { LanguageModel } from '../../models/language-model.js';
import { generateStructured } from '../../models/structured-output.js';
import type { MemoryStore } from '../../store/memory-store.js';
import type { MaintainReport } from './maintain-report.js';

/** The engine's parts upkeep runs with (what createMemory() opened). */
export interface UpkeepDeps {
  store: MemoryStore;
  embedder: EmbeddingModel | undefined;
  llm: LanguageModel | undefined;
  clock: Clock;
  ids: IdGenerator;
  /** Recorded as the actor of every change (default `maintain`). */
  actor: string;
  /** Reads entities and relations of the memories upkeep writes (absent when the graph is off). */
  graph: GraphStep | undefined;
  /** The decay curve; undefined turns decay off. */
  strength: StrengthPolicy | undefined;
  /** Audit rows older than this are erased by runs over a whole tenant or store (the expire step). */
  auditRetentionMs?: number | undefined;
}

/** What is left to spend in this run. */
export interface Budget {
  llmCalls: number;
  memories: number;
}

export interface UpkeepContext extends UpkeepDeps {
  budget: Budget;
  report: MaintainReport;
  /** Scopes another process held (`scopeKey`), counted once in `report.scopes.skipped`. */
  skipped: Set<string>;
  /** Epoch ms the run started: one clock reading for every step. */
  now: number;
}

/** Adds model usage to the run's report. */
export function spend(
  context: UpkeepContext,
  usage: { llmCalls?: number; inputTokens?: number; outputTokens?: number; embeddingCalls?: number },
): void {
  const total = context.report.usage;
  total.llmCalls += usage.llmCalls ?? 0;
  total.inputTokens += usage.inputTokens ?? 0;
  total.outputTokens += usage.outputTokens ?? 0;
  total.embeddingCalls += usage.embeddingCalls ?? 0;
  context.budget.llmCalls -= usage.llmCalls ?? 0;
}

/**
 * One model call of upkeep (a consolidation batch, a reflection): JSON of `schema` for `prompt`, its calls and
 * tokens added to the run's report and budget.
 *
 * @example
 * const value = await askUpkeepModel(context, llm, { name: 'memory_reflection', schema, system, prompt });
 */
export async function askUpkeepModel<T>(
  context: UpkeepContext,
  llm: LanguageModel,
  request: { name: string; schema: z.ZodType<T>; system: string; prompt: string },
): Promise<T> {
  const generated = await generateStructured({
    model: llm,
    name: request.name,
    schema: request.schema,
    system: request.system,
    messages: [{ role: 'user', content: request.prompt }],
    temperature: 0,
  });
  spend(context, {
    llmCalls: generated.calls,
    inputTokens: generated.usage.inputTokens,
    outputTokens: generated.usage.outputTokens,
  });
  return generated.value;
}

/**
 * Runs one change that another writer may have made moot in the meantime (a memory forgotten, merged or
 * retired since it was read): NOT_FOUND and CONFLICT mean "skip it", anything else is an error.
 *
 * @example
 * const merged = await unlessMoot(() => store.mergeMemories(input)); // undefined when moot
 */
export async function unlessMoot<T>(change: () => Promise<T>): Promise<T | undefined> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof MnemoError && (error.code === 'NOT_FOUND' || error.code === 'CONFLICT')) {
      return undefined;
    }
    throw error;
  }
}
