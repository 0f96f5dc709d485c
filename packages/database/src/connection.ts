import {invalidInput, unavailable} from '@systemprompt/core';

export type Engine = 'sqlite' | 'mysql';

export interface SqliteTarget {
  engine: 'sqlite';
  file: string;
}

export interface MysqlTarget {
  engine: 'mysql';
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export type DatabaseTarget = SqliteTarget | MysqlTarget;

const DATABASE_NAME = /^[A-Za-z0-9_$-]{1,64}$/;

/** Where the database is, for people: host and database, or the file, never the password. */
export function describeTarget(target: DatabaseTarget): string {
  return target.engine === 'sqlite'
    ? target.file
    : `mysql://${target.user}@${target.host}:${target.port}/${target.database}`;
}

/** Replaces every password in a text that may contain connection URLs. */
export const redact = (text: string): string =>
  text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');

/**
 * `mysql://` or `mariadb://` URLs select MySQL/MariaDB; no URL selects the embedded SQLite file.
 * Invalid URLs are exit 2, with the password left out of the message.
 */
export function parseDatabaseUrl(url: string | undefined, sqliteFile: string): DatabaseTarget {
  if (!url || url.trim() === '') return {engine: 'sqlite', file: sqliteFile};
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidInput(`Invalid database URL: ${redact(url)}`, {
      code: 'DATABASE_URL_INVALID',
      hint: 'Use mysql://user:password@host:3306/name.',
    });
  }
  if (parsed.protocol === 'sqlite:') return {engine: 'sqlite', file: decodeURIComponent(parsed.pathname)};
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw invalidInput(`Unsupported database URL scheme "${parsed.protocol.replace(/:$/, '')}"`, {
      code: 'DATABASE_URL_INVALID',
      hint: 'SystemPrompt OS runs on the embedded SQLite (no URL) or MySQL/MariaDB (mysql://...).',
    });
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!DATABASE_NAME.test(database)) {
    throw invalidInput(`The database URL ${redact(url)} names no valid database`, {
      code: 'DATABASE_URL_INVALID',
      hint: 'Add the database name: mysql://user@host:3306/systemprompt.',
    });
  }
  return {
    engine: 'mysql',
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password),
    database,
  };
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
  'PROTOCOL_CONNECTION_LOST',
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_HOST_NOT_PRIVILEGED',
  'ER_BAD_DB_ERROR',
  'SQLITE_CANTOPEN',
  'SQLITE_NOTADB',
  'SQLITE_READONLY',
]);

/** A failure to reach or open the database: exit 6, naming where, never the password. */
export function connectionError(error: unknown, target: DatabaseTarget): Error {
  const code = (error as {code?: string}).code;
  const reason = redact(error instanceof Error ? error.message : String(error)).split('\n')[0];
  if (code && !CONNECTION_CODES.has(code) && !/connect|timeout|open/i.test(reason ?? '')) return error as Error;
  const where =
    target.engine === 'sqlite'
      ? `the SQLite database ${target.file}`
      : `MySQL at ${target.host}:${target.port} (database ${target.database}, user ${target.user})`;
  return unavailable(`Cannot connect to ${where}: ${reason}`, {
    code: 'DATABASE_UNAVAILABLE',
    details: {
      engine: target.engine,
      ...(target.engine === 'mysql'
        ? {host: target.host, port: target.port, database: target.database}
        : {file: target.file}),
      ...(code ? {reason: code} : {}),
    },
    hint:
      target.engine === 'sqlite'
        ? 'Check that the data directory is writable.'
        : 'Check that the server runs and SYSTEMPROMPT_DATABASE_URL is right.',
  });
}
