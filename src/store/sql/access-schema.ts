// The sharing tables, written once for both backends (SQLite migration 13, PostgreSQL migration 9): spaces,
// grants, and the audit log with its target scope in the four scope columns ('' for absent levels).

/**
 * The DDL of the sharing tables. `table` qualifies a name (PostgreSQL's `{schema}.`), `int` is the integer
 * type of epoch-ms columns.
 *
 * @example
 * accessTablesSql({ table: (name) => name, int: 'INTEGER' });
 */
export function accessTablesSql(options: { table: (name: string) => string; int: string }): string {
  const { table, int } = options;
  return `
CREATE TABLE ${table('spaces')} (
  tenant_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, description TEXT, created_at ${int} NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE TABLE ${table('grants')} (
  tenant_id TEXT NOT NULL,
  principal_type TEXT NOT NULL CHECK (principal_type IN ('user', 'agent', 'key')), principal_id TEXT NOT NULL,
  target_type TEXT NOT NULL CHECK (target_type IN ('space', 'user')), target_id TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('read', 'write', 'admin')), created_at ${int} NOT NULL,
  PRIMARY KEY (tenant_id, principal_type, principal_id, target_type, target_id)
);
CREATE INDEX grants_target ON ${table('grants')} (tenant_id, target_type, target_id);
CREATE TABLE ${table('audit_log')} (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL, user_id TEXT NOT NULL, agent_id TEXT NOT NULL, session_id TEXT NOT NULL,
  principal TEXT NOT NULL, principal_user TEXT NOT NULL, principal_agent TEXT NOT NULL, key_id TEXT NOT NULL,
  surface TEXT NOT NULL, action TEXT NOT NULL, operation TEXT NOT NULL,
  count ${int} NOT NULL, at ${int} NOT NULL, last_at ${int} NOT NULL, detail TEXT,
  aggregate_key TEXT UNIQUE
);
CREATE INDEX audit_log_recent ON ${table('audit_log')} (tenant_id, last_at);
CREATE INDEX audit_log_scope ON ${table('audit_log')} (tenant_id, user_id, agent_id, session_id);
`;
}
