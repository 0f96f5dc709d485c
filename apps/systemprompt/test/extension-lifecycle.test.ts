import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, realpathSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {createTempHome, describeEachEngine, expectFailure, spawnCli} from '@systemprompt/testing';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/run.js');

// The whole life of a third-party module: scaffold it, build and pack it as its author would, install
// the tarball, use it, remove it with its data. The package is built once (npm install takes a while).
describe('a module package from extension:create to extension:remove', function () {
  this.timeout(300_000);
  let workspace: string;
  let tarball: string;

  before(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'systemprompt-extension-'));
    const home = await createTempHome();
    try {
      const created = await spawnCli(
        bin,
        [
          'extension:create',
          'acme-notes',
          '--package',
          '@acme/systemprompt-notes',
          '--directory',
          join(workspace, 'acme-notes'),
          '--json',
        ],
        {home: home.path},
      );
      expect(created.exitCode, created.stderr).to.equal(0);
    } finally {
      await home.remove();
    }
    const directory = join(workspace, 'acme-notes');
    const run = (command: string, args: string[]) =>
      execFileSync(command, args, {cwd: directory, encoding: 'utf8', stdio: 'pipe'});
    run('npm', ['install', '--no-audit', '--no-fund']);
    run('npm', ['run', 'build']);
    expect(run('npm', ['test'])).to.match(/2 passing/);
    // A home of its own: the validation sandbox boots modules, which must not touch the user's.
    const validateHome = await createTempHome();
    try {
      const validated = await spawnCli(bin, ['extension:validate', directory, '--json'], {home: validateHome.path});
      expect(validated.exitCode, validated.stderr).to.equal(0);
    } finally {
      await validateHome.remove();
    }
    tarball = `file://${join(directory, run('npm', ['pack']).trim().split('\n').pop()!)}`;
  });
  after(() => rmSync(workspace, {recursive: true, force: true}));

  describeEachEngine('installed', {root}, (t) => {
    const cli = (...args: string[]) => spawnCli(bin, args, {env: t.env, timeoutMs: 120_000});

    it('shows as a user module, writes to its own table, and goes away with its tables', async () => {
      const install = await cli('extension:install', tarball, '--json');
      expect(install.exitCode, install.stderr).to.equal(0);
      expect(JSON.parse(install.stdout).data.migrationsApplied).to.deep.equal([
        '20261128000000-create-acme-notes-notes',
      ]);
      // One copy of core: the plugin directory links the host's packages instead of installing its own.
      const hostCore = realpathSync(join(root, 'node_modules', '@systemprompt', 'core'));
      expect(realpathSync(join(t.home.path, 'data', 'node_modules', '@systemprompt', 'core'))).to.equal(hostCore);
      expect(
        existsSync(
          join(t.home.path, 'data', 'node_modules', '@acme', 'systemprompt-notes', 'node_modules', '@systemprompt'),
        ),
      ).to.equal(false);
      const listed = JSON.parse((await cli('modules:list', '--json')).stdout).data.find(
        (row: {name: string}) => row.name === 'acme-notes',
      );
      expect(listed).to.include({source: 'user', status: 'ok', package: '@acme/systemprompt-notes'});

      expect(JSON.parse((await cli('acme-notes:hello', 'Ada', '--json')).stdout).data).to.deep.equal({
        message: 'Hello, Ada!',
      });
      expect((await cli('acme-notes:add', 'buy milk')).exitCode).to.equal(0);
      expect(
        JSON.parse((await cli('acme-notes:list', '--json')).stdout).data.map((note: {text: string}) => note.text),
      ).to.deep.equal(['buy milk']);
      const rows = JSON.parse((await cli('database:query', 'SELECT text FROM acme_notes_notes', '--json')).stdout).data;
      expect(rows).to.deep.equal([{text: 'buy milk'}]);

      const removed = await cli('extension:remove', 'acme-notes', '--confirm', '--drop-data', '--json');
      expect(removed.exitCode, removed.stderr).to.equal(0);
      expect(JSON.parse(removed.stdout).data).to.include({removed: true, migrationsReverted: 1});
      expectFailure(await cli('acme-notes:list', '--json'), 2, 'COMMAND_NOT_FOUND');
      const ids = JSON.parse((await cli('cli:list', '--json')).stdout).data.map((row: {id: string}) => row.id);
      expect(ids.filter((id: string) => id.startsWith('acme-notes:'))).to.deep.equal([]);
      expectFailure(await cli('database:query', 'SELECT text FROM acme_notes_notes', '--json'), 2, 'QUERY_FAILED');
    });
  });
});
