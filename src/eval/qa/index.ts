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
export { bleu1, normalizeAnswerTokens, tokenF1 } from './answer-scores.js';
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
  createQaLanguageModel,
  type QaGenerateOptions,
  type QaGenerateResult,
  type QaLanguageModel,
  type QaLanguageModelOptions,
  stripThinking,
} from './qa-language-model.js';
export {
  type QaItem,
  type QaQuestionResult,
  type QaScores,
  type RunQaOptions,
  type RunQaResult,
  runQa,
  type TokenMeans,
} from './run-qa.js';
