// The QA benchmark's LLM judge: per-dataset judge prompts and a tolerant yes/no verdict parser.
import type { LanguageModel } from '../../models/language-model.js';
import type { QaUsage } from './answer-question.js';
import { generateQaText, stripThinking } from './generate-qa-text.js';

export type QaDataset = 'locomo' | 'longmemeval';

export interface JudgeAnswerOptions {
  llm: LanguageModel;
  question: string;
  /** The gold answer (LongMemEval preference questions: the rubric; abstention questions: the explanation). */
  reference: string;
  prediction: string;
  dataset: QaDataset;
  /** LongMemEval's `question_type` (e.g. `temporal-reasoning`); selects the judge prompt. */
  questionType?: string | undefined;
  /**
   * A question the memories cannot answer (LongMemEval `_abs`, LoCoMo category 5 adversarial): correct
   * when the answer declines.
   */
  abstention?: boolean | undefined;
  /** LoCoMo adversarial questions: the wrong answer the question tempts (`adversarial_answer`). */
  adversarialAnswer?: string | undefined;
  /** Upper bound on the judge's tokens (default 32). */
  maxOutputTokens?: number | undefined;
  abortSignal?: AbortSignal | undefined;
}

/** What a judge prompt is built from. */
export type JudgePromptInput = Pick<
  JudgeAnswerOptions,
  'question' | 'reference' | 'prediction' | 'dataset' | 'questionType' | 'abstention' | 'adversarialAnswer'
>;

export interface JudgeAnswerResult {
  correct: boolean;
  /** False when no yes/no could be read from the judge's reply; the answer then counts as wrong. */
  parsed: boolean;
  /** The judge's reply, for reports. */
  raw: string;
  usage: QaUsage;
}

/** The judge's system prompt; the answerer's differs, so a scripted test server can tell them apart. */
export const judgeSystemPrompt =
  'You grade answers for a long-term memory benchmark. Reply with a single word: yes or no.';

const closing = 'Is the model response correct? Answer yes or no only.';

function slots(options: { question: string; reference: string; prediction: string }, label: string): string {
  return `Question: ${options.question}\n\n${label}: ${options.reference}\n\nModel Response: ${options.prediction}`;
}

const containsAnswer =
  'I will give you a question, a correct answer, and a response from a model. Please answer yes if the ' +
  'response contains the correct answer. Otherwise, answer no. If the response is equivalent to the ' +
  'correct answer or contains all the intermediate steps to get the correct answer, you should also answer ' +
  'yes. If the response only contains a subset of the information required by the answer, answer no.';

/** LongMemEval's judge prompts, one per question type, after the paper's evaluation script. */
function longMemEvalPrompt(options: JudgePromptInput): string {
  if (options.abstention === true) {
    return (
      'I will give you an unanswerable question, an explanation, and a response from a model. Please answer ' +
      'yes if the model correctly identifies the question as unanswerable. The model could say that the ' +
      'information is incomplete, or some other information is given but the asked information is not.' +
      `\n\n${slots(options, 'Explanation')}\n\n` +
      'Does the model correctly identify the question as unanswerable? Answer yes or no only.'
    );
  }
  switch (options.questionType) {
    case 'temporal-reasoning':
      return (
        `${containsAnswer} In addition, do not penalize off-by-one errors for the number of days. If the ` +
        'question asks for the number of days/weeks/months, etc., and the model makes off-by-one errors ' +
        "(e.g., predicting 19 days when the answer is 18), the model's response is still correct." +
        `\n\n${slots(options, 'Correct Answer')}\n\n${closing}`
      );
    case 'knowledge-update':
      return (
        'I will give you a question, a correct answer, and a response from a model. Please answer yes if the ' +
        'response contains the correct answer. Otherwise, answer no. If the response contains some previous ' +
        'information along with an updated answer, the response should be considered as correct as long as ' +
        `the updated answer is the required answer.\n\n${slots(options, 'Correct Answer')}\n\n${closing}`
      );
    case 'single-session-preference':
      return (
        'I will give you a question, a rubric for desired personalized response, and a response from a model. ' +
        'Please answer yes if the response satisfies the desired response. Otherwise, answer no. The model ' +
        'does not need to reflect all the points in the rubric. The response is correct as long as it recalls ' +
        "and utilizes the user's personal information correctly." +
        `\n\n${slots(options, 'Rubric')}\n\n${closing}`
      );
    default:
      return `${containsAnswer}\n\n${slots(options, 'Correct Answer')}\n\n${closing}`;
  }
}

