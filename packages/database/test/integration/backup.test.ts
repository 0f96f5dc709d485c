import {spawn} from 'node:child_process';
import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {APP_BIN, describeEachEngine, expectFailure, ok, spawnCli} from '@systemprompt/testing';
import {digests, execute, seed, settled, wipe} from './backup-helpers.js';

const withoutAudit = (tables: Record<string, string>) =>
  Object.fromEntries(Object.entries(tables).filter(([name]) => !name.startsWith('users_audit')));

const root = fileURLToPath(new URL('../..', import.meta.url));

describeEachEngine('data:backup and data:restore', {root}, (t) => {
  let work: string;
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'systemprompt-backup-'));
    await ok(t, 'database:status');
    await seed(t);
  });
  afterEach(() => rm(work, {recursive: true, force: true}));

  const backup = async (file: string, ...extra: string[]) =>
    (await ok(t, 'data:backup', '--output', file, '--json', ...extra)).json().data;

  it('restores exactly the snapshot after the data changed (per-table checksums), owner-only archive', async () => {
    const before = await digests(t);
    const file = join(work, 'a.tar.gz');
    const made = await backup(file);
    expect(made).to.include({file, engine: t.engine, encrypted: false});
    expect(made.method).to.equal(t.engine === 'sqlite' ? 'sqlite-online-backup' : 'mysql-consistent-snapshot');
    expect((await stat(file)).mode & 0o777).to.equal(0o600);
    await wipe(t);
    expect(await digests(t)).to.not.deep.equal(before);
    const dry = await ok(t, 'data:restore', file, '--dry-run', '--json');
    expect(dry.json().data).to.include({status: 'verified', dryRun: true});
    expect(await digests(t)).to.not.deep.equal(before);
    const restored = await ok(t, 'data:restore', file, '--confirm', '--json');
    expect(restored.json().data).to.include({status: 'restored', tables: Object.keys(before).length});
    expect(await digests(t)).to.deep.equal(before);
    // The restored database is usable and still checks its foreign keys' shape.
    await execute(t, "INSERT INTO bk_parents (name) VALUES ('after the restore')");
    expect((await ok(t, 'data:validate', '--json')).json().data.valid).to.equal(true);
  });

  it('refuses without --confirm when nobody can be asked, and changes nothing', async () => {
    const file = join(work, 'a.tar.gz');
    await backup(file);
    await wipe(t);
    const changed = await digests(t);
    const run = await t.cli('data:restore', file, '--json');
    expect(run.exitCode).to.equal(2);
    expect(await digests(t)).to.deep.equal(changed);
  });

  for (const damage of ['a flipped byte', 'a truncated file'] as const)
    it(`refuses ${damage} with BACKUP_CORRUPT (exit 2) and changes nothing`, async () => {
      const file = join(work, 'a.tar.gz');
      await backup(file);
      await wipe(t);
      const live = await digests(t);
      const bytes = await readFile(file);
      if (damage === 'a flipped byte') bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
      await writeFile(file, damage === 'a flipped byte' ? bytes : bytes.subarray(0, Math.floor(bytes.length * 0.7)));
      expectFailure(await t.cli('data:restore', file, '--confirm', '--json'), 2, 'BACKUP_CORRUPT');
      expect(await digests(t)).to.deep.equal(live);
      const report = await t.cli('data:validate', '--backup', file, '--json');
      expect(report.exitCode).to.equal(5);
      expect(report.json().data.findings.map((finding: {kind: string}) => finding.kind)).to.include('backup-checksum');
    });

  it('encrypts with a passphrase: the right one restores, a wrong or missing one is refused', async () => {
    const before = await digests(t);
    const file = join(work, 'a.tar.gz.enc');
    const passphraseFile = join(work, 'passphrase');
    await writeFile(passphraseFile, 'correct horse battery staple\n', {mode: 0o600});
    const made = await backup(file, '--passphrase-file', passphraseFile);
    expect(made.encrypted).to.equal(true);
    const raw = await readFile(file);
    expect(raw.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).to.equal(false);
    expect(raw.includes(Buffer.from('bk_parents'))).to.equal(false);
    await wipe(t);
    const live = await digests(t);
    expectFailure(await t.cli('data:restore', file, '--confirm', '--json'), 2, 'BACKUP_PASSPHRASE_REQUIRED');
    process.env.WRONG_BACKUP_PASSPHRASE = 'not the passphrase';
    const wrong = await t.cli(
      'data:restore',
      file,
      '--confirm',
      '--json',
      '--passphrase-env',
      'WRONG_BACKUP_PASSPHRASE',
    );
    expectFailure(wrong, 4, 'BACKUP_PASSPHRASE_WRONG', 'passphrase');
    expect(wrong.stdout).to.not.include('not the passphrase');
    expect(await digests(t)).to.deep.equal(live);
    await ok(t, 'data:restore', file, '--confirm', '--passphrase-file', passphraseFile, '--json');
    expect(await digests(t)).to.deep.equal(before);
  });

  it('refuses a backup made by newer module versions (BACKUP_TOO_NEW, exit 2) and changes nothing', async () => {
    const file = join(work, 'a.tar.gz');
    await backup(file);
    const {extract, create} = await import('tar');
    const unpacked = join(work, 'unpacked');
    await (await import('node:fs/promises')).mkdir(unpacked);
    await extract({file, cwd: unpacked});
    const manifest = JSON.parse(await readFile(join(unpacked, 'manifest.json'), 'utf8'));
    manifest.modules.find((module: {name: string}) => module.name === 'database').version = '99.0.0';
    await writeFile(join(unpacked, 'manifest.json'), JSON.stringify(manifest));
    const forged = join(work, 'newer.tar.gz');
    await create({gzip: true, file: forged, cwd: unpacked}, [
      'manifest.json',
      ...manifest.members.map((m: {path: string}) => m.path),
    ]);
    await wipe(t);
    const live = await digests(t);
    expectFailure(await t.cli('data:restore', forged, '--confirm', '--json'), 2, 'BACKUP_TOO_NEW', 'database 99.0.0');
    expect(await digests(t)).to.deep.equal(live);
  });

  it('leaves the old data intact and usable when the restore process is killed (kill -9)', async function () {
    this.timeout(600_000);
    // The app boots every module (its access module migrates its tables): once, before the snapshot.
    const boot = await spawnCli(APP_BIN, ['database:status', '--json'], {
      env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env},
    });
    expect(boot.exitCode, boot.stderr + boot.stdout).to.equal(0);
    // A backup large enough that the restore takes a while.
    const big = Array.from({length: 40}, (_, index): [string, unknown[]] => [
      `INSERT INTO bk_children (parent_id, note) VALUES ${Array.from({length: 1000}, () => '(1, ?)').join(', ')}`,
      Array.from({length: 1000}, (_, row) => `${index}-${row} ${'x'.repeat(200)}`),
    ]);
    await execute(t, ...big);
    const snapshot = withoutAudit(await digests(t));
    const file = join(work, 'big.tar.gz');
    await backup(file);
    let killedBefore = 0;
    for (const delay of [300, 700, 1200, 1800, 2500, 3500]) {
      await execute(
        t,
        'DELETE FROM bk_children WHERE id > 100',
        `INSERT INTO bk_parents (name) VALUES ('old ${delay}')`,
      );
      const old = withoutAudit(await digests(t));
      const child = spawn(process.execPath, [APP_BIN, 'data:restore', file, '--confirm', '--json'], {
        env: {...process.env, SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env},
        stdio: 'ignore',
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      const code = await exited;
      await settled(t);
      // The audit log gets the restore's own record when it completes: compared apart from it.
      const now = withoutAudit(await digests(t));
      // One state or the other, never a mix, and the database takes writes.
      if (code === null) expect([old, snapshot]).to.deep.include(now);
      else expect(now).to.deep.equal(snapshot);
      if (code === null && JSON.stringify(now) === JSON.stringify(old)) killedBefore++;
      await execute(t, "INSERT INTO bk_parents (name) VALUES ('usable')");
    }
    expect(killedBefore, 'no kill landed before the swap').to.be.greaterThan(0);
    // A later restore cleans up after the killed ones and works.
    const last = await spawnCli(APP_BIN, ['data:restore', file, '--confirm', '--json'], {
      env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env},
      timeoutMs: 300_000,
    });
    expect(last.exitCode, last.stdout + last.stderr).to.equal(0);
    expect(withoutAudit(await digests(t))).to.deep.equal(snapshot);
  });
});

