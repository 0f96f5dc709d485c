import {randomBytes} from 'node:crypto';

export type EngineName = 'sqlite' | 'mysql';

/** SQLite always; MySQL/MariaDB too when SYSTEMPROMPT_TEST_MYSQL_URL points at a server (CI sets it). */
export function testEngines(): EngineName[] {
  return process.env.SYSTEMPROMPT_TEST_MYSQL_URL ? ['sqlite', 'mysql'] : ['sqlite'];
}

export interface TestDatabase {
  engine: EngineName;
  /** Environment that points the CLI at this database (empty for SQLite: the temporary home has it). */
  env: Record<string, string>;
  /** The mysql:// URL of a MySQL test database. */
  url: string | undefined;
  drop(): Promise<void>;
}

const serverUrl = () => new URL(process.env.SYSTEMPROMPT_TEST_MYSQL_URL!);

/** A fresh, empty database for one test: on MySQL a new `sp_test_<random>` database, dropped by `drop()`. */
export async function createTestDatabase(engine: EngineName): Promise<TestDatabase> {
  if (engine === 'sqlite') return {engine, env: {}, url: undefined, drop: async () => {}};
  const {createConnection} = await import('mysql2/promise');
  const server = serverUrl();
  const name = `sp_test_${randomBytes(6).toString('hex')}`;
  const connect = () =>
    createConnection({
      host: server.hostname,
      port: Number(server.port || 3306),
      user: decodeURIComponent(server.username || 'root'),
      password: decodeURIComponent(server.password),
    });
  const admin = await connect();
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  const url = new URL(server.href);
  url.pathname = `/${name}`;
  return {
    engine,
    env: {SYSTEMPROMPT_DATABASE_URL: url.href},
    url: url.href,
    drop: async () => {
      const connection = await connect();
      try {
        await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await connection.end();
      }
    },
  };
}
