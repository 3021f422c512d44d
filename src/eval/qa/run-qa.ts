// Runs the QA benchmark over retrieved memories: answer each question, score it, judge it, aggregate.
import { MnemoError } from '../../core/errors.js';
import { percentile } from '../perf/percentiles.js';
import { type AnswerQuestionResult, answerQuestion, type QaMemory, type QaUsage } from './answer-question.js';
import { bleu1, tokenF1 } from './answer-scores.js';
import { type JudgeAnswerResult, judgeAnswer, type QaDataset } from './judge-answer.js';
import type { QaLanguageModel } from './qa-language-model.js';

/** One benchmark question with what retrieval found for it. */
export interface QaItem {
  id: string;
  question: string;
  /** The gold answer; LoCoMo has some numeric answers (years), compared as text. */
  reference: string | number;
  /** LoCoMo's category number or LongMemEval's question_type; results are grouped by it. */
  category: string | number;
  retrieved: readonly QaMemory[];
  questionDate?: string;
  /** Judge prompt selector; for LongMemEval it defaults to `category`. */
  questionType?: string;
  /** LongMemEval abstention question; defaults to `id` ending in `_abs` for LongMemEval. */
  abstention?: boolean;
}

export interface RunQaOptions {
  llm: QaLanguageModel;
  items: readonly QaItem[];
  dataset: QaDataset;
  /** Questions in flight at once (default 4). */
  concurrency?: number;
  /** Ask the LLM judge (default true); without it only F1 and BLEU-1 are scored. */
  judge?: boolean;
  answerMaxOutputTokens?: number;
  judgeMaxOutputTokens?: number;
  onProgress?: (progress: { done: number; total: number }) => void;
  abortSignal?: AbortSignal;
}

export interface QaScores {
  count: number;
  f1: number;
  bleu1: number;
  /** Share of questions the judge accepted; null when the judge was off. */
  judgeAccuracy: number | null;
}

export interface QaQuestionResult {
  id: string;
  category: string;
  question: string;
  reference: string;
  prediction: string;
  f1: number;
  bleu1: number;
  judgeCorrect: boolean | null;
  /** False when the judge's reply held no readable yes/no (counted as wrong). */
  judgeParsed: boolean;
  judgeReply: string | null;
  retrievedCount: number;
  answerUsage: QaUsage;
  judgeUsage: QaUsage | null;
}

export interface TokenMeans {
  input: number;
  output: number;
}

export interface RunQaResult {
  dataset: QaDataset;
  model: string;
  overall: QaScores;
  byCategory: Record<string, QaScores>;
  /** Mean tokens per question: answer and judge calls together, and each alone. */
  tokensPerQuestion: TokenMeans & { answer: TokenMeans; judge: TokenMeans };
  /** Sums over the run, as the server reported them. */
  totalTokens: { input: number; output: number; calls: number };
  /** Latency of the answer call per question (the judge's is evaluation overhead, left out). */
  latencyMs: { p50: number; p95: number };
  questions: QaQuestionResult[];
  warnings: string[];
}

function validate(options: RunQaOptions): void {
  if (options.items.length === 0) {
    throw new MnemoError({ code: 'INVALID_INPUT', message: 'runQa needs at least one item' });
  }
  const concurrency = options.concurrency;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: `runQa concurrency must be a positive integer, got ${concurrency}`,
    });
  }
}

async function runItem(item: QaItem, options: RunQaOptions, signal: AbortSignal): Promise<QaQuestionResult> {
  const reference = String(item.reference);
  const answered: AnswerQuestionResult = await answerQuestion({
    llm: options.llm,
    question: item.question,
    memories: item.retrieved,
    abortSignal: signal,
    ...(item.questionDate === undefined ? {} : { questionDate: item.questionDate }),
    ...(options.answerMaxOutputTokens === undefined
      ? {}
      : { maxOutputTokens: options.answerMaxOutputTokens }),
  });
  const isLongMemEval = options.dataset === 'longmemeval';
  const questionType = item.questionType ?? (isLongMemEval ? String(item.category) : undefined);
  let judged: JudgeAnswerResult | undefined;
  if (options.judge !== false) {
    judged = await judgeAnswer({
      llm: options.llm,
      question: item.question,
      reference,
      prediction: answered.answer,
      dataset: options.dataset,
      abstention: item.abstention ?? (isLongMemEval && item.id.endsWith('_abs')),
      abortSignal: signal,
      ...(questionType === undefined ? {} : { questionType }),
      ...(options.judgeMaxOutputTokens === undefined
        ? {}
        : { maxOutputTokens: options.judgeMaxOutputTokens }),
    });
  }
  return {
    id: item.id,
    category: String(item.category),
    question: item.question,
    reference,
    prediction: answered.answer,
    f1: tokenF1(answered.answer, reference),
    bleu1: bleu1(answered.answer, reference),
    judgeCorrect: judged === undefined ? null : judged.correct,
    judgeParsed: judged === undefined ? true : judged.parsed,
    judgeReply: judged === undefined ? null : judged.raw,
    retrievedCount: item.retrieved.length,
    answerUsage: answered.usage,
    judgeUsage: judged === undefined ? null : judged.usage,
  };
}

