// Human output of `mnemo graph`: entities, relations with their validity, neighbours and merges, one line each.
import type { Entity, EntityMerge, Relation } from '../core/graph.js';
import type { EntityDetail, Neighbour } from '../graph/graph-methods.js';
import { shortDate } from './output.js';

/** The other end of a relation as text: an entity's name, or a literal value in quotes. */
function objectText(relation: Relation): string {
  return 'literal' in relation.object ? `"${relation.object.literal}"` : relation.object.name;
}

/** `[2024-01-10 → 2024-05-01]`, or `[2024-05-01 → now]` while the relation holds. */
export function formatValidity(relation: Relation): string {
  const end = relation.validTo === undefined ? 'now' : shortDate(relation.validTo);
  return `[${shortDate(relation.validFrom)} → ${end}]`;
}

/**
 * One line per relation: `subject predicate object  [validFrom → validTo|now]`.
 *
 * @example
 * formatRelationLine(relation); // 'Emma lives_in Berlin  [2024-01-10 → 2024-05-01]'
 */
export function formatRelationLine(relation: Relation): string {
  return `${relation.subject.name} ${relation.predicate} ${objectText(relation)}  ${formatValidity(relation)}`;
}

/**
 * One line per entity: name, type, mentions, last seen, aliases and id.
 *
 * @example
 * formatEntityLine(emma); // 'Emma                 person        3 mentions  last seen 2024-06-07  aka u's sister  (0193…)'
 */
export function formatEntityLine(entity: Entity): string {
  const mentions = `${entity.mentions ?? 0} mention${entity.mentions === 1 ? '' : 's'}`;
  const aliases = entity.aliases.length === 0 ? '' : `  aka ${entity.aliases.join(', ')}`;
  return `${entity.name.padEnd(20)} ${entity.type.padEnd(13)} ${mentions.padEnd(11)} last seen ${shortDate(entity.lastSeen)}${aliases}  (${entity.id})`;
}

/** One line per merge: id, time, what was merged into what, and whether it was undone. */
export function formatMergeLine(merge: EntityMerge): string {
  const undone = merge.undoneAt === undefined ? '' : `  (undone ${merge.undoneAt})`;
  return `${merge.id}  ${merge.at}  "${merge.mergedName}" (${merge.mergedId}) into ${merge.keptId}  by ${merge.actor}${undone}`;
}

function relationWithSources(relation: Relation): string {
  const sources = relation.sourceMemoryIds.length === 0 ? '-' : relation.sourceMemoryIds.join(', ');
  return `  ${formatRelationLine(relation)}  memories: ${sources}`;
}

/**
 * `mnemo graph show`: the entity, then its current relations, then the past (closed) ones, each with its
 * validity and source memories, then its merges. With `asOf`, the relations valid then, in one list.
 */
export function formatEntityDetail(detail: EntityDetail, options: { asOf?: string | undefined }): string[] {
  const { entity, relations, merges } = detail;
  const aliases = entity.aliases.length === 0 ? '' : `, aka ${entity.aliases.join(', ')}`;
  const lines = [
    `${entity.name} (${entity.type}${aliases})`,
    `id: ${entity.id}  mentions: ${entity.mentions ?? 0}  seen ${shortDate(entity.firstSeen)} to ${shortDate(entity.lastSeen)}`,
  ];
  if (entity.summary !== undefined) lines.push(entity.summary);
  if (options.asOf !== undefined) {
    lines.push(`valid on ${options.asOf}:`, ...orNone(relations.map(relationWithSources)));
  } else {
    const current = relations.filter((relation) => relation.validTo === undefined);
    const past = relations.filter((relation) => relation.validTo !== undefined);
    lines.push('current:', ...orNone(current.map(relationWithSources)));
    lines.push('past:', ...orNone(past.map(relationWithSources)));
  }
  if (merges.length > 0) lines.push('merges:', ...merges.map((merge) => `  ${formatMergeLine(merge)}`));
  return lines;
}

function orNone(lines: string[]): string[] {
  return lines.length === 0 ? ['  (none)'] : lines;
}

/** One line per neighbour: name, type, hops and the predicates that connect it. */
export function formatNeighbourLine(neighbour: Neighbour): string {
  const predicates = [...new Set(neighbour.via.map((relation) => relation.predicate))].join(', ');
  const hops = neighbour.hops === 1 ? '1 hop ' : '2 hops';
  return `${neighbour.entity.name.padEnd(20)} ${neighbour.entity.type.padEnd(13)} ${hops}  via ${predicates}`;
}
