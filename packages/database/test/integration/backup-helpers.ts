import {join} from 'node:path';
import {LOCAL_ADMIN, resolveSystemPaths, silentLogger} from '@systemprompt/core';
import type {EngineFixture} from '@systemprompt/testing';
import {parseDatabaseUrl} from '../../src/connection.js';
import {DatabaseService} from '../../src/services/database-service.js';
import {BackupService} from '../../src/services/backup/index.js';
import type {TableDigest} from '../../src/services/backup/engines.js';

/** A database service of its own on the fixture's database (SQLite file of the home, or its MySQL database). */
export function openDatabase(t: EngineFixture): DatabaseService {
  const file = join(t.home.path, 'data', 'modules', 'database', 'systemprompt.sqlite');
  return new DatabaseService(
    {
      target: parseDatabaseUrl(t.database.url, file),
      poolSize: 4,
      busyTimeoutMs: 5000,
      connectTimeoutMs: 5000,
      queryTimeoutMs: 10_000,
    },
    silentLogger,
  );
}

/** Row count and SHA-256 of every table, read on a connection of its own and closed again. */
export async function digests(t: EngineFixture): Promise<Record<string, string>> {
  const database = openDatabase(t);
  try {
    const service = new BackupService(database, resolveSystemPaths(undefined, {SYSTEMPROMPT_HOME: t.home.path}));
    return asRecord(await service.digests(LOCAL_ADMIN));
  } finally {
    await database.close();
  }
}

export const asRecord = (tables: readonly TableDigest[]): Record<string, string> =>
  Object.fromEntries(tables.map((table) => [table.name, `${table.rows}:${table.sha256}`]));

/** Runs statements on the fixture's database, then closes the connection. */
export async function execute(t: EngineFixture, ...statements: Array<string | [string, unknown[]]>): Promise<void> {
  const database = openDatabase(t);
  try {
    const dataSource = await database.dataSource();
    for (const statement of statements)
      if (typeof statement === 'string') await dataSource.query(statement);
      else await dataSource.query(statement[0], statement[1]);
  } finally {
    await database.close();
  }
}

/** Two tables with a foreign key, text, bytes and nulls: what a round trip must carry unchanged. */
export async function seed(t: EngineFixture, rows = 20): Promise<void> {
  const blob = t.engine === 'mysql' ? 'BLOB' : 'BLOB';
  const id = t.engine === 'mysql' ? 'INTEGER PRIMARY KEY AUTO_INCREMENT' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
  await execute(
    t,
    `CREATE TABLE bk_parents (id ${id}, name VARCHAR(100) NOT NULL)`,
    `CREATE TABLE bk_children (id ${id}, parent_id INTEGER NOT NULL, note TEXT NULL, data ${blob} NULL, FOREIGN KEY (parent_id) REFERENCES bk_parents(id))`,
    ...Array.from({length: rows}, (_, index): [string, unknown[]] => [
      'INSERT INTO bk_parents (name) VALUES (?)',
      [`parent ${index} ✓ ünïcødé`],
    ]),
    ...Array.from({length: rows}, (_, index): [string, unknown[]] => [
      'INSERT INTO bk_children (parent_id, note, data) VALUES (?, ?, ?)',
      [
        index + 1,
        index % 3 === 0 ? null : `note "${index}"\n'quoted'`,
        index % 2 === 0 ? Buffer.from([0, 255, index]) : null,
      ],
    ]),
  );
}

/** Changes the data after a backup: rows gone, rows added, a table dropped. */
export async function wipe(t: EngineFixture): Promise<void> {
  await execute(
    t,
    'DELETE FROM bk_children WHERE id > 5',
    "INSERT INTO bk_parents (name) VALUES ('after the backup')",
    t.engine === 'mysql' ? 'DROP TABLE events' : 'DROP TABLE events',
  );
}

/**
 * After a restore process is killed, the MySQL/MariaDB server finishes the statement it was running
 * (a RENAME TABLE is atomic, but not instant): waits until no other connection runs a statement on this
 * database, so what the test reads next is the state the kill left, not one half-way through it.
 */
export async function settled(t: EngineFixture): Promise<void> {
  if (t.engine !== 'mysql') return;
  const database = openDatabase(t);
  try {
    const dataSource = await database.dataSource();
    for (let round = 0; round < 200; round++) {
      const [row] = (await dataSource.query(
        "SELECT COUNT(*) AS n FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND command NOT IN ('Sleep', 'Daemon') AND (db = DATABASE() OR info LIKE CONCAT('%', DATABASE(), '%'))",
      )) as Array<{n: number | string}>;
      if (Number(row?.n ?? 0) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await database.close();
  }
}
