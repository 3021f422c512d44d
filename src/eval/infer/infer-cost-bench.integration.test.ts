// The cost benchmark on a tiny LoCoMo-shaped fixture: one call per batch, bounded prompts, a readable report.
import { describe, expect, it } from 'vitest';
import { parseLocomo } from '../datasets/locomo.js';
import { formatInferCostReport, runInferCostBench } from './infer-cost-bench.js';

const turns = Array.from({ length: 10 }, (_, index) => ({
  speaker: index % 2 === 0 ? 'Caroline' : 'Melanie',
  dia_id: `D1:${index + 1}`,
  text:
    index % 3 === 0
      ? 'Hi!'
      : `I went to the pottery class number ${index} and painted a big blue vase there.`,
}));
const samples = parseLocomo([
  {
    sample_id: 'conv-test',
    conversation: {
      speaker_a: 'Caroline',
      speaker_b: 'Melanie',
      session_1_date_time: '1:56 pm on 8 May, 2023',
      session_1: turns,
    },
    qa: [],
  },
]);

describe('runInferCostBench', () => {
  it('makes one LLM call per batch and never shows more known memories than the limit', async () => {
    const options = { samples, batchSize: 3, maxExistingMemories: 2, maxPreviousTurns: 2, prefill: 30 };
    const result = await runInferCostBench(options);
    expect(result.turns).toBe(10);
    expect(result.batches.map((batch) => batch.llmCalls)).toEqual([1, 1, 1, 1]);
    expect(result.serverRequests).toBe(4);
    expect(Math.max(...result.batches.map((batch) => batch.knownShown))).toBe(2);
    // Six substantive turns; near-duplicates of the prefilled notes may be dropped.
    expect(result.memoriesWritten).toBeGreaterThan(0);
    expect(result.memoriesWritten).toBeLessThanOrEqual(6);
    expect(result.batches[0]!.storeSize).toBe(30);
    const report = formatInferCostReport(result, options);
    expect(report).toContain('| LLM calls per batch (max / mean) | 1 / 1.00 |');
  });
});
