// `mnemo demo`: ingests the bundled sample conversation into a temporary store and shows recall.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { z } from 'zod';
import { invalidInput } from '../../core/errors.js';
import { createMemory } from '../../sdk/create-memory.js';
import { embedderFromEnvironment } from '../cli-context.js';
import { formatExplanation, groundedDateLabels, printJson, printLines, shortDate } from '../output.js';

const sampleSchema = z.object({
  title: z.string(),
  userId: z.string(),
  sessions: z.array(
    z.object({
      id: z.string(),
      date: z.string(),
      messages: z.array(z.object({ speaker: z.string(), text: z.string() })),
    }),
  ),
  queries: z.array(z.string()),
});
export type SampleConversation = z.infer<typeof sampleSchema>;

/** The bundled sample: `assets/sample-conversation.json`, two folders above `dist/cli/commands/…`'s parent. */
export function sampleConversationPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // src/cli/commands or dist/cli/commands → the package root is three levels up.
  return path.resolve(here, '..', '..', '..', 'assets', 'sample-conversation.json');
}

/** Loads and validates the bundled sample conversation. */
export async function loadSampleConversation(file = sampleConversationPath()): Promise<SampleConversation> {
  const parsed = sampleSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success)
    throw invalidInput(`${file} is not a valid sample conversation: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

interface DemoFlags {
  keep?: string | undefined;
  json?: boolean | undefined;
}

/** Registers `demo` on `program`. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('remember a sample conversation and recall from it (uses a temporary store)')
    .option('--keep <path>', 'write the demo store to this file and keep it')
    .option('--json', 'print the recalled results as JSON')
    .action(async (flags: DemoFlags) => {
      const sample = await loadSampleConversation();
      const directory =
        flags.keep === undefined ? await mkdtemp(path.join(os.tmpdir(), 'mnemo-demo-')) : undefined;
      const store = flags.keep ?? path.join(directory ?? '', 'demo.db');
      try {
        await runDemo({ sample, store, json: flags.json === true });
      } finally {
        if (directory !== undefined) await rm(directory, { recursive: true, force: true });
      }
    });
}

async function runDemo(input: { sample: SampleConversation; store: string; json: boolean }): Promise<void> {
  const { sample } = input;
  const memory = await createMemory({
    store: input.store,
    embedder: embedderFromEnvironment(),
    actor: 'demo',
  });
  try {
    let stored = 0;
    for (const session of sample.sessions) {
      const start = Date.parse(session.date);
      const messages = session.messages.map((message, index) => ({
        role: 'user' as const,
        name: message.speaker,
        content: message.text,
        observedAt: start + index * 60_000,
      }));
      const result = await memory.add(messages, { userId: sample.userId, sessionId: session.id });
      stored += result.memories.length;
    }
    const answers = [];
    for (const query of sample.queries) {
      const response = await memory.search(query, { userId: sample.userId, limit: 3, explain: true });
      answers.push({ query, results: response.results });
    }
    if (input.json) {
      printJson({ store: input.store, stored, answers });
      return;
    }
    printLines(
      `Remembered ${stored} turns of "${sample.title}" (${sample.sessions.length} sessions) in ${input.store}`,
      '',
    );
    for (const answer of answers) {
      const top = answer.results[0];
      printLines(`? ${answer.query}`);
      if (top === undefined) {
        printLines('  (nothing recalled)', '');
        continue;
      }
      const dates = groundedDateLabels(top.memory);
      printLines(
        `  ${top.memory.source.attributedTo ?? 'someone'} on ${shortDate(top.memory.observedAt)}: ${top.memory.text}`,
        ...(dates.length > 0 ? [`  dates: ${dates.join('; ')}`] : []),
        `  score ${top.score.toFixed(3)}${top.explanation === undefined ? '' : `: ${formatExplanation(top.explanation)}`}`,
        '',
      );
    }
  } finally {
    await memory.close();
  }
}
