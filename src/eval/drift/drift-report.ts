// The drift benchmark's human-readable report: the stream, a before/after table, what maintain() did and
// cost, the per-type breakdown and the targets.
import { formatTable } from '../bench/report.js';
import type { DriftBenchReport } from './drift-bench.js';
import { type DriftMeasurement, driftTypeKeys, replacingTypes } from './drift-metrics.js';

/**
 * Renders a drift report as text lines: before/after table first, details after.
 *
 * @example
 * process.stdout.write(`${formatDriftReport(await runDriftBench({ users: 1, months: 3 })).join('\n')}\n`);
 */
export function formatDriftReport(report: DriftBenchReport): string[] {
  const { before, after, maintain } = report;
  const byType = report.statementsByType;
  const restatements = driftTypeKeys
    .filter((key) => key.startsWith('restatement/'))
    .map((key) => `${key.slice('restatement/'.length)} ${byType[key]}`);
  const lines = [
    `Drift: seed ${report.seed}, ${plural(report.users, 'user')} x ${plural(report.months, 'month')}, ${report.statements} statements ` +
      `(new ${byType.new}, restated ${restatements.join(' / ')}, change ${byType.change}, flip ${byType.flip}, ` +
      `correction ${byType.correction})`,
    `Store ${report.store}, embedder ${report.embedder}, ${report.llm === null ? 'offline (no LLM)' : `LLM ${report.llm}`}; ` +
      `ingest ${report.ingest.ms} ms, ${report.ingest.embeddingCalls} embedding calls`,
    '',
    ...formatTable([
      ['metric', 'before', 'after'],
      ['current memories', String(before.currentMemories), String(after.currentMemories)],
      [
        'duplicate rate',
        share(before.duplicates, before.currentMemories),
        share(after.duplicates, after.currentMemories),
      ],
      [
        'stale-fact rate',
        share(before.stale, before.currentMemories),
        share(after.stale, after.currentMemories),
      ],
      [
        'recall of current truths',
        share(before.truthsRecalled, before.truths),
        share(after.truthsRecalled, after.truths),
      ],
      [`search recall@${before.searchRecall?.k ?? '-'}`, searchShare(before), searchShare(after)],
      ['conflated memories', String(before.conflated), String(after.conflated)],
    ]),
    '',
    `maintain: ${plural(maintain.runs, 'run')}, ${maintain.ms} ms${maintain.complete ? '' : ' (work left)'}, ` +
      `${maintain.examined} memories examined; ` +
      `merged ${maintain.merged} (offline ${maintain.mergedBy.offline}, llm ${maintain.mergedBy.llm}), ` +
      `superseded ${maintain.superseded} (negation ${maintain.supersededBy.negation}, relation ` +
      `${maintain.supersededBy.relation}, llm ${maintain.supersededBy.llm}), refused ${maintain.refused}, ` +
      `archived ${maintain.archived}, insights ${maintain.insights}`,
    `maintain cost: ${maintain.usage.llmCalls} LLM calls, ${maintain.usage.inputTokens} input / ` +
      `${maintain.usage.outputTokens} output tokens, ${maintain.usage.embeddingCalls} embedding calls`,
    '',
    ...formatTable([
      ['statements by type', 'count', 'represented', 'redundant', 'stale', 'with restated'],
      ...driftTypeKeys.map((key) => {
        const [was, is] = [before.byType[key], after.byType[key]];
        return [
          key,
          String(was.statements),
          `${was.represented} -> ${is.represented}`,
          `${was.redundant} -> ${is.redundant}`,
          `${was.stale} -> ${is.stale}`,
          key.startsWith('restatement/') ? `${was.withRestated} -> ${is.withRestated}` : '',
        ];
      }),
    ]),
    '',
    ...formatTable([
      ['replaced values still current', 'values', 'before', 'after'],
      ...replacingTypes.map((type) => [
        `replaced by a ${type}`,
        String(before.staleBy[type].statements),
        String(before.staleBy[type].stillCurrent),
        String(after.staleBy[type].stillCurrent),
      ]),
    ]),
    `replaced values still current, by slot: ${Object.entries(after.staleByFamily)
      .map(
        ([family, counts]) =>
          `${family} ${before.staleByFamily[family]?.stillCurrent ?? 0} -> ${counts.stillCurrent}`,
      )
      .join(', ')}`,
    '',
    ...formatTable([
      ['target (after maintain)', 'measured', 'result'],
      ...report.targets.map((check) => [check.target, check.measured, check.pass ? 'PASS' : 'MISS']),
    ]),
  ];
  if (report.truthsLost.length > 0) {
    lines.push(
      '',
      `Lost: ${report.truthsLost.map((truth) => `${truth.userId}/${truth.slot}=${truth.value}`).join(', ')}`,
    );
  }
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  return lines;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function share(part: number, whole: number): string {
  const percent = whole === 0 ? 0 : (part / whole) * 100;
  return `${percent.toFixed(1)} % (${part}/${whole})`;
}

function searchShare(measurement: DriftMeasurement): string {
  const recall = measurement.searchRecall;
  return recall === null ? '-' : share(recall.hits, recall.questions);
}
