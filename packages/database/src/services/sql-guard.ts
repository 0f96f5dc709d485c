import type {Engine} from '../connection.js';

/**
 * What database:query may reach: this installation's own database and nothing else. The engine
 * enforces read-only (a read-only connection, a READ ONLY transaction); one database account cannot
 * be narrowed to one schema per session, so names are checked here, on tokens rather than regular
 * expressions over the text, so that strings, quoted identifiers and comments cannot hide a name:
 *
 * - MySQL/MariaDB: a qualified name whose qualifier is another schema (`mysql.user`,
 *   `information_schema.tables`, `other_db.t`), statements about the server rather than the schema
 *   (USE, GRANT, SET, SHOW DATABASES, LOAD DATA, CREATE USER/DATABASE/SERVER, ...), dynamic SQL that
 *   would hide names in strings (PREPARE, EXECUTE), functions and clauses that read or write files
 *   or other servers (LOAD_FILE, INTO OUTFILE/DUMPFILE, sys_exec and friends, CONNECT/FEDERATED
 *   tables, DATA DIRECTORY) and MySQL's executable comments (`/*! ... *\/`, whose text runs).
 * - SQLite: ATTACH/DETACH (other files), VACUUM INTO (writes a copy anywhere) and PRAGMAs that
 *   change settings (journal mode, schema writes) rather than describe tables.
 *
 * The account's privileges stay the real boundary (README: grant it its own schema only).
 */

export interface Token {
  kind: 'word' | 'identifier' | 'string' | 'number' | 'variable' | 'punct';
  /** The text as written; for quoted identifiers and strings, the unquoted value. */
  text: string;
  /** Upper-case text of words, for keyword comparison. */
  upper: string;
}

export interface GuardRefusal {
  reason: string;
  /** What was refused: the schema, function, statement or clause. */
  subject: string;
}

export class SqlSyntaxError extends Error {}

const WORD = /[A-Za-z0-9_$\u0080-\uFFFF]/;

/**
 * Splits SQL into tokens as the engine would, with comments dropped. MySQL's lexer with backslash
 * escapes on and ANSI_QUOTES off (the session is set so), where `"..."` is a string; SQLite's, where
 * `"..."`, `` `...` `` and `[...]` are identifiers and strings have no backslash escapes. Throws
 * SqlSyntaxError on an unterminated string, identifier or comment, and on an executable comment.
 */
