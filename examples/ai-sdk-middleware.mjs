// Runnable example: give an AI SDK model long-term memory with mnemoMiddleware (offline, with a mock model).
// Run after `npm run build`: node examples/ai-sdk-middleware.mjs
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import { createMemory } from '../dist/index.js';
import { mnemoMiddleware } from '../dist/middleware/mnemo-middleware.js';

const dir = await mkdtemp(path.join(os.tmpdir(), 'mnemo-example-'));
const memory = await createMemory({ store: path.join(dir, 'memory.db') });

// Something the user said in an earlier conversation.
await memory.add('My sister Ingrid lives in Bergen and keeps goats', { userId: 'alice' });

// Replace the mock with any AI SDK model, e.g. createOpenAICompatible({ ... }).chatModel('llama3.1').
const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};
const finishReason = { unified: 'stop', raw: 'stop' };
const baseModel = new MockLanguageModelV3({
  doGenerate: { content: [{ type: 'text', text: 'Ingrid lives in Bergen.' }], finishReason, usage, warnings: [] },
  doStream: {
    stream: simulateReadableStream({
      chunks: [
        { type: 'text-start', id: 't' },
        { type: 'text-delta', id: 't', delta: 'She keeps goats.' },
        { type: 'text-end', id: 't' },
        { type: 'finish', finishReason, usage },
      ],
    }),
  },
});

const model = wrapLanguageModel({
  model: baseModel,
  middleware: mnemoMiddleware({
    memory,
    scope: { userId: 'alice', sessionId: 'chat-1' },
    budgetTokens: 500,
    onError: (error, { stage }) => console.error(`memory ${stage} failed:`, error),
  }),
});

const { text } = await generateText({ model, prompt: 'Where does my sister live?' });
console.log('answer:', text);
const [system] = baseModel.doGenerateCalls[0].prompt;
console.log(`injected ${system.role} message:\n${system.content}`);

const stream = streamText({ model, prompt: 'What animals does Ingrid keep?' });
console.log('streamed answer:', await stream.text);

const { items } = await memory.list({ userId: 'alice', sessionId: 'chat-1' });
console.log('recorded this session:', items.map((item) => `${item.source.origin}: ${item.text}`));

await memory.close();
await rm(dir, { recursive: true, force: true });
