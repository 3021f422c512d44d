// Human and JSON output of the CLI: tables of memories, grounded dates, explanations, the working set
// (core blocks, working memory, profile, context), progress bars.
import cliProgress from 'cli-progress';
import type { ContextResult } from '../context/assemble-context.js';
import type { CoreBlock } from '../context/core-blocks.js';
import type { HistoryEntry, JsonValue, MemoryRecord, WorkingEntry } from '../core/records.js';
import type { Scope } from '../core/scope.js';
import type { Profile } from '../ingest/infer/get-profile.js';
import type { SearchExplanation, SearchResult } from '../retrieve/search-result.js';

/** Writes one value as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
}

/** Writes lines on stdout. */
export function printLines(...lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Float32Array) return Array.from(value);
  return value;
}

/** The readable labels of a memory's grounded dates (`attributes.dates[].label`). */
export function groundedDateLabels(memory: MemoryRecord): string[] {
  const dates = memory.attributes.dates;
  if (!Array.isArray(dates)) return [];
  const labels: string[] = [];
  for (const date of dates) {
    if (date !== null && typeof date === 'object' && !Array.isArray(date)) {
      const label = date.label;
      const text = date.text;
      if (typeof label !== 'string') continue;
      labels.push(typeof text === 'string' && text !== label ? `${text} → ${label}` : label);
    }
  }
  return labels;
}

/** `2024-05-10` from an ISO time. */
export function shortDate(iso: string | undefined): string {
  return iso === undefined ? '-' : iso.slice(0, 10);
}

function truncate(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= width ? flat : `${flat.slice(0, width - 1)}…`;
}

/** One line per memory: id, date, kind, text. */
export function formatMemoryLine(memory: MemoryRecord): string {
  const retired = memory.retiredAt === undefined ? '' : ' (retired)';
  return `${memory.id}  ${shortDate(memory.observedAt)}  ${memory.kind.padEnd(8)} ${truncate(memory.text, 100)}${retired}`;
}

/** A memory in full, for `get`. */
export function formatMemoryDetail(memory: MemoryRecord): string[] {
  const lines = [
    `id:          ${memory.id}`,
    `kind:        ${memory.kind}`,
    `text:        ${memory.text}`,
    `observed:    ${memory.observedAt}`,
    `importance:  ${memory.importance}`,
    `confidence:  ${memory.confidence}`,
    `created:     ${memory.createdAt}`,
  ];
  const dates = groundedDateLabels(memory);
  if (dates.length > 0) lines.push(`dates:       ${dates.join('; ')}`);
  if (memory.source.attributedTo !== undefined) lines.push(`said by:     ${memory.source.attributedTo}`);
  if (memory.retiredAt !== undefined) lines.push(`retired:     ${memory.retiredAt}`);
  if (memory.supersededBy !== undefined) lines.push(`replaced by: ${memory.supersededBy}`);
  if (memory.supersedes !== undefined) lines.push(`replaces:    ${memory.supersedes}`);
  if (memory.expiresAt !== undefined) lines.push(`expires:     ${memory.expiresAt}`);
  if (Object.keys(memory.metadata).length > 0) lines.push(`metadata:    ${JSON.stringify(memory.metadata)}`);
  return lines;
}

/** Search results as a table: score, date, kind, text, then grounded dates, the space, explanations. */
export function formatSearchResults(results: SearchResult[], options: { explain: boolean }): string[] {
  if (results.length === 0) return ['No memories found.'];
  const lines = ['score   date        kind     text'];
  for (const result of results) {
    const { memory } = result;
    lines.push(
      `${result.score.toFixed(3)}   ${shortDate(memory.observedAt)}  ${memory.kind.padEnd(8)} ${truncate(memory.text, 90)}`,
    );
    const dates = groundedDateLabels(memory);
    if (dates.length > 0) lines.push(`        dates: ${dates.join('; ')}`);
    // A result read from a shared space (a grant of the acting agent/user) says where it came from.
    if (memory.scope.spaceId !== undefined) lines.push(`        from:  space:${memory.scope.spaceId}`);
    if (options.explain && result.explanation !== undefined)
      lines.push(`        why:   ${formatExplanation(result.explanation)}`);
    for (const message of result.context ?? []) {
      lines.push(`        | ${message.name ?? message.role}: ${truncate(message.content, 80)}`);
    }
  }
  return lines;
}