export function tokenize(sql: string, engine: Engine): Token[] {
  const tokens: Token[] = [];
  const mysql = engine === 'mysql';
  let index = 0;
  const push = (kind: Token['kind'], text: string) =>
    tokens.push({kind, text, upper: kind === 'word' ? text.toUpperCase() : text});
  const quoted = (quote: string, backslash: boolean): string => {
    let value = '';
    index++;
    while (index < sql.length) {
      const char = sql[index]!;
      if (backslash && char === '\\') {
        value += sql[index + 1] ?? '';
        index += 2;
        continue;
      }
      if (char === quote) {
        if (sql[index + 1] === quote) {
          value += quote;
          index += 2;
          continue;
        }
        index++;
        return value;
      }
      value += char;
      index++;
    }
    throw new SqlSyntaxError(`unterminated ${quote === "'" || (mysql && quote === '"') ? 'string' : 'quoted name'}`);
  };
  while (index < sql.length) {
    const char = sql[index]!;
    const next = sql[index + 1] ?? '';
    if (/\s/.test(char)) {
      index++;
    } else if (
      (char === '-' && next === '-' && (!mysql || /\s/.test(sql[index + 2] ?? ' '))) ||
      (mysql && char === '#')
    ) {
      const end = sql.indexOf('\n', index);
      index = end === -1 ? sql.length : end + 1;
    } else if (char === '/' && next === '*') {
      if (mysql && (sql[index + 2] === '!' || (sql[index + 2] === 'M' && sql[index + 3] === '!')))
        throw new SqlSyntaxError('executable comments (/*! ... */) are not allowed');
      const end = sql.indexOf('*/', index + 2);
      if (end === -1) {
        // SQLite accepts a comment that runs to the end of the text; MySQL does not.
        if (mysql) throw new SqlSyntaxError('unterminated comment');
        index = sql.length;
      } else index = end + 2;
    } else if (char === "'") {
      push('string', quoted("'", mysql));
    } else if (char === '"') {
      push(mysql ? 'string' : 'identifier', quoted('"', mysql));
    } else if (char === '`') {
      push('identifier', quoted('`', false));
    } else if (!mysql && char === '[') {
      const end = sql.indexOf(']', index);
      if (end === -1) throw new SqlSyntaxError('unterminated quoted name');
      push('identifier', sql.slice(index + 1, end));
      index = end + 1;
    } else if (char === '@' || (!mysql && (char === ':' || char === '$') && WORD.test(next))) {
      // @user_var, @@system_var, SQLite's :name, @name and $name parameters.
      let end = index + 1;
      if (mysql && next === '@') end++;
      if (mysql && (sql[end] === "'" || sql[end] === '"' || sql[end] === '`')) {
        index = end;
        push('variable', quoted(sql[end]!, sql[end] !== '`'));
        continue;
      }
      while (end < sql.length && (WORD.test(sql[end]!) || sql[end] === '.')) end++;
      push('variable', sql.slice(index, end));
      index = end;
    } else if (WORD.test(char)) {
      // A literal such as 1.5 or 1e-3 is one number, so its dot does not look like a qualifier;
      // 1abc is a name (MySQL names may start with a digit).
      const literal = /^(0x[0-9A-Fa-f]+|0b[01]+|\d+(\.\d*)?([eE][+-]?\d+)?)/.exec(sql.slice(index))?.[0];
      if (literal && !WORD.test(sql[index + literal.length] ?? ' ')) {
        push('number', literal);
        index += literal.length;
        continue;
      }
      let end = index;
      while (end < sql.length && WORD.test(sql[end]!)) end++;
      push('word', sql.slice(index, end));
      index = end;
    } else {
      push('punct', char);
      index++;
    }
  }
  return tokens;
}

const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

/** Statements about the server, its accounts, sessions or files rather than this schema's data. */
const MYSQL_STATEMENTS_REFUSED = new Set([
  'USE',
  'GRANT',
  'REVOKE',
  'SET',
  'SHUTDOWN',
  'KILL',
  'FLUSH',
  'RESET',
  'PURGE',
  'INSTALL',
  'UNINSTALL',
  'CHANGE',
  'START',
  'STOP',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT',
  'RELEASE',
  'XA',
  'LOCK',
  'UNLOCK',
  'LOAD',
  'HANDLER',
  'PREPARE',
  'EXECUTE',
  'DEALLOCATE',
  'BINLOG',
  'CACHE',
  'BACKUP',
  'CLONE',
  'RESTART',
  'IMPORT',
]);
/** CREATE/ALTER/DROP of these reach past the schema (accounts, databases, links to other servers, files). */
const MYSQL_OBJECTS_REFUSED = new Set([
  'USER',
  'ROLE',
  'DATABASE',
  'SCHEMA',
  'SERVER',
  'TABLESPACE',
  'LOGFILE',
  'PLUGIN',
  'EVENT',
  'RESOURCE',
  'SPATIAL',
]);
/** Words refused wherever they appear: file access, dynamic SQL, shared libraries, impersonation. */
const MYSQL_WORDS_REFUSED = new Map([
  ['OUTFILE', 'INTO OUTFILE writes a file on the server'],
  ['DUMPFILE', 'INTO DUMPFILE writes a file on the server'],
  ['PREPARE', 'dynamic SQL (PREPARE) can hide names in strings'],
  ['EXECUTE', 'dynamic SQL (EXECUTE) can hide names in strings'],
  ['SONAME', 'loading a shared library (SONAME) runs code on the server'],
  ['DIRECTORY', 'DATA/INDEX DIRECTORY puts table files outside the database'],
]);
/** Functions that read files or run programs on the server (built in or common UDFs). */
const MYSQL_FUNCTIONS_REFUSED = new Set([
  'LOAD_FILE',
  'SYS_EXEC',
  'SYS_EVAL',
  'SYS_GET',
  'SYS_SET',
  'SYS_BINEVAL',
  'LIB_MYSQLUDF_SYS_INFO',
]);
const MYSQL_ENGINES_ALLOWED = new Set(['INNODB', 'ARIA', 'MYISAM', 'MEMORY', 'HEAP']);
/** SHOW statements about this schema's tables; the rest (DATABASES, GRANTS, PROCESSLIST, ...) are the server's. */
const MYSQL_SHOW_ALLOWED = new Set([
  'TABLES',
  'COLUMNS',
  'FIELDS',
  'INDEX',
  'INDEXES',
  'KEYS',
  'CREATE',
  'TABLE',
  'TRIGGERS',
  'WARNINGS',
  'ERRORS',
  'COUNT',
]);
const SQLITE_PRAGMAS_ALLOWED = new Set([
  'TABLE_INFO',
  'TABLE_XINFO',
  'TABLE_LIST',
  'INDEX_LIST',
  'INDEX_INFO',
  'INDEX_XINFO',
  'FOREIGN_KEY_LIST',
  'FOREIGN_KEY_CHECK',
  'INTEGRITY_CHECK',
  'QUICK_CHECK',
  'FUNCTION_LIST',
  'COLLATION_LIST',
  'COMPILE_OPTIONS',
  'USER_VERSION',
  'SCHEMA_VERSION',
  'DATA_VERSION',
  'PAGE_COUNT',
  'PAGE_SIZE',
  'FREELIST_COUNT',
  'ENCODING',
]);

