import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gunzipSync} from 'node:zlib';
import {expect} from 'chai';
import {LOCAL_ADMIN, resolveSystemPaths, silentLogger} from '@systemprompt/core';
import {DatabaseService, parseDatabaseUrl} from '@systemprompt/database';
import {BackupService} from '@systemprompt/database/backup';
import {
  createTempHome,
  createTestDatabase,
  expectFailure,
  testEngines,
  type TempHome,
  type TestDatabase,
} from '@systemprompt/testing';
import {cliWith, startDetached} from './helpers/server.js';

const withoutAudit = (tables: ReadonlyArray<{name: string; rows: number; sha256: string}>) =>
  Object.fromEntries(
    tables
      .filter((table) => !table.name.startsWith('users_audit'))
      .map((table) => [table.name, `${table.rows}:${table.sha256}`]),
  );

/** manifest.json, the archive's first member: one tar header (name, octal size) and its content. */
async function readManifest(file: string) {
  const tar = gunzipSync(await readFile(file));
  expect(tar.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '')).to.equal('manifest.json');
  const size = Number.parseInt(tar.subarray(124, 136).toString('utf8').replace(/\0.*$/s, '').trim(), 8);
  return JSON.parse(tar.subarray(512, 512 + size).toString('utf8'));
}

for (const engine of testEngines()) {
  describe(`system:backup and system:restore with the server running [${engine}]`, function () {
    this.timeout(300_000);
    let home: TempHome;
    let database: TestDatabase;
    let work: string;
    let cli: ReturnType<typeof cliWith>;

    const openDatabase = () =>
      new DatabaseService(
        {
          target: parseDatabaseUrl(database.url, join(home.path, 'data', 'modules', 'database', 'systemprompt.sqlite')),
          poolSize: 2,
          busyTimeoutMs: 10_000,
          connectTimeoutMs: 5000,
          queryTimeoutMs: 10_000,
        },
        silentLogger,
      );
    const digests = async () => {
      const service = openDatabase();
      try {
        return await new BackupService(service, resolveSystemPaths(undefined, {SYSTEMPROMPT_HOME: home.path})).digests(
          LOCAL_ADMIN,
        );
      } finally {
        await service.close();
      }
    };

    beforeEach(async () => {
      home = await createTempHome();
      database = await createTestDatabase(engine);
      work = await mkdtemp(join(tmpdir(), 'systemprompt-system-backup-'));
      cli = cliWith({
        SYSTEMPROMPT_HOME: home.path,
        SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true',
        SYSTEMPROMPT_DATABASE_URL: database.url,
      });
    });
    afterEach(async () => {
      await cli('system:stop', '--timeout', '5');
      await database.drop();
      await home.remove();
      await rm(work, {recursive: true, force: true});
    });

    it('takes a consistent snapshot while writes go on, refuses to restore under the server, and restores it all', async () => {
      const status = await cli('database:status', '--json');
      expect(status.exitCode, status.stderr + status.stdout).to.equal(0);
      const writer = openDatabase();
      const dataSource = await writer.dataSource();
      await dataSource.query(
        engine === 'mysql'
          ? 'CREATE TABLE bk_pairs (id INTEGER PRIMARY KEY AUTO_INCREMENT, pair INTEGER NOT NULL, half INTEGER NOT NULL)'
          : 'CREATE TABLE bk_pairs (id INTEGER PRIMARY KEY AUTOINCREMENT, pair INTEGER NOT NULL, half INTEGER NOT NULL)',
      );
      await mkdir(join(home.path, 'config'), {recursive: true});
      await writeFile(join(home.path, 'config', 'backup-marker.txt'), 'before the backup\n');
      const server = await startDetached(cli);
      expect(server.pid).to.be.a('number');

      // Writes in another process's view: each transaction adds two rows, so a snapshot of committed
      // states always holds an even number of them.
      let writing = true;
      let transactions = 0;
      const writes = (async () => {
        for (let pair = 0; writing; pair++) {
          await writer.transaction(async (manager) => {
            await manager.query('INSERT INTO bk_pairs (pair, half) VALUES (?, 1)', [pair]);
            await new Promise((resolve) => setTimeout(resolve, 2));
            await manager.query('INSERT INTO bk_pairs (pair, half) VALUES (?, 2)', [pair]);
          });
          transactions++;
        }
      })();
      let failed: unknown;
      writes.catch((error: unknown) => (failed = error));
      while (transactions < 20 && failed === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
      if (failed) throw failed;
      const before = transactions;
      const file = join(work, 'system.tar.gz');
      const backup = await cli('system:backup', '--output', file, '--json');
      const during = transactions - before;
      writing = false;
      await writes;
      expect(backup.exitCode, backup.stderr + backup.stdout).to.equal(0);
      expect(JSON.parse(backup.stdout).data).to.include({kind: 'system', engine, file});
      expect(during, 'writes went on during the backup').to.be.greaterThan(0);

      // The snapshot's own record of its tables (verified again by the restore).
      const manifest = await readManifest(file);
      const pairs = manifest.tables.find((table: {name: string}) => table.name === 'bk_pairs');
      expect(pairs.rows % 2, 'no half-written transaction in the snapshot').to.equal(0);
      expect(pairs.rows).to.be.greaterThan(0);
      expect(manifest.members.map((member: {path: string}) => member.path)).to.include('config/backup-marker.txt');

      expectFailure(await cli('system:restore', file, '--confirm', '--json'), 5, 'BACKUP_SERVER_RUNNING');
      const stop = await cli('system:stop', '--json');
      expect(stop.exitCode, stop.stderr).to.equal(0);

      // Wipe: rows, a table, and the configuration change.
      await dataSource.query('DELETE FROM bk_pairs');
      await dataSource.query('DROP TABLE events');
      await writer.close();
      await writeFile(join(home.path, 'config', 'backup-marker.txt'), 'after the backup\n');
      expect(withoutAudit(await digests())).to.not.deep.equal(withoutAudit(manifest.tables));

      const restore = await cli('system:restore', file, '--confirm', '--json');
      expect(restore.exitCode, restore.stderr + restore.stdout).to.equal(0);
      expect(JSON.parse(restore.stdout).data).to.include({status: 'restored', config: true});
      expect(withoutAudit(await digests())).to.deep.equal(withoutAudit(manifest.tables));
      expect(await readFile(join(home.path, 'config', 'backup-marker.txt'), 'utf8')).to.equal('before the backup\n');
      // The installation works on the restored data, and the restore is in its audit log.
      const audit = await cli('permissions:audit', '--limit', '0', '--json');
      expect(audit.exitCode, audit.stderr + audit.stdout).to.equal(0);
      expect(JSON.parse(audit.stdout).data.map((row: {action: string}) => row.action)).to.include('system.restore');
    });
  });
}
