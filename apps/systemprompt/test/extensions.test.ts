import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine, expectFailure, spawnCli} from '@systemprompt/testing';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/run.js');
const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

describeEachEngine('third-party module packages (extension:install and extension:remove)', {root}, (t) => {
  let packs: string;
  const cli = (...args: string[]) => spawnCli(bin, args, {env: t.env, timeoutMs: 120_000});
  const pack = (name: string) => {
    const file = execFileSync('npm', ['pack', fixture(name), '--pack-destination', packs], {encoding: 'utf8'})
      .trim()
      .split('\n')
      .pop()!;
    return `file://${join(packs, file)}`;
  };

  beforeEach(() => {
    packs = mkdtempSync(join(tmpdir(), 'systemprompt-packs-'));
  });
  afterEach(() => rmSync(packs, {recursive: true, force: true}));

  it("installs a tarball on the host's core, migrates it, runs its commands, and removes it with its tables", async () => {
    const install = await cli('extension:install', pack('acme-notes'), '--json');
    expect(install.exitCode, install.stderr).to.equal(0);
    expect(JSON.parse(install.stdout).data).to.deep.include({
      module: 'acme-notes',
      package: '@acme/systemprompt-notes',
      migrationsApplied: ['20261128140000-create-acme-notes'],
      commands: ['acme-notes:add', 'acme-notes:list'],
    });

    const listed = JSON.parse((await cli('modules:list', '--json')).stdout).data.find(
      (row: {name: string}) => row.name === 'acme-notes',
    );
    expect(listed).to.include({source: 'user', status: 'ok', type: 'extension'});
    expect((await cli('acme-notes:add', 'buy milk')).exitCode).to.equal(0);
    expect(
      JSON.parse((await cli('acme-notes:list', '--json')).stdout).data.map((note: {text: string}) => note.text),
    ).to.deep.equal(['buy milk']);
    expect(JSON.parse((await cli('database:status', '--json')).stdout).data.tablesByModule['acme-notes']).to.equal(1);

    expectFailure(await cli('extension:remove', 'acme-notes', '--drop-data', '--json'), 2, 'CONFIRMATION_REQUIRED');
    const removed = await cli('extension:remove', 'acme-notes', '--confirm', '--drop-data', '--json');
    expect(removed.exitCode, removed.stderr).to.equal(0);
    expect(JSON.parse(removed.stdout).data).to.include({removed: true, migrationsReverted: 1});
    expectFailure(await cli('acme-notes:list', '--json'), 2, 'COMMAND_NOT_FOUND');
    expect(JSON.parse((await cli('database:status', '--json')).stdout).data.tablesByModule['acme-notes']).to.equal(
      undefined,
    );
    expectFailure(await cli('database:query', 'SELECT COUNT(*) AS n FROM acme_notes', '--json'), 2, 'QUERY_FAILED');
  });

  it('removes again a package that is not a valid module, and reports why (exit 2)', async () => {
    const install = await cli('extension:install', pack('broken-module'), '--json');
    expectFailure(
      install,
      2,
      'EXTENSION_INVALID',
      /^@fixture\/broken-module is not a valid module package, so it was removed again:\nmodule\.yaml \/type: must be one of/m,
    );
    const names = JSON.parse((await cli('modules:list', '--json')).stdout).data.map(
      (row: {package: string}) => row.package,
    );
    expect(names).to.not.include('@fixture/broken-module');
  });

  it('refuses to remove a module that comes with the CLI', async () => {
    expectFailure(
      await cli('extension:remove', 'database', '--confirm', '--json'),
      2,
      'MODULE_CORE',
      /^Module "database" comes with the CLI and cannot be removed$/,
    );
  });

  it('says a missing tarball or directory does not exist (exit 3), without trying the network', async () => {
    const run = await cli('extension:install', './no/such-module.tgz');
    expect(run.exitCode).to.equal(3);
    expect(run.stderr).to.equal(
      './no/such-module.tgz does not exist\nHint: Give an npm package name, a tarball or a directory.\n',
    );
    expectFailure(await cli('extension:install', './no/such-module.tgz', '--json'), 3, 'SOURCE_NOT_FOUND');
  });
});
