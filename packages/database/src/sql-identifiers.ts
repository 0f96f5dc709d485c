import type {Engine} from './connection.js';

/**
 * Identifiers quoted for a statement (table and column names read from the engine's own catalogue,
 * which take no placeholder): MySQL/MariaDB backticks, SQLite double quotes, the quote character doubled.
 */
export const quoteMysql = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
export const quoteSqlite = (name: string): string => `"${name.replace(/"/g, '""')}"`;
export const quoteIdentifier = (engine: Engine, name: string): string =>
  engine === 'mysql' ? quoteMysql(name) : quoteSqlite(name);
