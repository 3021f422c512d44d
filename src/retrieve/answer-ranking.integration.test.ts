// Answers over questions, end to end: a conversation logged through the SDK, where the question turn and
// the turn that answers it both match the query.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createMemory, type Memory } from '../sdk/create-memory.js';
import { createTempDatabase } from '../sdk/test-support/inference-fixture.js';

let database: ReturnType<typeof createTempDatabase>;
let memory: Memory;

beforeEach(async () => {
  database = createTempDatabase('mnemo-answers-');
  memory = await createMemory({ store: database.path });
});
afterEach(async () => {
  await memory.close();
  database.cleanup();
});

const session = [
  ['Jonas', "I'm back from Japan. We got home last Tuesday and I'm still jet-lagged."],
  ['Maya', 'Congratulations! Biscuit and I raised a glass of vinho verde to you.'],
  ['Jonas', 'How is Biscuit anyway?'],
  ['Maya', 'He hurt his paw on the beach last week, the vet says he must rest for two weeks. He hates it.'],
  ['Jonas', 'Poor Biscuit. Give him a treat from me.'],
] as const;

it.each([
  ['How is Biscuit?', 'He hurt his paw on the beach'],
  ['what happened to Biscuit', 'He hurt his paw on the beach'],
])('for %j the answer outranks the question that asked it', async (query, answer) => {
  await memory.add(
    session.map(([name, content], index) => ({
      role: 'user' as const,
      name,
      content,
      observedAt: Date.parse('2024-04-28T20:15:00Z') + index * 60_000,
    })),
    { userId: 'maya', sessionId: 'session-3' },
  );
  const { results } = await memory.search(query, { userId: 'maya', explain: true });
  const texts = results.map((result) => result.memory.text);
  const answerAt = texts.findIndex((text) => text.startsWith(answer));
  const questionAt = texts.indexOf('How is Biscuit anyway?');
  expect(answerAt).toBeGreaterThanOrEqual(0);
  expect(questionAt === -1 || answerAt < questionAt).toBe(true);
});
