import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine, spawnCli} from '@systemprompt/testing';

// The real CLI with a linked module package that owns two tables and their migrations.
const bin = fileURLToPath(new URL('../../../../apps/systemprompt/bin/run.js', import.meta.url));
const notesModule = fileURLToPath(new URL('../fixtures/notes-module', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

describeEachEngine('module migrations through the systemprompt bin', {root}, (t) => {
  const cli = (...args: string[]) => spawnCli(bin, args, {env: t.env});

  beforeEach(async () => {
    const link = await cli('plugins:link', notesModule, '--no-install');
    expect(link.exitCode, link.stderr).to.equal(0);
  });

  it('migrates, reports and rolls back a module\'s tables', async () => {
    // Other installed modules have migrations too; these assertions are about the notes module's.
    const notesOnly = (names: string[]) => names.filter((name) => name.startsWith('notes/'));
    const before = JSON.parse((await cli('database:status', '--json')).stdout).data;
    expect(notesOnly(before.pendingMigrations)).to.deep.equal(['notes/20261128000000-create-notes', 'notes/20261128000100-create-notes-tags']);

    const migrate = await cli('database:migrate', '--module', 'notes', '--json');
    expect(migrate.exitCode, migrate.stderr).to.equal(0);
    expect(JSON.parse(migrate.stdout).data.map((row: {name: string; status: string}) => `${row.name}:${row.status}`)).to.deep.equal(['20261128000000-create-notes:applied', '20261128000100-create-notes-tags:applied']);

    const after = JSON.parse((await cli('database:status', '--json')).stdout).data;
    expect(notesOnly(after.pendingMigrations)).to.deep.equal([]);
    expect(after.tablesByModule.notes).to.equal(2);

    const refused = await cli('database:rollback', '--module', 'notes');
    expect(refused.exitCode).to.equal(2);
    const rollback = await cli('database:rollback', '--module', 'notes', '--confirm', '--json');
    expect(rollback.exitCode, rollback.stderr).to.equal(0);
    expect(JSON.parse(rollback.stdout).data.map((row: {name: string}) => row.name)).to.deep.equal(['20261128000100-create-notes-tags']);
    const status = JSON.parse((await cli('database:status', '--json')).stdout).data;
    expect(status.tablesByModule.notes).to.equal(1);
    expect(notesOnly(status.pendingMigrations)).to.deep.equal(['notes/20261128000100-create-notes-tags']);
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
