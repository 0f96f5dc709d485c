import {execFile} from 'node:child_process';
import {existsSync, readFileSync, realpathSync} from 'node:fs';
import {cp, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {expect} from 'chai';
import {spawnCli, startRegistry, type LoopbackRegistry} from '@systemprompt/testing';
import {writeDocModule} from './helpers/module-authors-doc.js';
import {releasedRegistry} from './helpers/release-registry.js';

const run = promisify(execFile);
const appRoot = fileURLToPath(new URL('..', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
/** npm pointed at a closed loopback port, failing at once: whatever needs the registry fails. */
const OFFLINE = {npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0'};

// The CLI as a user without this checkout gets it: released (pnpm run release, changesets publishing
// every public package) to a registry on loopback that also holds the third-party packages it needs,
// mirrored from this machine, and installed with `npm install -g systemprompt` into an empty prefix,
// offline: nothing leaves the machine. Then the documented author path with that CLI:
// extension:create, npm install, npm run build, npm pack, and extension:install with no registry at
// all; and the same for the module that docs/module-authors.md writes by hand. The global install
// compiles better-sqlite3 (about 90 s on 2 cores); the whole file takes about 5 minutes.
describe('systemprompt released to a registry and installed from it with npm', function () {
  this.timeout(600_000);
  let scratch: string;
  let home: string;
  let bin: string;
  let released: LoopbackRegistry;
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnCli(bin, args, {home, env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...env}, timeoutMs: 180_000});
  // npm for a module author: packages from the released registry on loopback, nothing from elsewhere.
  const npm = async (args: string[], cwd: string) =>
    (
      await run('npm', args, {
        cwd,
        maxBuffer: 64 * 1024 * 1024,
        env: {...process.env, ...released.env},
      })
    ).stdout;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'systemprompt-npm-cli-'));
    home = join(scratch, 'home');
    released = await releasedRegistry();
    const prefix = join(scratch, 'prefix');
    // npm 11 runs a global install's dependency scripts only when allowed: better-sqlite3 compiles
    // (from source: prebuild-install would download a binary) against this machine's Node headers.
    await run('npm', ['install', '--global', '--prefix', prefix, '--allow-scripts=better-sqlite3', 'systemprompt'], {
      cwd: scratch,
      maxBuffer: 64 * 1024 * 1024,
      env: {...process.env, ...released.env, npm_config_build_from_source: 'true'},
    });
    bin = join(prefix, 'bin', 'systemprompt');
  });
  after(async () => {
    await released?.close();
    await rm(scratch, {recursive: true, force: true});
  });

  it("makes a module that builds, installs with no registry, and runs on the host's packages", async () => {
    const directory = join(scratch, 'acme-g');
    const created = await cli(['extension:create', 'acme-g', '--directory', directory, '--json']);
    expect(created.exitCode, created.stderr).to.equal(0);
    await npm(['install', '--prefer-offline', '--no-audit', '--no-fund'], directory);
    await npm(['run', 'build'], directory);
    const tarball = join(directory, (await npm(['pack'], directory)).trim().split('\n').pop()!);

    const installed = await cli(['extension:install', tarball, '--json'], OFFLINE);
    expect(installed.exitCode, installed.stderr + installed.stdout).to.equal(0);
    expect(JSON.parse(installed.stdout).data).to.deep.include({
      module: 'acme-g',
      action: 'installed',
      migrationsApplied: ['20261128000000-create-acme-g-notes'],
    });
    // What the module imports from the host is the host's: core, and oclif as the CLI itself loads them.
    const fromCli = createRequire(join(scratch, 'prefix', 'lib', 'node_modules', 'systemprompt', 'package.json'));
    const fromModule = createRequire(join(home, 'data', 'node_modules', 'systemprompt-module-acme-g', 'package.json'));
    for (const file of ['@oclif/core', '@systemprompt/core/package.json'])
      expect(realpathSync(fromModule.resolve(file)), file).to.equal(realpathSync(fromCli.resolve(file)));

    const hello = await cli(['acme-g:hello', 'World', '--json']);
    expect(hello.exitCode, hello.stderr).to.equal(0);
    expect(JSON.parse(hello.stdout)).to.deep.equal({ok: true, data: {message: 'Hello, World!'}});
  });

  it('installs a module package written by hand (the acme-notes fixture) with no registry', async () => {
    const tarball = join(
      scratch,
      (await npm(['pack', fixture('acme-notes'), '--pack-destination', scratch], scratch)).trim().split('\n').pop()!,
    );
    const installed = await cli(['extension:install', tarball, '--json'], OFFLINE);
    expect(installed.exitCode, installed.stderr + installed.stdout).to.equal(0);
    expect((await cli(['acme-notes:add', 'buy milk'])).exitCode).to.equal(0);
  });

  it('says what npm said when an install needs the registry and cannot reach it (exit 6)', async () => {
    const directory = join(scratch, 'needs-registry');
    await mkdir(directory);
    await writeFile(
      join(directory, 'package.json'),
      JSON.stringify({
        name: 'acme-needs-registry',
        version: '1.0.0',
        type: 'module',
        systemprompt: {module: './module.js'},
        dependencies: {'left-pad': '^1.3.0'},
        peerDependencies: {'@systemprompt/core': '^0.1.0'},
        oclif: {},
      }),
    );
    await writeFile(
      join(directory, 'module.yaml'),
      'name: acme-needs-registry\nversion: 1.0.0\ntype: extension\ndescription: Needs a package from the registry.\n',
    );
    const tarball = join(
      scratch,
      (await npm(['pack', directory, '--pack-destination', scratch], scratch)).trim().split('\n').pop()!,
    );
    const failed = await cli(['extension:install', tarball, '--json'], OFFLINE);
    expect(failed.exitCode, failed.stderr).to.equal(6);
    const {error} = JSON.parse(failed.stdout) as {error: {code: string; message: string}};
    expect(error.code).to.equal('INSTALL_FAILED');
    expect(error.message).to.match(/: npm error .*127\.0\.0\.1:9\/left-pad.*ECONNREFUSED/);
  });

  // The doc's package has no @oclif/core or typeorm of its own: its tsc names the types of its
  // commands' args and of its entity through @systemprompt/core and @systemprompt/database/schema,
  // which here are the global install's, each with its own node_modules (TS2883 before).
  describe('the module of docs/module-authors.md, written by hand from the doc', () => {
    let directory: string;
    let hostPackages: string;
    // npm installs the CLI's own packages inside it: PREFIX/lib/node_modules/systemprompt/node_modules.
    const cliPackages = () => join(scratch, 'prefix', 'lib', 'node_modules', 'systemprompt', 'node_modules');

    before(async () => {
      // Where the doc says an installed host keeps its packages: next to extension:info database's root.
      const info = await cli(['extension:info', 'database', '--json']);
      expect(info.exitCode, info.stderr).to.equal(0);
      hostPackages = dirname(JSON.parse(info.stdout).data.root);
      directory = join(scratch, 'acme-tasks');
      writeDocModule(directory, hostPackages);
      await npm(['install', '--prefer-offline', '--no-audit', '--no-fund'], directory);
      await npm(['run', 'build'], directory);
    });

    it("builds against the host's own packages, found where the doc says, and its tests pass", async () => {
      expect(realpathSync(hostPackages)).to.equal(realpathSync(join(cliPackages(), '@systemprompt')));
      expect(realpathSync(join(directory, 'node_modules', '@systemprompt', 'core'))).to.equal(
        realpathSync(join(cliPackages(), '@systemprompt', 'core')),
      );
      for (const file of ['src/commands/acme-tasks/add.d.ts', 'src/entities.d.ts']) {
        expect(
          readFileSync(join(directory, 'dist', file), 'utf8'),
          `${file} names only packages the module can reach`,
        ).not.to.contain('node_modules');
      }
      const tested = await npm(['test'], directory);
      expect(tested)
        .to.match(/^# pass 2$/m)
        .and.match(/^# fail 0$/m);
    });

    it('installs from its tarball with no registry, and its commands run', async () => {
      const tarball = join(directory, (await npm(['pack', '--ignore-scripts'], directory)).trim().split('\n').pop()!);
      const installed = await cli(['extension:install', tarball, '--json'], OFFLINE);
      expect(installed.exitCode, installed.stderr + installed.stdout).to.equal(0);
      expect(JSON.parse(installed.stdout).data).to.deep.include({
        module: 'acme-tasks',
        action: 'installed',
        migrationsApplied: ['20260115090000-create-acme-tasks'],
        commands: ['acme-tasks:add', 'acme-tasks:list'],
      });

      const added = await cli(['acme-tasks:add', 'Write the release notes', '--json']);
      expect(added.exitCode, added.stderr).to.equal(0);
      expect(JSON.parse(added.stdout).data).to.include({
        id: 1,
        title: 'Write the release notes',
        createdBy: 'local-admin',
      });
      const listed = await cli(['acme-tasks:list', '--json']);
      expect(JSON.parse(listed.stdout).data.map((task: {title: string}) => task.title)).to.deep.equal([
        'Write the release notes',
      ]);
    });
  });

  // system:update on this npm-installed CLI, against a private registry on loopback (verdaccio, no
  // uplink): a module installed by name gets its next version, the migration it brings runs, a backup
  // is taken first and the output says how to go back. The CLI itself is not in that registry.
  describe('what a user does first, from the release', () => {
    const fromRegistry = (args: string[]) =>
      spawnCli(bin, args, {
        home: join(scratch, 'first-home'),
        env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...released.env},
        timeoutMs: 180_000,
      });
    const json = async (args: string[]) => {
      const result = await fromRegistry([...args, '--json']);
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}${result.stdout}`).to.equal(0);
      return JSON.parse(result.stdout).data;
    };

    it('runs: --version, users:create, a detached server answering /health', async () => {
      const version = (JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as {version: string}).version;
      const shown = await fromRegistry(['--version']);
      expect(shown.exitCode, shown.stderr).to.equal(0);
      expect(shown.stdout).to.match(new RegExp(`^systemprompt/${version.replace(/\./g, '\\.')} `));
      expect(await json(['users:create', '--email', 'ana@example.com', '--role', 'admin'])).to.include({
        email: 'ana@example.com',
      });
      const started = (await json(['system:start', '--detach', '--port', '0'])) as {url: string; pid: number};
      try {
        const health = await fetch(`${started.url}/health`);
        expect(health.status).to.equal(200);
        expect(await health.json()).to.deep.equal({status: 'ok'});
      } finally {
        const stopped = await fromRegistry(['system:stop']);
        expect(stopped.exitCode, stopped.stderr).to.equal(0);
      }
    });

    it('installs a module from the registry by its npm name, updates it to the next version published there', async () => {
      const notes = join(scratch, 'acme-notes-released');
      await cp(fixture('acme-notes'), notes, {recursive: true});
      await released.publish(notes);
      expect(await json(['extension:install', '@acme/systemprompt-notes'])).to.deep.include({
        module: 'acme-notes',
        version: '1.0.0',
      });
      await json(['acme-notes:add', 'kept across the update']);
      for (const file of ['package.json', 'module.yaml'])
        await writeFile(join(notes, file), (await readFile(join(notes, file), 'utf8')).replace('1.0.0', '1.0.1'));
      await released.publish(notes);

      const planned = await json(['system:update', '--dry-run']);
      const byName = Object.fromEntries(
        (planned.changes as Array<{name: string; from: string; to: string; update: boolean}>).map((change) => [
          change.name,
          change,
        ]),
      );
      // The CLI is in this registry at the version installed: nothing to update; the module is.
      expect(byName.systemprompt).to.include({update: false});
      expect(byName.systemprompt!.to).to.equal(byName.systemprompt!.from);
      expect(byName['acme-notes']).to.include({from: '1.0.0', to: '1.0.1', update: true});

      const updated = await json(['extension:update', 'acme-notes']);
      expect(JSON.stringify(updated)).to.include('1.0.1');
      expect((await json(['extension:info', 'acme-notes'])).version).to.equal('1.0.1');
      expect((await json(['acme-notes:list'])).map((note: {text: string}) => note.text)).to.deep.equal([
        'kept across the update',
      ]);
    });
  });

  describe('system:update from a registry on loopback', () => {
    let registry: LoopbackRegistry;
    let notes: string;
    let updateHome: string;
    const updating = (args: string[]) =>
      spawnCli(bin, args, {
        home: updateHome,
        env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...registry.env},
        timeoutMs: 180_000,
      });
    const json = async (args: string[]) => {
      const run = await updating([...args, '--json']);
      expect(run.exitCode, `${args.join(' ')}: ${run.stderr}${run.stdout}`).to.equal(0);
      return JSON.parse(run.stdout).data;
    };

    before(async () => {
      registry = await startRegistry();
      updateHome = join(scratch, 'update-home');
      notes = join(scratch, 'acme-notes-published');
      await cp(fixture('acme-notes'), notes, {recursive: true});
      await registry.publish(notes);
    });
    after(() => registry?.close());

    it('shows the newer module and its migration (--dry-run changes nothing), applies it, says how to go back', async () => {
      expect(await json(['extension:install', '@acme/systemprompt-notes'])).to.deep.include({
        module: 'acme-notes',
        version: '1.0.0',
      });
      await json(['acme-notes:add', 'written before the update']);
      expect((await json(['system:update', '--dry-run'])).changes.filter((change: {update: boolean}) => change.update))
        .to.be.empty;

      // 1.1.0 brings a second migration.
      await writeFile(
        join(notes, 'migrations', '20270101000000-add-acme-notes-tag.js'),
        [
          "import {TableColumn, defineMigration} from '@systemprompt/database/schema';",
          'export default defineMigration({',
          "  name: '20270101000000-add-acme-notes-tag',",
          '  steps: [{',
          "    up: (runner) => runner.addColumn('acme_notes', new TableColumn({name: 'tag', type: 'varchar', length: '40', isNullable: true})),",
          "    down: (runner) => runner.dropColumn('acme_notes', 'tag'),",
          '  }],',
          '});',
          '',
        ].join('\n'),
      );
      for (const file of ['package.json', 'module.yaml'])
        await writeFile(join(notes, file), (await readFile(join(notes, file), 'utf8')).replace('1.0.0', '1.1.0'));
      await registry.publish(notes);

      const planned = await json(['system:update', '--dry-run']);
      expect(planned).to.deep.include({installation: 'npm', dryRun: true, backup: null, migrationsApplied: []});
      expect(planned.changes).to.deep.equal([
        {
          kind: 'cli',
          name: 'systemprompt',
          package: 'systemprompt',
          from: planned.changes[0].from,
          to: planned.changes[0].from,
          update: false,
          migrations: [],
          note: 'not in the registry',
        },
        {
          kind: 'module',
          name: 'acme-notes',
          package: '@acme/systemprompt-notes',
          from: '1.0.0',
          to: '1.1.0',
          update: true,
          migrations: ['20270101000000-add-acme-notes-tag'],
        },
      ]);
      expect((await json(['extension:info', 'acme-notes'])).version, 'the dry run installed nothing').to.equal('1.0.0');

      const applied = await json(['system:update']);
      expect(applied.dryRun).to.equal(false);
      expect(applied.migrationsApplied).to.deep.equal(['20270101000000-add-acme-notes-tag']);
      expect(applied.backup).to.match(/pre-update-.*\.tar\.gz$/);
      expect(existsSync(applied.backup)).to.equal(true);
      expect(applied.rollback).to.deep.equal([
        'systemprompt extension:install @acme/systemprompt-notes@1.0.0',
        `systemprompt system:restore ${applied.backup}`,
      ]);
      expect((await json(['extension:info', 'acme-notes'])).version).to.equal('1.1.0');
      expect((await json(['acme-notes:list'])).map((note: {text: string}) => note.text)).to.deep.equal([
        'written before the update',
      ]);
      const columns = await json(['database:query', 'SELECT tag FROM acme_notes']);
      expect(columns).to.deep.equal([{tag: null}]);
      expect((await json(['system:update', '--dry-run'])).changes.filter((change: {update: boolean}) => change.update))
        .to.be.empty;
    });
  });
});
