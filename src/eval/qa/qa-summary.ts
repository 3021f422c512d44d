// Aggregates of the QA benchmark: scores, tokens per question and answer latency, overall and per category.
import { percentile } from '../perf/percentiles.js';
import type { QaUsage } from './answer-question.js';

/** One answered question, scored and judged. */
export interface QaQuestionResult {
  id: string;
  category: string;
  question: string;
  reference: string;
  prediction: string;
  f1: number;
  bleu1: number;
  /** Null when the judge was off. */
  judgeCorrect: boolean | null;
  /** False when the judge's reply held no readable yes/no (counted as wrong). */
  judgeParsed: boolean;
  judgeReply: string | null;
  /** Scored by LoCoMo's adversarial rule (declining is right) instead of against the reference. */
  abstention: boolean;
  retrievedCount: number;
  answerUsage: QaUsage;
  judgeUsage: QaUsage | null;
}

export interface TokenMeans {
  input: number;
  output: number;
}

/** The scores of a group of questions (all of them, or one category). */
export interface QaScores {
  /** Questions answered in the group. */
  questions: number;
  f1: number;
  bleu1: number;
  /** Share of questions the judge accepted; null when the judge was off. */
  judgeAccuracy: number | null;
  /** Mean tokens per question, answer and judge calls together. */
  tokensPerQuestion: TokenMeans;
  /** Latency of the answer call (the judge's is evaluation overhead, left out); 0 for an empty group. */
  latencyMs: { p50: number; p95: number };
}

function mean(questions: readonly QaQuestionResult[], value: (question: QaQuestionResult) => number): number {
  if (questions.length === 0) return 0;
  return questions.reduce((sum, question) => sum + value(question), 0) / questions.length;
}

/**
 * The scores of a group of questions: means of F1, BLEU-1 and judge verdicts, tokens per question and
 * answer latency p50/p95 (nearest rank).
 *
 * @example
 * const categories1to4 = scoreQaQuestions({ questions: result.questions.filter((q) => q.category !== '5'), judged: true });
 */
export function scoreQaQuestions(options: {
  questions: readonly QaQuestionResult[];
  judged: boolean;
}): QaScores {
  const { questions } = options;
  const latencies = questions.map((question) => question.answerUsage.latencyMs).sort((a, b) => a - b);
  return {
    questions: questions.length,
    f1: mean(questions, (question) => question.f1),
    bleu1: mean(questions, (question) => question.bleu1),
    judgeAccuracy: options.judged
      ? mean(questions, (question) => (question.judgeCorrect === true ? 1 : 0))
      : null,
    tokensPerQuestion: {
      input: mean(
        questions,
        (question) => question.answerUsage.inputTokens + (question.judgeUsage?.inputTokens ?? 0),
      ),
      output: mean(
        questions,
        (question) => question.answerUsage.outputTokens + (question.judgeUsage?.outputTokens ?? 0),
      ),
    },
    latencyMs:
      latencies.length === 0
        ? { p50: 0, p95: 0 }
        : { p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
  };
}

/**
 * Groups questions by category (sorted by name) and scores each group.
 *
 * @example
 * scoreQaCategories({ questions, judged: true })['2']?.judgeAccuracy;
 */
export function scoreQaCategories(options: {
  questions: readonly QaQuestionResult[];
  judged: boolean;
}): Record<string, QaScores> {
  const groups = new Map<string, QaQuestionResult[]>();
  for (const question of options.questions) {
    const group = groups.get(question.category) ?? [];
    group.push(question);
    groups.set(question.category, group);
  }
  const byCategory: Record<string, QaScores> = {};
  for (const [category, group] of [...groups].sort(([left], [right]) => left.localeCompare(right))) {
    byCategory[category] = scoreQaQuestions({ questions: group, judged: options.judged });
  }
  return byCategory;
}

/**
 * Mean tokens per question of each step (answer, judge) and the sums over the run.
 *
 * @example
 * const { perQuestion, total } = sumQaTokens(result.questions);
 */
export function sumQaTokens(questions: readonly QaQuestionResult[]): {
  perQuestion: { answer: TokenMeans; judge: TokenMeans };
  total: { input: number; output: number; calls: number };
} {
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
  const count = Math.max(1, questions.length);
  return {
    perQuestion: {
      answer: { input: answer.input / count, output: answer.output / count },
      judge: { input: judge.input / count, output: judge.output / count },
    },
    total: {
      input: answer.input + judge.input,
      output: answer.output + judge.output,
      calls: sum((question) => question.answerUsage.calls + (question.judgeUsage?.calls ?? 0)),
    },
  };
}
