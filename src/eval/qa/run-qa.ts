// Runs the QA benchmark over retrieved memories: answer each question, score it, judge it, aggregate.
import { MnemoError } from '../../core/errors.js';
import type { LanguageModel } from '../../models/language-model.js';
import { type AnswerQuestionResult, answerQuestion, type QaMemory } from './answer-question.js';
import { bleu1, saysNotMentioned, tokenF1 } from './answer-scores.js';
import { type JudgeAnswerResult, judgeAnswer, type QaDataset } from './judge-answer.js';
import {
  type QaQuestionResult,
  type QaScores,
  scoreQaCategories,
  scoreQaQuestions,
  sumQaTokens,
  type TokenMeans,
} from './qa-summary.js';

/** One benchmark question with what retrieval found for it. */
export interface QaItem {
  id: string;
  question: string;
  /** The gold answer; LoCoMo has some numeric answers (years), compared as text. */
  reference: string | number;
  /** LoCoMo's category number or LongMemEval's question_type; results are grouped by it. */
  category: string | number;
  /** What the memory search returned for the question (never the gold evidence). */
  retrieved: readonly QaMemory[];
  questionDate?: string;
  /** Judge prompt selector; for LongMemEval it defaults to `category`. */
  questionType?: string;
  /**
   * A question the memories cannot answer: declining is right. Defaults to LoCoMo category 5
   * (adversarial) and LongMemEval ids ending in `_abs`.
   */
  abstention?: boolean;
  /** LoCoMo adversarial questions: the wrong answer the question tempts (shown to the judge). */
  adversarialAnswer?: string;
}

/** How to answer and judge; shared by {@link runQa} and {@link createQaRun}. */
export interface QaRunOptions {
  /** The answerer and judge (any LanguageModel: OpenAI-compatible, Anthropic, a mock). */
  llm: LanguageModel;
  dataset: QaDataset;
  /** Questions in flight at once (default 4). */
  concurrency?: number | undefined;
  /** Ask the LLM judge (default true); without it only F1 and BLEU-1 are scored. */
  judge?: boolean | undefined;
  answerMaxOutputTokens?: number | undefined;
  judgeMaxOutputTokens?: number | undefined;
  /** Called after each answered question; `total` is the number of items added so far. */
  onProgress?: ((progress: { done: number; total: number }) => void) | undefined;
  abortSignal?: AbortSignal | undefined;
}

export interface RunQaOptions extends QaRunOptions {
  items: readonly QaItem[];
}

export interface RunQaResult {
  dataset: QaDataset;
  /** `provider:model`, e.g. `openai-compatible:gpt-4o-mini`. */
  model: string;
  overall: QaScores;
  byCategory: Record<string, QaScores>;
  /** Mean tokens per question of each step. */
  tokensPerQuestionByStep: { answer: TokenMeans; judge: TokenMeans };
  /** Sums over the run, as the model reported them. */
  totalTokens: { input: number; output: number; calls: number };
  /** Every question, in the order the items were added. */
  questions: QaQuestionResult[];
  warnings: string[];
}

/** A QA run that takes items while it works: the benchmarks add each scope's questions as retrieval goes. */
export interface QaRun {
  /** Queues items; they start at once, at most `concurrency` at a time. */
  add(items: readonly QaItem[]): void;
  /** Items added so far. */
  readonly added: number;
  /** Throws the first failure, if there was one, so a caller can stop early. */
  throwIfFailed(): void;
  /** Waits for every added item and summarises; throws the first failure. */
  finish(): Promise<RunQaResult>;
  /** Starts nothing more and aborts the calls in flight. */
  abort(reason?: unknown): void;
}

function validateConcurrency(concurrency: number | undefined): number {
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: `QA concurrency must be a positive integer, got ${concurrency}`,
    });
  }
  return concurrency ?? 4;
}

function isAbstention(item: QaItem, dataset: QaDataset): boolean {
  if (item.abstention !== undefined) return item.abstention;
  return dataset === 'locomo' ? String(item.category) === '5' : item.id.endsWith('_abs');
}

async function judgeItem(
  item: QaItem,
  prediction: string,
  options: QaRunOptions,
  signal: AbortSignal,
): Promise<JudgeAnswerResult | undefined> {
  if (options.judge === false) return undefined;
  const questionType =
    item.questionType ?? (options.dataset === 'longmemeval' ? String(item.category) : undefined);
  return judgeAnswer({
    llm: options.llm,
    question: item.question,
    reference: String(item.reference),
    prediction,
    dataset: options.dataset,
    abstention: isAbstention(item, options.dataset),
    abortSignal: signal,
    questionType,
    adversarialAnswer: item.adversarialAnswer,
    maxOutputTokens: options.judgeMaxOutputTokens,
  });
}