/** A score explanation on one line, e.g. `lexical #1 (+0.016) vector #2 (+0.016) recency +0.02 …`. */
export function formatExplanation(explanation: SearchExplanation): string {
  const parts: string[] = [];
  if (explanation.lexical !== undefined) {
    parts.push(`lexical #${explanation.lexical.rank} (+${explanation.lexical.contribution.toFixed(3)})`);
  }
  if (explanation.vector !== undefined) {
    parts.push(
      `vector #${explanation.vector.rank} sim ${explanation.vector.similarity.toFixed(2)} (+${explanation.vector.contribution.toFixed(3)})`,
    );
  }
  parts.push(`recency +${explanation.recency.contribution.toFixed(3)}`);
  parts.push(`importance +${explanation.importance.contribution.toFixed(3)}`);
  if (explanation.textMatch.contribution > 0)
    parts.push(`text match +${explanation.textMatch.contribution.toFixed(3)}`);
  parts.push(`= ${explanation.final.toFixed(3)}`);
  if (explanation.matchedTerms.length > 0) parts.push(`matched: ${explanation.matchedTerms.join(', ')}`);
  return parts.join('  ');
}

/** One line per history entry. */
export function formatHistoryLine(entry: HistoryEntry): string {
  const text = entry.after?.text ?? entry.before?.text ?? '(content erased)';
  const reason = entry.reason === undefined ? '' : `  reason: ${entry.reason}`;
  return `${entry.at}  ${entry.event.padEnd(10)} by ${entry.actor}  ${truncate(text, 80)}${reason}`;
}

/** Who a core block belongs to: `user:erin`, `agent:cook` or both. */
export function scopeOwner(scope: Scope): string {
  const parts: string[] = [];
  if (scope.userId !== undefined) parts.push(`user:${scope.userId}`);
  if (scope.agentId !== undefined) parts.push(`agent:${scope.agentId}`);
  return parts.length === 0 ? scope.tenantId : parts.join(' ');
}

/** A core block's size against its limit, e.g. `persona: 21/5000 chars (read-only)`. */
export function formatCoreBlockSize(block: CoreBlock): string {
  return `${block.label}: ${block.value.length}/${block.limit} chars${block.readOnly ? ' (read-only)' : ''}`;
}

/** One line per core block: label, owner, size/limit, read-only marker, first line of the value. */
export function formatCoreBlockLine(block: CoreBlock): string {
  const firstLine = block.value.split('\n', 1)[0] ?? '';
  const more = block.value.includes('\n') ? ' …' : '';
  return [
    block.label.padEnd(16),
    scopeOwner(block.scope).padEnd(24),
    `${block.value.length}/${block.limit}`.padEnd(12),
    (block.readOnly ? 'read-only' : '').padEnd(9),
    `${truncate(firstLine, 70)}${more}`,
  ].join(' ');
}

/** A working-memory value for a terminal: a string as it is, any other JSON as compact JSON. */
export function formatWorkingValue(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One line per working-memory entry: key, value, expiry. */
export function formatWorkingEntryLine(entry: WorkingEntry): string {
  const expires = entry.expiresAt === undefined ? '' : `  (expires ${entry.expiresAt})`;
  return `${entry.key.padEnd(16)} ${truncate(formatWorkingValue(entry.value), 80)}${expires}`;
}

/** The profile as `topic.slot: value` lines, topics and slots in alphabetical order. */
export function formatProfileLines(profile: Profile): string[] {
  const lines: string[] = [];
  for (const topic of Object.keys(profile).sort()) {
    const slots = profile[topic] ?? {};
    for (const slot of Object.keys(slots).sort()) lines.push(`${topic}.${slot}: ${slots[slot]?.value ?? ''}`);
  }
  return lines.length === 0 ? ['No profile.'] : lines;
}

/** The line under an assembled context: tokens used, and what did not fit, per section. */
export function formatContextFooter(result: ContextResult): string {
  const omitted = Object.entries(result.omitted)
    .filter(([, count]) => count > 0)
    .map(([section, count]) => `${count} ${section}`);
  const left = omitted.length === 0 ? '' : `; left out: ${omitted.join(', ')}`;
  return `~${result.tokens}/${result.budgetTokens} tokens, ${result.items.length} item(s)${left}`;
}

/** A progress reporter: a bar on stderr when it is a terminal and output is not JSON, else silent. */
export interface Progress {
  start(total: number): void;
  update(done: number): void;
  stop(): void;
}

/**
 * Creates a progress bar on stderr, or a silent one for JSON output and non-terminals.
 *
 * @example
 * const progress = createProgress({ enabled: !json, label: 'import' });
 */
export function createProgress(options: { enabled: boolean; label: string }): Progress {
  if (!options.enabled || process.stderr.isTTY !== true) {
    return { start() {}, update() {}, stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${options.label} [{bar}] {percentage}% {value}/{total}`,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (total) => bar.start(total, 0),
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}
