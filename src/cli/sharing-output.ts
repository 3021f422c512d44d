// Human output of the sharing commands: spaces, grants and the audit log as aligned tables.
import { describePrincipal, type Grant, type Space } from '../core/access.js';
import { describeScope } from '../core/scope.js';
import type { AuditEntry } from '../store/access-store.js';

/**
 * Rows as columns padded to their widest cell (the last column is not padded).
 *
 * @example
 * formatTable([['id', 'name'], ['research', 'Research']]); // ['id        name', 'research  Research']
 */
export function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function flat(text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

/** What a grant opens, e.g. `space:research` or `user:alice`. */
export function describeTarget(target: Grant['target']): string {
  return `${target.type}:${target.id}`;
}

/** The spaces of a tenant: id, name, created date, description. */
export function formatSpaces(spaces: readonly Space[], tenantId: string): string[] {
  if (spaces.length === 0) return [`No spaces in tenant ${tenantId}.`];
  return formatTable([
    ['id', 'name', 'created', 'description'],
    ...spaces.map((space) => [
      space.id,
      space.name,
      space.createdAt.slice(0, 10),
      flat(space.description ?? '', 80),
    ]),
  ]);
}

/** One space in full, then who may do what in it. */
export function formatSpaceDetail(space: Space, grants: readonly Grant[]): string[] {
  const lines = [
    `id:          ${space.id}`,
    `name:        ${space.name}`,
    `tenant:      ${space.tenantId}`,
    `created:     ${space.createdAt}`,
  ];
  if (space.description !== undefined) lines.push(`description: ${space.description}`);
  if (grants.length === 0) lines.push('grants:      none (only the store owner reaches it)');
  else {
    lines.push('grants:');
    for (const line of formatTable(grants.map((grant) => [describePrincipal(grant.principal), grant.role]))) {
      lines.push(`  ${line}`);
    }
  }
  return lines;
}

/** Grants as a table: principal, role, target, tenant, created. */
export function formatGrants(grants: readonly Grant[]): string[] {
  if (grants.length === 0) return ['No grants.'];
  return formatTable([
    ['principal', 'role', 'on', 'tenant', 'created'],
    ...grants.map((grant) => [
      describePrincipal(grant.principal),
      grant.role,
      describeTarget(grant.target),
      grant.tenantId,
      grant.createdAt,
    ]),
  ]);
}

/**
 * The audit log as a table (time, principal, surface, action, operation, scope, count), newest first; a
 * denial's or administration's detail on the line below it.
 */
export function formatAudit(items: readonly AuditEntry[]): string[] {
  if (items.length === 0) return ['No audit entries.'];
  const rows = [
    ['time', 'principal', 'surface', 'action', 'operation', 'scope', 'count'],
    ...items.map((entry) => [
      entry.lastAt,
      entry.principal,
      entry.surface,
      entry.action,
      entry.operation,
      describeScope(entry.scope),
      String(entry.count),
    ]),
  ];
  const table = formatTable(rows);
  const lines = [table[0] as string];
  items.forEach((entry, index) => {
    lines.push(table[index + 1] as string);
    if (entry.detail !== undefined) lines.push(`    ${flat(entry.detail, 160)}`);
  });
  return lines;
}
