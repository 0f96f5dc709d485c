import {readFile, readdir} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import Database from 'better-sqlite3';
import {APP_BIN, createTempHome, expectFailure, spawnCli, type TempHome} from '@systemprompt/testing';

// The real CLI as separate processes on one SQLite file, as a user's shell and a server would run it.
const bin = APP_BIN;
const notesModule = fileURLToPath(new URL('../fixtures/notes-module', import.meta.url));

/** Processes still alive that carry `marker` in their environment (children inherit it). */
async function processesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (environ.split('\0').includes(`SP_TEST_MARKER=${marker}`)) found.push(Number(entry));
  }
  return found;
}

describe('SQLite across processes (real bin)', () => {
  let home: TempHome;
  const env = () => ({
    SYSTEMPROMPT_HOME: home.path,
    SYSTEMPROMPT_DATABASE_URL: undefined,
    SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true',
  });
  const databaseFile = () => join(home.path, 'data', 'modules', 'database', 'systemprompt.sqlite');

  beforeEach(async () => {
    home = await createTempHome();
  });
  afterEach(() => home.remove());

  it('ends the whole command at --timeout with exit 6, leaving no process burning a CPU', async () => {
    expect((await spawnCli(bin, ['database:status'], {env: env()})).exitCode).to.equal(0);
    const marker = `${process.pid}-${Date.now()}`;
    const started = Date.now();
    const run = await spawnCli(
      bin,
      [
        'database:query',
        'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n',
        '--timeout',
        '1000',
        '--json',
      ],
      {env: {...env(), SP_TEST_MARKER: marker}, timeoutMs: 60_000},
    );
    const elapsed = Date.now() - started;
    expectFailure(run, 6, 'QUERY_TIMEOUT');
    // Start-up of a command on a loaded machine takes seconds; before, the process ran for minutes.
    expect(elapsed).to.be.lessThan(15_000);
    expect(await processesWith(marker)).to.deep.equal([]);
  });

  it('turns a write lock held past the busy timeout into exit 6 DATABASE_BUSY, and writes once it is free', async () => {
    const cli = (...args: string[]) =>
      spawnCli(bin, args, {env: {...env(), SYSTEMPROMPT_DATABASE_BUSY_TIMEOUT_MS: '500'}});
    expect((await cli('plugins:link', notesModule, '--no-install')).exitCode).to.equal(0);
    expect((await cli('notes:add', 'first')).exitCode).to.equal(0);
    const holder = new Database(databaseFile());
    try {
      holder.exec('BEGIN IMMEDIATE');
      const blocked = await cli('notes:add', 'blocked', '--json');
      expect(expectFailure(blocked, 6, 'DATABASE_BUSY').message).to.equal(
        'The database is busy: another process has held its write lock for more than 500 ms',
      );
      const query = await cli(
        'database:query',
        "INSERT INTO notes (title, created_at) VALUES ('x', 'y')",
        '--write',
        '--confirm',
        '--json',
      );
      expectFailure(query, 6, 'DATABASE_BUSY');
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect((await cli('notes:add', 'second')).exitCode).to.equal(0);
    const titles = JSON.parse((await cli('notes:list', '--json')).stdout).data.map(
      (note: {title: string}) => note.title,
    );
    expect(titles).to.deep.equal(['first', 'second']);
  });
});
