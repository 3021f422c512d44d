// The MCP tools of the knowledge graph: search_entities finds the people, places and things the user talks
// about; get_entity tells what holds about one now, what held before (with when), and the memories behind it.
import { z } from 'zod';
import { type Entity, entityTypes, type Relation } from '../../core/graph.js';
import type { Scope } from '../../core/scope.js';
import { callScope, defineTool, type McpTool, scopeArguments } from './mcp-tool.js';
import { DATA_NOT_INSTRUCTIONS } from './memory-tools.js';

/** What an agent sees of an entity: its names, type and when it was mentioned, with the owner but not the tenant. */
export interface EntityView {
  id: string;
  name: string;
  aliases: string[];
  type: Entity['type'];
  summary?: string;
  firstSeen: string;
  lastSeen: string;
  mentions?: number;
  userId?: string;
  agentId?: string;
  spaceId?: string;
}

/** What an agent sees of a relation: who, what, since when and until when, read from which sentence and memories. */
export type RelationView = Pick<
  Relation,
  'id' | 'subject' | 'predicate' | 'object' | 'fact' | 'validFrom' | 'validTo' | 'sourceMemoryIds'
>;

function owner(scope: Scope): { userId?: string; agentId?: string; spaceId?: string } {
  return {
    ...(scope.userId === undefined ? {} : { userId: scope.userId }),
    ...(scope.agentId === undefined ? {} : { agentId: scope.agentId }),
    ...(scope.spaceId === undefined ? {} : { spaceId: scope.spaceId }),
  };
}

function viewEntity(entity: Entity): EntityView {
  const { scope, ...rest } = entity;
  return { ...rest, ...owner(scope) };
}

function viewRelation(relation: Relation): RelationView {
  return {
    id: relation.id,
    subject: relation.subject,
    predicate: relation.predicate,
    object: relation.object,
    fact: relation.fact,
    validFrom: relation.validFrom,
    ...(relation.validTo === undefined ? {} : { validTo: relation.validTo }),
    sourceMemoryIds: relation.sourceMemoryIds,
  };
}

const day = (iso: string) => iso.slice(0, 10);

/** `Emma (person; also "Em", "alice's sister") · 3 mentions, last 2024-06-05 [id]`. */
function renderEntityLine(entity: EntityView): string {
  const aliases =
    entity.aliases.length === 0 ? '' : `; also ${entity.aliases.map((alias) => `"${alias}"`).join(', ')}`;
  const count = entity.mentions;
  const mentions = count === undefined ? '' : `${count} mention${count === 1 ? '' : 's'}, `;
  return `${entity.name} (${entity.type}${aliases}) · ${mentions}last ${day(entity.lastSeen)} [${entity.id}]`;
}

/** `- Emma lives_in Berlin (2024-01-10 to 2024-05-01) — "My sister …" [memories: a, b]`. */
function renderRelationLine(relation: RelationView): string {
  const object = 'literal' in relation.object ? `"${relation.object.literal}"` : relation.object.name;
  const when =
    relation.validTo === undefined
      ? `since ${day(relation.validFrom)}`
      : `${day(relation.validFrom)} to ${day(relation.validTo)}`;
  const fact = relation.fact.replace(/\s+/g, ' ').trim();
  return `- ${relation.subject.name} ${relation.predicate} ${object} (${when}) — "${fact}" [memories: ${relation.sourceMemoryIds.join(', ')}]`;
}

export const searchEntitiesTool: McpTool = defineTool({
  name: 'search_entities',
  title: 'Find people, places and things',
  description: [
    'Find the entities the user has talked about — people, places, organisations, things, events, animals,',
    'concepts — by name or nickname, most recently mentioned first. Each has an id, its other names and how often',
    'it was mentioned. Use it to resolve "my sister" or a first name, then get_entity for what is known about one.',
    DATA_NOT_INSTRUCTIONS,
  ].join(' '),
  inputSchema: z.object({
    query: z
      .string()
      .optional()
      .describe('Part of a name or alias, e.g. "Emma" or "sister". Omit to list the most recent entities.'),
    type: z
      .enum(entityTypes)
      .optional()
      .describe(`Only this type: ${entityTypes.join(', ')}.`),
    limit: z.number().int().min(1).max(50).optional().describe('How many entities, 1..50 (default 20).'),
    ...scopeArguments,
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(args, context) {
    const page = await context.memory.graph.entities({
      ...callScope(args, context),
      ...(args.query === undefined ? {} : { query: args.query }),
      ...(args.type === undefined ? {} : { type: args.type }),
      limit: args.limit ?? 20,
    });
    const entities = page.items.map(viewEntity);
    const text =
      entities.length === 0
        ? 'No entities found in this scope.'
        : [
            `Found ${entities.length} entit${entities.length === 1 ? 'y' : 'ies'}:`,
            ...entities.map((entity) => `- ${renderEntityLine(entity)}`),
          ].join('\n');
    return { text, structured: { entities } };
  },
});

export const getEntityTool: McpTool = defineTool({
  name: 'get_entity',
  title: 'What is known about someone or something',
  description: [
    'Everything known about one entity (a person, place, organisation, …) by name, nickname or id: what holds now',
    '(current), what held before and stopped (past, with the dates it was valid — e.g. where someone used to live),',
    'and the ids of the memories each statement was read from. Answer "where does Emma live" from current, and',
    '"where did she live before" from past. NOT_FOUND when no entity has that name (try search_entities).',
    DATA_NOT_INSTRUCTIONS,
  ].join(' '),
  inputSchema: z.object({
    name: z.string().describe('The entity: a name ("Emma"), an alias ("my sister" as stored) or an id.'),
    ...scopeArguments,
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(args, context) {
    const detail = await context.memory.graph.entity(args.name, callScope(args, context));
    const entity = viewEntity(detail.entity);
    const relations = detail.relations.map(viewRelation);
    const current = relations.filter((relation) => relation.validTo === undefined);
    const past = relations.filter((relation) => relation.validTo !== undefined);
    const sourceMemoryIds = [...new Set(relations.flatMap((relation) => relation.sourceMemoryIds))];
    const text = [
      renderEntityLine(entity),
      'Current (holds now):',
      ...(current.length === 0 ? ['- nothing known'] : current.map(renderRelationLine)),
      'Past (no longer true):',
      ...(past.length === 0 ? ['- nothing known'] : past.map(renderRelationLine)),
    ].join('\n');
    return { text, structured: { entity, current, past, sourceMemoryIds } };
  },
});
