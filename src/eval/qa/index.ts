// The QA mode of the LoCoMo/LongMemEval benchmarks: answer from retrieved memories, score, judge.
export {
  type AnswerQuestionOptions,
  type AnswerQuestionResult,
  answerQuestion,
  answerSystemPrompt,
  buildAnswerPrompt,
  type QaMemory,
  type QaUsage,
} from './answer-question.js';
export { bleu1, normalizeAnswerTokens, saysNotMentioned, tokenF1 } from './answer-scores.js';
export {
  type GenerateQaTextOptions,
  generateQaText,
  type QaGenerateResult,
  stripThinking,
} from './generate-qa-text.js';
export {
  buildJudgePrompt,
  type JudgeAnswerOptions,
  type JudgeAnswerResult,
  type JudgePromptInput,
  judgeAnswer,
  judgeSystemPrompt,
  parseJudgeVerdict,
  type QaDataset,
} from './judge-answer.js';
export {
  type QaQuestionResult,
  type QaScores,
  scoreQaCategories,
  scoreQaQuestions,
  sumQaTokens,
  type TokenMeans,
} from './qa-summary.js';
export {
  createQaRun,
  type QaItem,
  type QaRun,
  type QaRunOptions,
  type RunQaOptions,
  type RunQaResult,
  runQa,
} from './run-qa.js';