const isName = (token: Token | undefined) =>
  token !== undefined &&
  (token.kind === 'word' || token.kind === 'identifier' || (token.kind === 'string' && token.text !== ''));

/** Whether the statement names anything that the schema list is needed to judge. */
export function needsSchemaList(tokens: readonly Token[]): boolean {
  return tokens.some(
    (token, index) =>
      (token.kind === 'punct' && token.text === '.' && isName(tokens[index - 1])) ||
      (token.kind === 'word' &&
        (token.upper === 'SHOW' || token.upper === 'DESCRIBE' || token.upper === 'DESC' || token.upper === 'EXPLAIN')),
  );
}

/**
 * The first reason a MySQL statement reaches past the installation's schema, or undefined.
 * `schemas`: every schema name the server knows (system schemas are always foreign); `own`: ours.
 */
export function mysqlRefusal(
  tokens: readonly Token[],
  own: string,
  schemas: readonly string[],
): GuardRefusal | undefined {
  const foreign = new Set([...SYSTEM_SCHEMAS, ...schemas.map((schema) => schema.toLowerCase())]);
  foreign.delete(own.toLowerCase());
  const words = tokens.filter((token) => token.kind === 'word');
  const first = tokens.find((token) => !(token.kind === 'punct' && token.text === '('));
  const statement = first?.kind === 'word' ? first.upper : '';
  if (MYSQL_STATEMENTS_REFUSED.has(statement))
    return {
      subject: statement,
      reason: `${statement} statements act on the server or the session, not on this database's tables`,
    };
  if (statement === 'CREATE' || statement === 'ALTER' || statement === 'DROP' || statement === 'RENAME') {
    const object = words
      .slice(1)
      .find(
        (word) =>
          ![
            'OR',
            'REPLACE',
            'IF',
            'NOT',
            'EXISTS',
            'TEMPORARY',
            'ONLINE',
            'IGNORE',
            'OFFLINE',
            'DEFINER',
            'AGGREGATE',
          ].includes(word.upper),
      );
    if (object && MYSQL_OBJECTS_REFUSED.has(object.upper))
      return {
        subject: `${statement} ${object.upper}`,
        reason: `${statement} ${object.upper} reaches past this database`,
      };
  }
  if (statement === 'SHOW') {
    const kind = words.slice(1).find((word) => word.upper !== 'FULL' && word.upper !== 'EXTENDED');
    if (
      !kind ||
      !MYSQL_SHOW_ALLOWED.has(kind.upper) ||
      (kind.upper === 'TABLE' && words[words.indexOf(kind) + 1]?.upper !== 'STATUS')
    ) {
      return {
        subject: `SHOW ${kind?.upper ?? ''}`.trim(),
        reason:
          'this SHOW statement describes the server, not this database (SHOW TABLES, COLUMNS, INDEX, CREATE TABLE are allowed)',
      };
    }
  }
  for (const [index, token] of tokens.entries()) {
    if (token.kind === 'word' && MYSQL_WORDS_REFUSED.has(token.upper))
      return {subject: token.upper, reason: MYSQL_WORDS_REFUSED.get(token.upper)!};
    if (
      (token.kind === 'word' || token.kind === 'identifier') &&
      MYSQL_FUNCTIONS_REFUSED.has(token.text.toUpperCase())
    ) {
      return {subject: token.text.toUpperCase(), reason: `${token.text.toUpperCase()}() reaches outside the database`};
    }
    const next = tokens[index + 1];
    const value = next?.text === '=' ? tokens[index + 2] : next;
    if (
      token.kind === 'word' &&
      token.upper === 'ENGINE' &&
      value &&
      !MYSQL_ENGINES_ALLOWED.has(value.text.toUpperCase())
    ) {
      return {subject: `ENGINE ${value.text}`, reason: `the ${value.text} engine can reach files or other servers`};
    }
    if (
      token.kind === 'word' &&
      token.upper === 'CONNECTION' &&
      value &&
      (value.kind === 'string' || next?.text === '=')
    )
      return {subject: 'CONNECTION', reason: 'a table CONNECTION reaches another server'};
    if (token.kind === 'word' && token.upper === 'DEFINER' && next?.text === '=')
      return {subject: 'DEFINER', reason: 'DEFINER = runs code as another account'};
    if (
      token.kind === 'punct' &&
      token.text === '.' &&
      isName(tokens[index - 1]) &&
      foreign.has(tokens[index - 1]!.text.toLowerCase())
    ) {
      return {subject: tokens[index - 1]!.text, reason: `names another schema (${tokens[index - 1]!.text})`};
    }
  }
  // SHOW ... FROM db / IN db and DESCRIBE name a schema without a dot.
  if (['SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN'].includes(statement)) {
    const named = tokens.find(
      (token) => isName(token) && token.kind !== 'string' && foreign.has(token.text.toLowerCase()),
    );
    if (named) return {subject: named.text, reason: `names another schema (${named.text})`};
  }
  return undefined;
}

