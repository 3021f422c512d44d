// The SQLite backend's public surface.
export { createSqliteStore, openSqliteStore, SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