/** A generous LoCoMo judge in the style of Mem0's LLM-judge: same topic, same date or period is enough. */
function locomoPrompt(options: JudgePromptInput): string {
  return (
    'I will give you a question about what one person should remember from earlier conversations with ' +
    'another, a gold answer, and a generated answer. Be generous: answer yes if the generated answer refers ' +
    'to the same thing as the gold answer, even if it is longer, worded differently or adds details that ' +
    'do not contradict it. For time questions, answer yes if it names the same date or period in any format ' +
    '(e.g. "May 7th" and "7 May 2023", or a relative reference that resolves to it). Answer no if it ' +
    'misses the gold answer, contradicts it, or says the information is unavailable.' +
    `\n\nQuestion: ${options.question}\n\nGold Answer: ${options.reference}\n\n` +
    `Generated Answer: ${options.prediction}\n\nIs the generated answer correct? Answer yes or no only.`
  );
}

/** LoCoMo's adversarial questions: right when the answer says the information is not there. */
function locomoAbstentionPrompt(options: JudgePromptInput): string {
  const tempting =
    options.adversarialAnswer === undefined || options.adversarialAnswer.trim() === ''
      ? ''
      : `, such as "${options.adversarialAnswer.trim()}"`;
  return (
    'I will give you a question that the conversation cannot answer (it asks about something that was ' +
    'never said, or attributes it to the wrong person) and a response from a model. Please answer yes if ' +
    'the response says that the information is not available or not mentioned. Answer no if the response ' +
    `gives an answer instead${tempting}.` +
    `\n\nQuestion: ${options.question}\n\nModel Response: ${options.prediction}\n\n` +
    'Does the model correctly say that the information is not available? Answer yes or no only.'
  );
}

/**
 * The judge's user prompt for one question.
 *
 * @example
 * buildJudgePrompt({ dataset: 'longmemeval', questionType: 'temporal-reasoning', question, reference, prediction });
 */
export function buildJudgePrompt(options: JudgePromptInput): string {
  if (options.dataset === 'longmemeval') return longMemEvalPrompt(options);
  return options.abstention === true ? locomoAbstentionPrompt(options) : locomoPrompt(options);
}

const positive = new Set(['yes', 'correct', 'true', 'right']);
const verdictWords = /\b(not correct|incorrect|wrong|yes|no|correct|true|false|right)\b/g;
const leadingVerdict =
  /^[\s*_`"'#>([{:-]*(?:label|verdict|answer)?["'\s:]*(yes|no|correct|incorrect|wrong|true|false)\b/;

/**
 * Reads a yes/no verdict from a judge's reply: a leading yes/no (also CORRECT/WRONG, true/false, markdown
 * or JSON like `{"label": "CORRECT"}`) wins; otherwise the last verdict word in the reply; `<think>` blocks
 * are ignored. Returns `undefined` when the reply holds no verdict.
 *
 * @example
 * parseJudgeVerdict('**Yes.** The response names Lisbon.'); // true
 * parseJudgeVerdict('The response mentions Porto, so the answer is no'); // false
 */
export function parseJudgeVerdict(reply: string): boolean | undefined {
  const text = stripThinking(reply).toLowerCase();
  const leading = leadingVerdict.exec(text);
  if (leading?.[1] !== undefined) return positive.has(leading[1]);
  const words = [...text.matchAll(verdictWords)];
  const last = words[words.length - 1]?.[1];
  return last === undefined ? undefined : positive.has(last);
}

/**
 * Asks the language model whether `prediction` answers `question` as `reference` does, with the judge
 * prompt of the dataset (LongMemEval: the per-question-type prompts of the paper; LoCoMo: a generous
 * semantic-equivalence judge, and for adversarial questions "does it say the information is not
 * available"). An unreadable reply counts as wrong and is flagged `parsed: false`.
 *
 * @example
 * const { correct } = await judgeAnswer({ llm, dataset: 'locomo', question: 'Where does Ana live?',
 *   reference: 'Lisbon', prediction: 'She lives in Lisbon, Portugal.' });
 */
export async function judgeAnswer(options: JudgeAnswerOptions): Promise<JudgeAnswerResult> {
  const result = await generateQaText({
    llm: options.llm,
    system: judgeSystemPrompt,
    prompt: buildJudgePrompt(options),
    maxOutputTokens: options.maxOutputTokens ?? 32,
    abortSignal: options.abortSignal,
  });
  const verdict = parseJudgeVerdict(result.text);
  return {
    correct: verdict === true,
    parsed: verdict !== undefined,
    raw: result.text,
    usage: {
      inputTokens: result.inputTokens,
      outputTokens: result.outputTokens,
      calls: 1,
      latencyMs: result.latencyMs,
    },
  };
}
