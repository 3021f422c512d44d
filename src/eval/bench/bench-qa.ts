// QA mode of the retrieval benchmarks (`--qa`): answer each question from what Mnemo retrieved, score, report.

import type { LanguageModel } from '../../models/language-model.js';
import type { SearchOptions } from '../../retrieve/search-options.js';
import type { LocomoQa } from '../datasets/locomo.js';
import type { LongMemEvalItem } from '../datasets/longmemeval.js';
import type { QaMemory } from '../qa/answer-question.js';
import type { QaDataset } from '../qa/judge-answer.js';
import { type QaQuestionResult, type QaScores, scoreQaQuestions, type TokenMeans } from '../qa/qa-summary.js';
import { createQaRun, type QaItem } from '../qa/run-qa.js';
import type { UpkeepCounts } from './bench-runner.js';

/** How many retrieved turns the answerer sees unless `--qa-context` says otherwise. */
export const defaultQaContext = 10;
/** Questions answered at once unless `--qa-concurrency` says otherwise. */
export const defaultQaConcurrency = 4;
/** The gold answer of LoCoMo's adversarial questions, as the LoCoMo paper words the right option. */
export const locomoNotMentioned = 'Not mentioned in the conversation';

/** `--qa` options of a retrieval bench. */
export interface BenchQaOptions {
  /** The answerer and judge. */
  llm: LanguageModel;
  /** Retrieved turns shown to the answerer per question (default {@link defaultQaContext}). */
  context?: number | undefined;
  /** Answer only the first n questions (default all the bench scores). */
  limit?: number | undefined;
  /** Questions in flight at once (default {@link defaultQaConcurrency}). */
  concurrency?: number | undefined;
}

/** One answered question in the report: its scores, without the per-call usage details. */
export type BenchQaAnswer = Pick<
  QaQuestionResult,
  'id' | 'category' | 'question' | 'reference' | 'prediction' | 'f1' | 'bleu1' | 'judgeCorrect' | 'judgeReply'
>;

/** The `qa` section of a bench report. */
export interface BenchQaReport {
  /** `provider:model` of the answerer and judge. */
  model: string;
  /** Questions answered. */
  questions: number;
  overall: QaScores;
  /** LoCoMo only: categories 1–4 (adversarial left out), as most papers report. */
  overallCategories1to4?: QaScores;
  byCategory: Record<string, QaScores>;
  tokensPerQuestionByStep: { answer: TokenMeans; judge: TokenMeans };
  totalTokens: { input: number; output: number; calls: number };
  answers: BenchQaAnswer[];
  warnings: string[];
  config: {
    context: number;
    limit: number | null;
    concurrency: number;
    answerer: string;
    judge: string;
    scoring: string;
  };
}

/** A QA run beside a bench's retrieval loop: each scope's questions are added as soon as they are retrieved. */
export interface BenchQa {
  /** Retrieved turns to keep per question for the scope about to run (0 once the limit is reached). */
  readonly keepRetrieved: number;
  /** Adds questions, up to the limit; the rest are ignored. */
  add(items: readonly QaItem[]): void;
  /** Throws the first LLM failure, so the bench stops at the next scope. */
  throwIfFailed(): void;
  finish(): Promise<BenchQaReport>;
  abort(reason: unknown): void;
}

const judges: Record<QaDataset, string> = {
  locomo:
    'generous semantic match against the gold answer (Mem0-style); adversarial questions: does the answer say the information is not available',
  longmemeval:
    "the paper's per-question-type prompts (temporal off-by-one tolerated, knowledge updates, preference rubric)",
};

/**
 * Starts the QA side of a bench: questions are answered from the top `context` retrieved turns while the
 * next scopes are ingested, `concurrency` at a time, the first `limit` only.
 *
 * @example
 * const qa = startBenchQa({ llm, dataset: 'locomo', context: 10 });
 * qa.add(items); const section = await qa.finish();
 */
