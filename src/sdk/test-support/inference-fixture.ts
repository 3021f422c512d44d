// Test support for the SDK's inference features: a temp SQLite file and a mock model that answers extraction
// and summary requests by their schema name, recording which turns each call saw.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GenerateOptions } from '../../models/language-model.js';
import { createMockLanguageModel, type MockLanguageModel } from '../../testing/index.js';

export interface RoutingModel extends MockLanguageModel {
  /** The NEW TURNS of every extraction call, in order (turn contents). */
  readonly extractions: string[][];
  /** The user prompt of every summary call, in order. */
  readonly summaries: string[];
}

export interface RoutingHandlers {
  /** The extraction answer for these new turns (default: no operations). */
  extract?: ((turns: string[]) => string) | undefined;
  /** The summary answer (default: a summary naming the first new message). */
  summarize?: ((prompt: string) => string) | undefined;
}

/** The turn contents of an extraction prompt's NEW TURNS section. */
export function newTurnsOf(prompt: string): string[] {
  const section = prompt.split('NEW TURNS:\n')[1] ?? '';
  return section
    .split('\n')
    .filter((line) => /^\[\d+\] /.test(line))
    .map((line) => line.replace(/^\[\d+\] .*? \((user|assistant|system|tool)\): /, ''));
}

/**
 * A mock LanguageModel that routes by `responseFormat.name`: `memory_operations` (extraction) and
 * `session_summary` (summaries).
 *
 * @example
 * const llm = createRoutingModel({ extract: (turns) => operations([{ op: 'ADD', kind: 'fact', text: turns[0] }]) });
 */
export function createRoutingModel(handlers: RoutingHandlers = {}): RoutingModel {
  const extractions: string[][] = [];
  const summaries: string[] = [];
  const route = (options: GenerateOptions): string => {
    const prompt = options.messages.map((message) => message.content).join('\n');
    if (options.responseFormat?.name === 'session_summary') {
      summaries.push(prompt);
      return handlers.summarize?.(prompt) ?? JSON.stringify({ summary: `Summary #${summaries.length}.` });
    }
    const turns = newTurnsOf(prompt);
    extractions.push(turns);
    return handlers.extract?.(turns) ?? JSON.stringify({ operations: [] });
  };
  const model = createMockLanguageModel({
    responses: Array.from({ length: 500 }, () => (call: { options: GenerateOptions }) => route(call.options)),
  });
  return Object.assign(model, { extractions, summaries });
}

/** An extraction answer with these operations. */
export function operations(list: unknown[]): string {
  return JSON.stringify({ operations: list });
}

/** A temp directory with a database path; `cleanup()` removes it. */
export function createTempDatabase(prefix = 'mnemo-sdk-'): { path: string; cleanup(): void } {
  const directory = mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    path: path.join(directory, 'mnemo.db'),
    cleanup: () => rmSync(directory, { recursive: true, force: true }),
  };
}
