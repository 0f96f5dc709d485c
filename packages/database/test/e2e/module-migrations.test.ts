import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {APP_BIN, describeEachEngine, expectFailure, spawnCli} from '@systemprompt/testing';

// The real CLI with a linked module package that owns two tables and their migrations.
const bin = APP_BIN;
const notesModule = fileURLToPath(new URL('../fixtures/notes-module', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

describeEachEngine('module migrations through the systemprompt bin', {root}, (t) => {
  const cli = (...args: string[]) => spawnCli(bin, args, {env: t.env});

  beforeEach(async () => {
    const link = await cli('plugins:link', notesModule, '--no-install');
    expect(link.exitCode, link.stderr).to.equal(0);
  });

  it("migrates, reports and rolls back a module's tables", async () => {
    // Other installed modules have migrations too; these assertions are about the notes module's.
    const notesOnly = (names: string[]) => names.filter((name) => name.startsWith('notes/'));
    const before = JSON.parse((await cli('database:status', '--json')).stdout).data;
    expect(notesOnly(before.pendingMigrations)).to.deep.equal([
      'notes/20261128000000-create-notes',
      'notes/20261128000100-create-notes-tags',
    ]);

    const migrate = await cli('database:migrate', '--module', 'notes', '--json');
    expect(migrate.exitCode, migrate.stderr).to.equal(0);
    expect(
      JSON.parse(migrate.stdout).data.map((row: {name: string; status: string}) => `${row.name}:${row.status}`),
    ).to.deep.equal(['20261128000000-create-notes:applied', '20261128000100-create-notes-tags:applied']);

    const after = JSON.parse((await cli('database:status', '--json')).stdout).data;
    expect(notesOnly(after.pendingMigrations)).to.deep.equal([]);
    expect(after.tablesByModule.notes).to.equal(2);

    expectFailure(await cli('database:rollback', '--module', 'notes', '--json'), 2, 'CONFIRMATION_REQUIRED');
    const rollback = await cli('database:rollback', '--module', 'notes', '--confirm', '--json');
    expect(rollback.exitCode, rollback.stderr).to.equal(0);
    expect(JSON.parse(rollback.stdout).data.map((row: {name: string}) => row.name)).to.deep.equal([
      '20261128000100-create-notes-tags',
    ]);
    const status = JSON.parse((await cli('database:status', '--json')).stdout).data;
    expect(status.tablesByModule.notes).to.equal(1);
    expect(notesOnly(status.pendingMigrations)).to.deep.equal(['notes/20261128000100-create-notes-tags']);
  });

  it('refuses to roll back a migration that drops kept records unless its module is named, saying how many', async () => {
    expect((await cli('notes:add', 'keep me', '--json')).exitCode).to.equal(0);
    for (const args of [
      ['--steps', '2', '--confirm'],
      ['--steps', '2', '--dry-run'],
    ]) {
      // The notes module's migrations are the newest (linking it booted the users module first).
      expectFailure(
        await cli('database:rollback', ...args, '--json'),
        2,
        'ROLLBACK_DESTROYS_RECORDS',
        /^Refusing to roll back: .*notes\/20261128000000-create-notes drops notes \(1 record\).*, and those records cannot be restored$/,
      );
    }
    expect(JSON.parse((await cli('notes:list', '--json')).stdout).data).to.have.length(1);
    const plan = await cli('database:rollback', '--module', 'notes', '--steps', '2', '--dry-run', '--json');
    expect(plan.exitCode, plan.stderr).to.equal(0);
    expect(
      JSON.parse(plan.stdout).data.map((row: {name: string; destroys?: object}) => [row.name, row.destroys ?? null]),
    ).to.deep.equal([
      ['20261128000100-create-notes-tags', null],
      ['20261128000000-create-notes', {notes: 1}],
    ]);
    const named = await cli('database:rollback', '--module', 'notes', '--steps', '2', '--confirm', '--json');
    expect(named.exitCode, named.stderr).to.equal(0);
    expect(JSON.parse(named.stdout).data.map((row: {status: string}) => row.status)).to.deep.equal([
      'reverted',
      'reverted',
    ]);
  });

  it('migrates a module silently the first time one of its commands runs', async () => {
    const add = await cli('notes:add', 'buy milk', '--json');
    expect(add.exitCode, add.stderr).to.equal(0);
    expect(add.stderr).to.equal('');
    expect(JSON.parse(add.stdout).data).to.include({title: 'buy milk'});
    const list = JSON.parse((await cli('notes:list', '--json')).stdout).data;
    expect(list.map((note: {title: string}) => note.title)).to.deep.equal(['buy milk']);
    const status = JSON.parse((await cli('database:status', '--json')).stdout).data;
    expect(status.pendingMigrations.filter((name: string) => name.startsWith('notes/'))).to.deep.equal([]);
    expect(status.tablesByModule.notes).to.equal(2);
  });
});
