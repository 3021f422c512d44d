// maintain() with a language model (a scripted mock): paraphrases merged in one batched call behind the loss
// guard, a lossy merge refused, insights reflected with citations and labelled as derived in context(), an
// insight re-checked when its evidence is forgotten, and the LLM budget.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import type { MemoryRecord } from '../core/records.js';
import type { GenerateOptions } from '../models/language-model.js';
import { createMockLanguageModel, type MockLanguageModel } from '../testing/mock-language-model.js';
import type { Memory } from './create-memory.js';
import { type SdkBackend, sdkBackends } from './test-support/sdk-backends.js';

const backends = sdkBackends('maintain with an LLM', 'mnemo-maintain-llm-');
const h = { userId: 'h' };

/** The ids and texts the prompt showed, by text. */
function shown(options: GenerateOptions): Map<string, string> {
  const prompt = options.messages.map((message) => message.content).join('\n');
  const ids = new Map<string, string>();
  for (const match of prompt.matchAll(/\[([0-9a-f-]{36})\] \([^)]*\) (.+)/g))
    ids.set(match[2]!.trim(), match[1]!);
  return ids;
}

describe.each(backends)('maintain() with an LLM on %s', (_name, makeBackend) => {
  let backend: SdkBackend;
  let memory: Memory;
  let llm: MockLanguageModel;
  const clock = createFixedClock('2025-03-01T09:00:00Z');
  const fact = async (text: string) => {
    const { memories } = await memory.add(text, { ...h, kind: 'fact', importance: 0.7 });
    clock.advance(60_000);
    return memories[0]!;
  };
  const answers: Record<string, (options: GenerateOptions) => unknown> = {};

  beforeEach(async () => {
    clock.set('2025-03-01T09:00:00Z');
    backend = makeBackend();
    llm = createMockLanguageModel({
      responses: Array.from({ length: 20 }, () => ({ options }: { options: GenerateOptions }) => {
        const name = options.responseFormat?.name ?? '';
        return JSON.stringify(answers[name]?.(options) ?? {});
      }),
    });
    memory = await backend.open({ clock, llm, summaries: false });
  });
  afterEach(async () => {
    await memory.close();
    await backend.cleanup();
    for (const key of Object.keys(answers)) delete answers[key];
  });

  it('merges a paraphrase the model proposes and refuses one that drops a detail, in one call', async () => {
    const coffee = await fact('I drink coffee every morning');
    const coffeeAgain = await fact('Every morning I have a cup of coffee');
    const kids = await fact('My daughter is 7 years old');
    const kidsAgain = await fact('My daughter turned 7 this spring');
    answers.memory_consolidation = (options) => {
      const ids = shown(options);
      return {
        merges: [
          {
            ids: [ids.get(coffee.text), ids.get(coffeeAgain.text)],
            text: 'I drink a cup of coffee every morning',
          },
          { ids: [ids.get(kids.text), ids.get(kidsAgain.text)], text: 'My daughter is 8 years old' },
          { ids: ['not-an-id'], text: 42 },
        ],
      };
    };
    const report = await memory.maintain({ ...h, steps: ['consolidate'] });
    expect(llm.calls.filter((call) => call.responseFormat?.name === 'memory_consolidation')).toHaveLength(1);
    expect(report.merged).toEqual([
      expect.objectContaining({ by: 'llm', text: 'I drink a cup of coffee every morning' }),
    ]);
    expect(report.merged[0]!.sources.sort()).toEqual([coffee.id, coffeeAgain.id].sort());
    expect(report.refused).toEqual([
      expect.objectContaining({ by: 'llm', ids: expect.arrayContaining([kids.id, kidsAgain.id]) }),
    ]);
    expect(report.refused[0]!.missing).toContain('7');
    expect(report.usage.llmCalls).toBe(1);
    expect(report.usage.inputTokens).toBeGreaterThan(0);
    const texts = (await memory.list({ ...h, kinds: ['fact'] })).items.map((record) => record.text).sort();
    expect(texts).toEqual([
      'I drink a cup of coffee every morning',
      'My daughter is 7 years old',
      'My daughter turned 7 this spring',
    ]);
    expect((await memory.usage(h)).llmCalls).toBe(1);
  });

  it('reflects an insight that cites its sources, shows it as derived, and retires it when its evidence goes', async () => {
    const facts: MemoryRecord[] = [];
    for (const text of [
      'I run 10 km every Saturday',
      'I signed up for the Berlin marathon in September',
      'I bought new running shoes',
      'I stopped eating sweets before races',
      'My coach planned long runs on Sundays',
      'I track my pace with a watch',
      'I stretch after every run',
      'I sleep eight hours before long runs',
      'I joined a running club',
      'I read a book about marathon training',
    ]) {
      facts.push(await fact(text));
    }
    answers.memory_reflection = (options) => {
      const ids = shown(options);
      return {
        insights: [
          {
            text: 'Is training for a marathon',
            sources: [ids.get(facts[1]!.text), ids.get(facts[4]!.text)],
            confidence: 0.85,
          },
          { text: 'Cites nothing real', sources: ['made-up'], confidence: 0.9 },
        ],
      };
    };
    const report = await memory.maintain({ ...h, steps: ['reflect'] });
    expect(report.insights.written).toEqual([
      { id: expect.any(String), text: 'Is training for a marathon', sources: [facts[1]!.id, facts[4]!.id] },
    ]);
    const insight = await memory.get(report.insights.written[0]!.id, h);
    expect(insight).toMatchObject({ kind: 'insight', confidence: 0.85, source: { origin: 'system' } });
    const { text, items } = await memory.context('what is she training for', { ...h, budgetTokens: 2_000 });
    const item = items.find((entry) => entry.id === insight.id);
    expect(item?.derivedFrom).toEqual([facts[1]!.id, facts[4]!.id]);
    expect(text).toContain('derived from 2 memories');

    // Nothing new: no reflection is due, and no call is made.
    const calls = llm.calls.length;
    await memory.maintain({ ...h, steps: ['reflect'] });
    expect(llm.calls.length).toBe(calls);

    await memory.forget(facts[1]!.id, h);
    answers.memory_reflection = (options) => {
      const prompt = options.messages[0]!.content;
      expect(prompt).toContain(`[${insight.id}] Is training for a marathon`);
      return { recheck: [{ id: insight.id, keep: false }] };
    };
    const recheck = await memory.maintain({ ...h, steps: ['reflect'] });
    expect(recheck.insights.retired).toEqual([insight.id]);
    expect((await memory.list({ ...h, kinds: ['insight'] })).items).toEqual([]);
  });

  it('makes no model call with maxLlmCalls 0, and says what it left', async () => {
    await fact('I drink coffee every morning');
    await fact('Every morning I have a cup of coffee');
    for (let index = 0; index < 10; index++) await fact(`Note ${index} about my garden`);
    const report = await memory.maintain({ ...h, maxLlmCalls: 0 });
    expect(llm.calls).toHaveLength(0);
    expect(report.remaining.reflections).toBe(1);
    expect(report.complete).toBe(false);
  });
});