describeEachEngine('data:validate', {root}, (t) => {
  beforeEach(async () => {
    await ok(t, 'database:status');
    await seed(t, 3);
  });

  it('reports nothing on a consistent database (exit 0)', async () => {
    const run = await ok(t, 'data:validate', '--json');
    expect(run.json().data).to.include({valid: true});
    expect(run.json().data.findings).to.deep.equal([]);
  });

  it('lists orphans, a missing index and an unknown migration, and exits 5', async () => {
    const orphan: string[] =
      t.engine === 'sqlite'
        ? ['PRAGMA foreign_keys = OFF', 'INSERT INTO bk_children (parent_id) VALUES (999)']
        : ['SET FOREIGN_KEY_CHECKS = 0', 'INSERT INTO bk_children (parent_id) VALUES (999)'];
    await execute(
      t,
      ...orphan,
      t.engine === 'sqlite' ? 'DROP INDEX ix_events_occurred_at' : 'DROP INDEX ix_events_occurred_at ON events',
      [
        "INSERT INTO systemprompt_migrations (module, name, applied_at) VALUES ('gone', '20260101000000-create-gone', ?)",
        [new Date().toISOString()],
      ],
    );
    const run = await t.cli('data:validate', '--json');
    expect(run.exitCode).to.equal(5);
    const findings = run.json().data.findings as Array<{kind: string; table: string | null}>;
    expect(findings).to.deep.include.members([
      {
        kind: 'foreign-key',
        table: 'bk_children',
        detail: findings.find((f) => f.kind === 'foreign-key')!['detail' as 'kind'],
      },
    ]);
    expect(findings.map((finding) => `${finding.kind}:${finding.table}`)).to.include.members([
      'foreign-key:bk_children',
      'missing-index:events',
      'unknown-migration:null',
    ]);
    const table = await t.cli('data:validate');
    expect(table.exitCode).to.equal(5);
    expect(table.stdout).to.match(/missing-index\s+events/);
  });
});