/** The first reason a SQLite statement reaches past the installation's database file, or undefined. */
export function sqliteRefusal(tokens: readonly Token[]): GuardRefusal | undefined {
  const words = tokens.filter((token) => token.kind === 'word');
  const statement = words[0]?.upper ?? '';
  for (const word of words) {
    if (word.upper === 'ATTACH' || word.upper === 'DETACH')
      return {subject: word.upper, reason: `${word.upper} reaches other database files`};
  }
  if (statement === 'VACUUM' && words.some((word) => word.upper === 'INTO'))
    return {subject: 'VACUUM INTO', reason: 'VACUUM INTO writes a copy of the database to another file'};
  if (statement === 'PRAGMA') {
    const at = tokens.indexOf(words[0]!) + 1;
    // PRAGMA schema.name: the name follows the dot.
    const name = tokens[at + 1]?.text === '.' ? tokens[at + 2] : tokens[at];
    if (
      !name ||
      !SQLITE_PRAGMAS_ALLOWED.has(name.text.toUpperCase()) ||
      tokens.some((token) => token.kind === 'punct' && token.text === '=')
    ) {
      return {
        subject: `PRAGMA ${name?.text ?? ''}`.trim(),
        reason:
          'only PRAGMAs that describe tables are allowed (table_info, index_list, foreign_key_list, integrity_check, ...), and none that assign',
      };
    }
  }
  return undefined;
}