async function runItem(item: QaItem, options: QaRunOptions, signal: AbortSignal): Promise<QaQuestionResult> {
  const reference = String(item.reference);
  const answered: AnswerQuestionResult = await answerQuestion({
    llm: options.llm,
    question: item.question,
    memories: item.retrieved,
    abortSignal: signal,
    questionDate: item.questionDate,
    maxOutputTokens: options.answerMaxOutputTokens,
  });
  const judged = await judgeItem(item, answered.answer, options, signal);
  const abstention = isAbstention(item, options.dataset);
  // LoCoMo's evaluation scores unanswerable questions by whether the answer declines, not by overlap.
  const declined = saysNotMentioned(answered.answer) ? 1 : 0;
  return {
    id: item.id,
    category: String(item.category),
    question: item.question,
    reference,
    prediction: answered.answer,
    f1: abstention ? declined : tokenF1(answered.answer, reference),
    bleu1: abstention ? declined : bleu1(answered.answer, reference),
    judgeCorrect: judged === undefined ? null : judged.correct,
    judgeParsed: judged === undefined ? true : judged.parsed,
    judgeReply: judged === undefined ? null : judged.raw,
    abstention,
    retrievedCount: item.retrieved.length,
    answerUsage: answered.usage,
    judgeUsage: judged === undefined ? null : judged.usage,
  };
}

function summarize(options: QaRunOptions, questions: QaQuestionResult[]): RunQaResult {
  const judged = options.judge !== false;
  const tokens = sumQaTokens(questions);
  const unparsed = questions.filter((question) => !question.judgeParsed).length;
  return {
    dataset: options.dataset,
    model: `${options.llm.provider}:${options.llm.modelId}`,
    overall: scoreQaQuestions({ questions, judged }),
    byCategory: scoreQaCategories({ questions, judged }),
    tokensPerQuestionByStep: tokens.perQuestion,
    totalTokens: tokens.total,
    questions,
    warnings:
      unparsed === 0
        ? []
        : [
            `${unparsed} of ${questions.length} judge replies held no readable yes/no and were counted as wrong`,
          ],
  };
}

/**
 * Starts a QA run that answers, scores and judges items as they are added, at most `concurrency` at a
 * time. The first failing call (MnemoError `LLM_FAILED`, after the model's retries) aborts the calls in
 * flight, starts nothing more, and is thrown by `throwIfFailed()` and `finish()`.
 *
 * @example
 * const run = createQaRun({ llm, dataset: 'longmemeval', concurrency: 4 });
 * for (const scope of scopes) { run.throwIfFailed(); run.add(await retrieve(scope)); }
 * const result = await run.finish();
 */
export function createQaRun(options: QaRunOptions): QaRun {
  const concurrency = validateConcurrency(options.concurrency);
  const controller = new AbortController();
  const signal =
    options.abortSignal === undefined
      ? controller.signal
      : AbortSignal.any([options.abortSignal, controller.signal]);
  const queue: Array<{ item: QaItem; index: number }> = [];
  const results: QaQuestionResult[] = [];
  const inFlight = new Set<Promise<void>>();
  let added = 0;
  let done = 0;
  let failure: { error: unknown } | undefined;

  function fail(error: unknown): void {
    if (failure !== undefined) return;
    failure = { error };
    controller.abort(error);
  }

  function pump(): void {
    while (failure === undefined && !signal.aborted && inFlight.size < concurrency && queue.length > 0) {
      const { item, index } = queue.shift()!;
      const task: Promise<void> = runItem(item, options, signal)
        .then((result) => {
          results[index] = result;
          done += 1;
          options.onProgress?.({ done, total: added });
        })
        .catch(fail)
        .finally(() => {
          inFlight.delete(task);
          pump();
        });
      inFlight.add(task);
    }
  }

  function throwIfFailed(): void {
    if (options.abortSignal?.aborted) {
      throw new MnemoError({
        code: 'INTERNAL',
        message: 'the QA run was aborted',
        cause: options.abortSignal.reason,
      });
    }
    if (failure !== undefined) throw failure.error;
  }

  return {
    add(items) {
      for (const item of items) queue.push({ item, index: added++ });
      pump();
    },
    get added() {
      return added;
    },
    throwIfFailed,
    async finish() {
      // Each settled task has already started its successor (in `finally`), so loop until none is left.
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      throwIfFailed();
      return summarize(options, results);
    },
    abort(reason) {
      queue.length = 0;
      fail(reason ?? new MnemoError({ code: 'INTERNAL', message: 'the QA run was aborted' }));
    },
  };
}

/**
 * Runs the QA benchmark: for each item, answers the question from its retrieved memories, scores the
 * answer against the reference (token F1, BLEU-1; unanswerable questions by whether the answer declines)
 * and asks the LLM judge; then aggregates overall and per category, with tokens per question and answer
 * latency. Items keep their order in `questions`. The first failing call stops the run and is thrown.
 *
 * @example
 * const result = await runQa({ llm, dataset: 'locomo', items: [{ id: 'q1', question: 'Where does Ana live?',
 *   reference: 'Lisbon', category: 4, retrieved: [{ text: 'I moved to Lisbon', observedAt: '2024-03-01T10:00:00Z' }] }] });
 * console.log(result.overall.judgeAccuracy, result.overall.tokensPerQuestion);
 */
export async function runQa(options: RunQaOptions): Promise<RunQaResult> {
  if (options.items.length === 0) {
    throw new MnemoError({ code: 'INVALID_INPUT', message: 'runQa needs at least one item' });
  }
  const run = createQaRun(options);
  run.add(options.items);
  return run.finish();
}
