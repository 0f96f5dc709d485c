import {chmod, mkdir, stat, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {silentLogger} from '@systemprompt/core';
import {createTempHome, type TempHome} from '@systemprompt/testing';
import {parseDatabaseUrl} from '../../src/connection.js';
import {DatabaseService} from '../../src/services/database-service.js';

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('the SQLite file is private', () => {
  let home: TempHome;
  let umask: number;
  let service: DatabaseService | undefined;

  beforeEach(async () => {
    home = await createTempHome();
    // The most permissive umask: nothing may rely on it.
    umask = process.umask(0);
  });
  afterEach(async () => {
    process.umask(umask);
    await service?.close();
    service = undefined;
    await home.remove();
  });

  const open = async (file: string) => {
    service = new DatabaseService(
      {
        target: parseDatabaseUrl(undefined, file),
        poolSize: 1,
        busyTimeoutMs: 2000,
        connectTimeoutMs: 5000,
        queryTimeoutMs: 5000,
      },
      silentLogger,
    );
    const dataSource = await service.dataSource();
    // A write makes the -wal and -shm files.
    await dataSource.query('CREATE TABLE IF NOT EXISTS things (id integer PRIMARY KEY)');
    await dataSource.query('INSERT OR REPLACE INTO things (id) VALUES (1)');
  };

  it('creates the database file, its -wal and -shm 0600 in a new 0700 directory, with umask 000', async () => {
    const directory = join(home.path, 'data', 'modules', 'database');
    const file = join(directory, 'systemprompt.sqlite');
    await open(file);
    expect(await modeOf(directory)).to.equal(0o700);
    for (const path of [file, `${file}-wal`, `${file}-shm`]) expect(await modeOf(path), path).to.equal(0o600);
  });

  it('narrows a database file and -wal/-shm that an older version left 0644', async () => {
    const directory = join(home.path, 'db');
    const file = join(directory, 'old.sqlite');
    await mkdir(directory, {recursive: true});
    await open(file);
    await service!.close();
    for (const path of [file, `${file}-wal`, `${file}-shm`]) {
      await writeFile(path, '', {flag: 'a'});
      await chmod(path, 0o644);
    }
    await open(file);
    for (const path of [file, `${file}-wal`, `${file}-shm`]) expect(await modeOf(path), path).to.equal(0o600);
  });
});
