// The MCP tool of shared spaces: list_spaces, the spaces this connection may use and its role in each.
import { z } from 'zod';
import {
  actsAsOwner,
  type GrantRole,
  grantedRole,
  principalsOf,
  roleAllows,
  type Space,
} from '../../core/access.js';
import { defineTool, type McpTool, type McpToolContext } from './mcp-tool.js';

/** What an agent sees of a space: its id (the `spaceId` tools take), name, description and its own role. */
export interface SpaceView {
  id: string;
  name: string;
  description?: string;
  /** What this connection may do there: read, write (also add/update/forget) or admin. */
  role: GrantRole;
}

function viewSpace(space: Space, role: GrantRole): SpaceView {
  const view: SpaceView = { id: space.id, name: space.name, role };
  if (space.description !== undefined) view.description = space.description;
  return view;
}

/**
 * The spaces a connection may read, with its role in each, following the access rule (core/access.ts): a
 * caller bound to a space has that one; a connection that acts as nobody (the owner, an unbound tenant key)
 * has every space; one acting as a user/agent (a bound key, stdio --agent/--user, or the server's defaults)
 * has the spaces those principals were granted. A key's role caps every grant.
 *
 * @example
 * await usableSpaces({ memory, tenantId: 't1', defaultAgentId: 'reader', caller: { surface: 'mcp', boundAgentId: 'reader' } });
 * // [{ id: 'research', name: 'research', role: 'read' }]
 */
export async function usableSpaces(context: McpToolContext): Promise<SpaceView[]> {
  const { memory, tenantId, caller } = context;
  const spaces = await memory.spaces.list({ tenantId, caller });
  const ceiling = caller.role;
  const capped = (role: GrantRole): GrantRole =>
    ceiling === undefined || roleAllows(ceiling, role) ? role : ceiling;
  if (caller.boundSpaceId !== undefined) {
    return spaces
      .filter((space) => space.id === caller.boundSpaceId)
      .map((space) => viewSpace(space, ceiling ?? 'admin'));
  }
  const principals = principalsOf(caller, { userId: context.defaultUserId, agentId: context.defaultAgentId });
  if (actsAsOwner(caller, principals)) return spaces.map((space) => viewSpace(space, ceiling ?? 'admin'));
  const grants = await memory.grants.list({ tenantId, caller });
  return spaces.flatMap((space) => {
    const grant = grantedRole(grants, principals, { type: 'space', id: space.id });
    return grant === undefined ? [] : [viewSpace(space, capped(grant.role))];
  });
}

/** `- research: Research notes (write) — what the research agents found`. */
function renderSpaceLine(space: SpaceView): string {
  const description =
    space.description === undefined ? '' : ` — ${space.description.replace(/\s+/g, ' ').trim()}`;
  return `- ${space.id}: ${space.name} (${space.role})${description}`;
}

export const listSpacesTool: McpTool = defineTool({
  name: 'list_spaces',
  title: 'List shared spaces',
  description: [
    'List the shared spaces this connection may use: memory pools that several agents or users share (a team’s',
    'task knowledge, a household’s facts, an organisation’s procedures), each with its id and your role in it.',
    'Pass its id as spaceId to the other tools: "read" lets you search_memory, list_memories and get_context in it,',
    '"write" also add_memory, update_memory and forget_memory there, "admin" everything. search_memory and',
    'get_context also draw on your spaces without a spaceId. A space you are not granted answers FORBIDDEN.',
  ].join(' '),
  inputSchema: z.object({}),
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(_args, context) {
    const spaces = await usableSpaces(context);
    const text =
      spaces.length === 0
        ? 'No shared spaces are open to this connection.'
        : [
            `Shared spaces you can use (${spaces.length}); pass the id as spaceId:`,
            ...spaces.map(renderSpaceLine),
          ].join('\n');
    return { text, structured: { spaces } };
  },
});
