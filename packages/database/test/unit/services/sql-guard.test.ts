import {expect} from 'chai';
import {
  SqlSyntaxError,
  mysqlRefusal,
  needsSchemaList,
  sqliteRefusal,
  tokenize,
} from '../../../src/services/sql-guard.js';

const SCHEMAS = ['systemprompt', 'test', 'other_db', 'mysql', 'information_schema', 'performance_schema', 'sys'];
const mysql = (sql: string) => mysqlRefusal(tokenize(sql, 'mysql'), 'systemprompt', SCHEMAS);
const sqlite = (sql: string) => sqliteRefusal(tokenize(sql, 'sqlite'));

describe('sql-guard', () => {
  describe('tokenize', () => {
    it('keeps names inside strings and comments out of the names it reports', () => {
      const words = tokenize(
        "SELECT 'mysql.user' /* mysql.user */ -- mysql.user\n, `a b`.c # mysql.user\nFROM t",
        'mysql',
      );
      expect(words.map((token) => `${token.kind}:${token.text}`)).to.deep.equal([
        'word:SELECT',
        'string:mysql.user',
        'punct:,',
        'identifier:a b',
        'punct:.',
        'word:c',
        'word:FROM',
        'word:t',
      ]);
    });

    it('reads backslash escapes in MySQL strings, and doubled quotes in both engines', () => {
      expect(
        tokenize("SELECT 'it\\'s', 'a''b'", 'mysql')
          .filter((token) => token.kind === 'string')
          .map((token) => token.text),
      ).to.deep.equal(["it's", "a'b"]);
      // SQLite has no backslash escapes: the backslash is a character and the quote ends the string.
      expect(
        tokenize("SELECT 'a\\', 'b'", 'sqlite')
          .filter((token) => token.kind === 'string')
          .map((token) => token.text),
      ).to.deep.equal(['a\\', 'b']);
    });

    it('reads numbers with a decimal point as one token, so 1.5 is no qualifier', () => {
      expect(tokenize('SELECT 1.5, 2e-3, 0x1F, t1.c', 'mysql').map((token) => token.text)).to.deep.equal([
        'SELECT',
        '1.5',
        ',',
        '2e-3',
        ',',
        '0x1F',
        ',',
        't1',
        '.',
        'c',
      ]);
    });

    it('refuses what it cannot read: unterminated strings and MySQL executable comments', () => {
      expect(() => tokenize("SELECT 'open", 'mysql')).to.throw(SqlSyntaxError, /unterminated string/);
      expect(() => tokenize('SELECT `open', 'mysql')).to.throw(SqlSyntaxError, /unterminated quoted name/);
      expect(() => tokenize('SELECT 1 /*! , LOAD_FILE(1) */', 'mysql')).to.throw(SqlSyntaxError, /executable comments/);
      expect(() => tokenize('SELECT 1 /*M!100000 , 2 */', 'mysql')).to.throw(SqlSyntaxError, /executable comments/);
    });
  });

  describe('mysqlRefusal', () => {
    for (const [sql, subject] of [
      ['SELECT user FROM mysql.user', 'mysql'],
      ['SELECT * FROM `mysql`.`user`', 'mysql'],
      ['SELECT * FROM mysql . user', 'mysql'],
      ['SELECT table_name FROM information_schema.tables', 'information_schema'],
      ['SELECT * FROM INFORMATION_SCHEMA.PROCESSLIST', 'INFORMATION_SCHEMA'],
      ['SELECT * FROM test.x', 'test'],
      ['SELECT u.email FROM users u JOIN other_db.t o ON o.id = u.id', 'other_db'],
      ['UPDATE other_db.t SET a = 1', 'other_db'],
      ['RENAME TABLE users TO other_db.users', 'other_db'],
      ["SELECT LOAD_FILE('/etc/passwd')", 'LOAD_FILE'],
      ["SELECT load_file ('/etc/passwd')", 'LOAD_FILE'],
      ["SELECT `sys_exec`('id')", 'SYS_EXEC'],
      ["SELECT * FROM users INTO OUTFILE '/tmp/x'", 'OUTFILE'],
      ["SELECT 1 INTO DUMPFILE '/tmp/x'", 'DUMPFILE'],
      ["LOAD DATA INFILE '/etc/passwd' INTO TABLE t", 'LOAD'],
      ['USE mysql', 'USE'],
      ["SET PASSWORD = 'x'", 'SET'],
      ['SET GLOBAL max_connections = 1', 'SET'],
      ["GRANT ALL ON *.* TO 'x'@'%'", 'GRANT'],
      ["CREATE USER 'x'@'%'", 'CREATE USER'],
      ['CREATE DATABASE other', 'CREATE DATABASE'],
      ['DROP SCHEMA other_db', 'DROP SCHEMA'],
      ['SHOW DATABASES', 'SHOW DATABASES'],
      ['SHOW GRANTS', 'SHOW GRANTS'],
      ['SHOW PROCESSLIST', 'SHOW PROCESSLIST'],
      ['SHOW TABLES FROM mysql', 'mysql'],
      ['SHOW COLUMNS FROM user IN `mysql`', 'mysql'],
      ["PREPARE s FROM 'SELECT * FROM my' 'sql.user'", 'PREPARE'],
      ["EXECUTE IMMEDIATE CONCAT('SELECT * FROM my', 'sql.user')", 'EXECUTE'],
      ['CREATE PROCEDURE p() BEGIN PREPARE s FROM @q; EXECUTE s; END', 'PREPARE'],
      ["CREATE TABLE t (a int) ENGINE=CONNECT TABLE_TYPE=CSV FILE_NAME='/etc/passwd'", 'ENGINE CONNECT'],
      ["CREATE TABLE t (a int) ENGINE = FEDERATED CONNECTION='mysql://u@h/db/t'", 'ENGINE FEDERATED'],
      ["CREATE TABLE t (a int) DATA DIRECTORY = '/tmp'", 'DIRECTORY'],
      ["CREATE DEFINER = 'root'@'localhost' VIEW v AS SELECT 1", 'DEFINER'],
      ["CREATE FUNCTION f RETURNS STRING SONAME 'lib.so'", 'SONAME'],
    ] as const) {
      it(`refuses ${sql}`, () => {
        expect(mysql(sql)?.subject).to.equal(subject);
      });
    }

    for (const sql of [
      'SELECT u.email, r.role FROM users u JOIN users_memberships r ON r.user_id = u.id',
      'SELECT * FROM systemprompt.users',
      'SELECT * FROM `systemprompt`.`users`',
      "SELECT 'mysql.user' AS text, 1.5 AS n",
      "SELECT * FROM notes WHERE title = 'LOAD_FILE(x) INTO OUTFILE'",
      'SHOW TABLES',
      'SHOW FULL COLUMNS FROM users',
      'SHOW INDEX FROM users',
      'SHOW CREATE TABLE users',
      'SHOW TABLE STATUS',
      'DESCRIBE users',
      'CREATE TABLE notes (id int) ENGINE=InnoDB',
      'CREATE FUNCTION wipe_notes() RETURNS INT MODIFIES SQL DATA BEGIN DELETE FROM notes; RETURN 1; END',
      'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n',
      'SELECT SLEEP(1), DATABASE(), @@version',
    ]) {
      it(`allows ${sql}`, () => {
        expect(mysql(sql)).to.equal(undefined);
      });
    }

    it('treats its own schema as its own, in any case', () => {
      expect(mysqlRefusal(tokenize('SELECT * FROM SystemPrompt.users', 'mysql'), 'systemprompt', SCHEMAS)).to.equal(
        undefined,
      );
    });

    it('asks for the schema list only when a name could be qualified or a SHOW names one', () => {
      expect(needsSchemaList(tokenize('SELECT 1.5, COUNT(*) FROM users', 'mysql'))).to.equal(false);
      expect(needsSchemaList(tokenize('SELECT u.id FROM users u', 'mysql'))).to.equal(true);
      expect(needsSchemaList(tokenize('SHOW TABLES FROM x', 'mysql'))).to.equal(true);
    });
  });

  describe('sqliteRefusal', () => {
    for (const [sql, subject] of [
      ["ATTACH DATABASE '/home/other/secret.db' AS o", 'ATTACH'],
      ['DETACH o', 'DETACH'],
      ["VACUUM INTO '/tmp/copy.db'", 'VACUUM INTO'],
      ['PRAGMA journal_mode = DELETE', 'PRAGMA journal_mode'],
      ['PRAGMA journal_mode(DELETE)', 'PRAGMA journal_mode'],
      ['PRAGMA writable_schema = 1', 'PRAGMA writable_schema'],
      ['PRAGMA user_version = 7', 'PRAGMA user_version'],
    ] as const) {
      it(`refuses ${sql}`, () => {
        expect(sqlite(sql)?.subject).to.equal(subject);
      });
    }

    for (const sql of [
      'SELECT * FROM users',
      "SELECT 'ATTACH' AS word",
      'PRAGMA table_info(users)',
      'PRAGMA main.index_list("users")',
      'PRAGMA integrity_check',
      'VACUUM',
    ]) {
      it(`allows ${sql}`, () => {
        expect(sqlite(sql)).to.equal(undefined);
      });
    }
  });
});