/** Runs `work` over `items` with at most `concurrency` in flight; the first failure aborts the rest. */
async function mapPool<T, R>(
  items: readonly T[],
  concurrency: number,
  outerSignal: AbortSignal | undefined,
  work: (item: T, signal: AbortSignal) => Promise<R>,
  onDone: (done: number) => void,
): Promise<R[]> {
  const controller = new AbortController();
  const signal =
    outerSignal === undefined ? controller.signal : AbortSignal.any([outerSignal, controller.signal]);
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  async function worker(): Promise<void> {
    while (next < items.length && !signal.aborted) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, signal);
      } catch (error) {
        controller.abort(error);
        throw error;
      }
      done += 1;
      onDone(done);
    }
  }
  const settled = await Promise.allSettled(
    Array.from({ length: Math.min(concurrency, items.length) }, () => worker()),
  );
  const failure = settled.find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  if (outerSignal?.aborted) {
    throw new MnemoError({ code: 'INTERNAL', message: 'runQa was aborted', cause: outerSignal.reason });
  }
  return results;
}

function scoresOf(questions: readonly QaQuestionResult[], judged: boolean): QaScores {
  const count = questions.length;
  const mean = (value: (question: QaQuestionResult) => number): number =>
    count === 0 ? 0 : questions.reduce((sum, question) => sum + value(question), 0) / count;
  return {
    count,
    f1: mean((question) => question.f1),
    bleu1: mean((question) => question.bleu1),
    judgeAccuracy: judged ? mean((question) => (question.judgeCorrect === true ? 1 : 0)) : null,
  };
}

function summarize(options: RunQaOptions, questions: QaQuestionResult[]): RunQaResult {
  const judged = options.judge !== false;
  const groups = new Map<string, QaQuestionResult[]>();
  for (const question of questions) {
    const group = groups.get(question.category) ?? [];
    group.push(question);
    groups.set(question.category, group);
  }
  const byCategory: Record<string, QaScores> = {};
  for (const [category, group] of [...groups].sort(([left], [right]) => left.localeCompare(right))) {
    byCategory[category] = scoresOf(group, judged);
  }
  const count = questions.length;
  const sum = (value: (question: QaQuestionResult) => number): number =>
    questions.reduce((total, question) => total + value(question), 0);
  const answer = {
    input: sum((question) => question.answerUsage.inputTokens),
    output: sum((question) => question.answerUsage.outputTokens),
  };
  const judge = {
    input: sum((question) => question.judgeUsage?.inputTokens ?? 0),
    output: sum((question) => question.judgeUsage?.outputTokens ?? 0),
  };
  const latencies = questions
    .map((question) => question.answerUsage.latencyMs)
    .sort((left, right) => left - right);
  const unparsed = questions.filter((question) => !question.judgeParsed).length;
  return {
    dataset: options.dataset,
    model: options.llm.modelId,
    overall: scoresOf(questions, judged),
    byCategory,
    tokensPerQuestion: {
      input: (answer.input + judge.input) / count,
      output: (answer.output + judge.output) / count,
      answer: { input: answer.input / count, output: answer.output / count },
      judge: { input: judge.input / count, output: judge.output / count },
    },
    totalTokens: {
      input: answer.input + judge.input,
      output: answer.output + judge.output,
      calls: sum((question) => question.answerUsage.calls + (question.judgeUsage?.calls ?? 0)),
    },
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
    questions,
    warnings:
      unparsed === 0
        ? []
        : [`${unparsed} of ${count} judge replies held no readable yes/no and were counted as wrong`],
  };
}

/**
 * Runs the QA benchmark: for each item, answers the question from its retrieved memories, scores the
 * answer against the reference (token F1, BLEU-1) and asks the LLM judge; then aggregates overall and per
 * category, with token usage and answer latency. Items keep their order in `questions`. The first failing
 * call (MnemoError `LLM_FAILED`, after the client's retries) stops the run and is thrown.
 *
 * @example
 * const result = await runQa({ llm, dataset: 'locomo', items: [{ id: 'q1', question: 'Where does Ana live?',
 *   reference: 'Lisbon', category: 4, retrieved: [{ text: 'I moved to Lisbon', observedAt: '2024-03-01T10:00:00Z' }] }] });
 * console.log(result.overall.judgeAccuracy, result.tokensPerQuestion);
 */
export async function runQa(options: RunQaOptions): Promise<RunQaResult> {
  validate(options);
  const questions = await mapPool(
    options.items,
    options.concurrency ?? 4,
    options.abortSignal,
    (item, signal) => runItem(item, options, signal),
    (done) => options.onProgress?.({ done, total: options.items.length }),
  );
  return summarize(options, questions);
}
