// What the shared rules need to know about a backend's tables beyond its Dialect: how scopes are stored,
// how rows are selected, and the visibility rule and MemoryFilter as predicates.
import type { Scope, ScopeAccess } from '../../core/scope.js';
import type { MemoryFilter } from '../memory-store.js';
import type { Dialect, SqlConnection } from './dialect.js';
import type { ScopeStorage } from './scope-storage.js';
import type { SqlFragment } from './sql.js';

export interface StoreSchema {
  dialect: Dialect;
  scopes: ScopeStorage;
  /** `SELECT … FROM messages g …`: every message column and the four scope columns, the table aliased `g`. */
  messageSelect: SqlFragment;
  /** `SELECT … FROM memories m …`: every memory column and the four scope columns, aliased `m`. */
  memorySelect: SqlFragment;
  /** `SELECT … FROM history h …`: every history column and the four scope columns, aliased `h`. */
  historySelect: SqlFragment;
  /**
   * `messageSelect` restricted to `ids`, ending in a WHERE clause (continue with `AND …`), planned so the
   * database looks the ids up rather than scanning the scope.
   */
  messagesWithIds(ids: readonly string[]): SqlFragment;
  /** `memorySelect` restricted to `ids`, likewise. */
  memoriesWithIds(ids: readonly string[]): SqlFragment;
  /** The rows a caller with `scope` may see (`read`) or change (`write`), over `alias`, a table with the backend's scope columns (core/scope.ts). */
  visible(connection: SqlConnection, alias: string, scope: Scope, access?: ScopeAccess): Promise<SqlFragment>;
  /** The MemoryFilter semantics (store/filter.ts) over alias `m`. */
  filter(filter: MemoryFilter): SqlFragment;
  /** `m.hash` is one of the content hashes `hashes`, compared in the form the backend stores them. */
  hashIn(hashes: readonly string[]): SqlFragment;
}