export function startBenchQa(
  options: BenchQaOptions & {
    dataset: QaDataset;
    onProgress?: ((progress: { done: number; total: number }) => void) | undefined;
  },
): BenchQa {
  const context = options.context ?? defaultQaContext;
  const concurrency = options.concurrency ?? defaultQaConcurrency;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const run = createQaRun({
    llm: options.llm,
    dataset: options.dataset,
    concurrency,
    onProgress: options.onProgress,
  });
  return {
    get keepRetrieved() {
      return run.added < limit ? context : 0;
    },
    add(items) {
      run.add(items.slice(0, Math.max(0, limit - run.added)));
    },
    throwIfFailed: () => run.throwIfFailed(),
    abort: (reason) => run.abort(reason),
    async finish() {
      const result = await run.finish();
      const section: BenchQaReport = {
        model: result.model,
        questions: result.overall.questions,
        overall: result.overall,
        byCategory: result.byCategory,
        tokensPerQuestionByStep: result.tokensPerQuestionByStep,
        totalTokens: result.totalTokens,
        answers: result.questions.map((question) => ({
          id: question.id,
          category: question.category,
          question: question.question,
          reference: question.reference,
          prediction: question.prediction,
          f1: question.f1,
          bleu1: question.bleu1,
          judgeCorrect: question.judgeCorrect,
          judgeReply: question.judgeReply,
        })),
        warnings: result.warnings,
        config: {
          context,
          limit: options.limit ?? null,
          concurrency,
          answerer: `the top ${context} turns Mnemo's search returned (text, date, speaker), oldest first, at temperature 0; never the gold evidence`,
          judge: `the same model, ${judges[options.dataset]}`,
          scoring:
            'SQuAD token F1 and BLEU-1 against the gold answer; unanswerable questions score 1 when the answer says "not mentioned" or "no information available" (LoCoMo rule)',
        },
      };
      if (options.dataset === 'locomo') {
        section.overallCategories1to4 = scoreQaQuestions({
          questions: result.questions.filter((question) => ['1', '2', '3', '4'].includes(question.category)),
          judged: true,
        });
      }
      return section;
    },
  };
}

/**
 * A LoCoMo question as a QA item. Adversarial questions (category 5) have no gold answer: the right
 * answer says the information is not there, and the tempting `adversarial_answer` is shown to the judge.
 *
 * @example
 * qa.add(sample.qa.map((entry, index) => locomoQaItem({ sampleId: sample.sample_id, qa: entry, index, retrieved: run.retrieved[index] ?? [] })));
 */
export function locomoQaItem(options: {
  sampleId: string;
  qa: LocomoQa;
  index: number;
  retrieved: readonly QaMemory[];
}): QaItem {
  const { qa } = options;
  const adversarial = qa.category === 5;
  const item: QaItem = {
    id: `${options.sampleId}:q${options.index}`,
    question: qa.question,
    reference: adversarial ? locomoNotMentioned : (qa.answer ?? ''),
    category: qa.category,
    retrieved: options.retrieved,
    abstention: adversarial,
  };
  if (adversarial && qa.adversarial_answer !== undefined) item.adversarialAnswer = qa.adversarial_answer;
  return item;
}

/**
 * A LongMemEval question as a QA item, asked on its `question_date`.
 *
 * @example
 * qa.add([longMemEvalQaItem({ item, retrieved: run.retrieved[0] ?? [] })]);
 */
export function longMemEvalQaItem(options: {
  item: LongMemEvalItem;
  retrieved: readonly QaMemory[];
}): QaItem {
  const { item } = options;
  const qaItem: QaItem = {
    id: item.question_id,
    question: item.question ?? '',
    reference: item.answer ?? '',
    category: item.question_type ?? 'unknown',
    retrieved: options.retrieved,
  };
  if (item.question_date !== undefined) qaItem.questionDate = item.question_date;
  return qaItem;
}

/**
 * Runs a retrieval bench with QA answering alongside it when `options.qa` is set: starts the QA run,
 * hands it to `retrieveAll`, and attaches the scored answers as `report.qa` (aborting QA if retrieval fails).
 *
 * @example
 * return withBenchQa(options, 'locomo', (qa) => retrieveAll(options, qa));
 */
export async function withBenchQa<R extends { qa?: BenchQaReport }>(
  options: {
    qa?: BenchQaOptions | undefined;
    onProgress?: ((progress: { done: number; total: number; label: string }) => void) | undefined;
  },
  dataset: QaDataset,
  retrieveAll: (qa: BenchQa | undefined) => Promise<R>,
): Promise<R> {
  const qa =
    options.qa === undefined
      ? undefined
      : startBenchQa({
          ...options.qa,
          dataset,
          onProgress: ({ done, total }) =>
            options.onProgress?.({ done, total, label: 'questions answered (QA)' }),
        });
  try {
    const report = await retrieveAll(qa);
    if (qa !== undefined) report.qa = await qa.finish();
    return report;
  } catch (error) {
    qa?.abort(error);
    throw error;
  }
}

/** What every retrieval bench report carries besides its metrics. */
export interface BenchReportCommon {
  questions: number;
  turns: number;
  ingestMs: number;
  latencyMs: { p50: number; p95: number };
  /** How the run was made; each bench adds its own keys. */
  config: {
    ks: number[];
    retrieved: number;
    embedder: string;
    search: SearchOptions;
    now: string;
    store: string;
    baseline: string;
  };
  /** Present with `qa`: answers from the retrieved turns, scored (F1, BLEU-1, LLM judge). */
  qa?: BenchQaReport;
  /** Present with `maintain`: what upkeep did, summed over every scope. */
  upkeep?: UpkeepCounts;
}
