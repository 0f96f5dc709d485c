import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {cpSync, existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {
  APP_BIN,
  describeEachEngine,
  expectFailure,
  packModuleVariant,
  spawnCli,
  type EngineFixture,
  type ModuleVariant,
} from '@systemprompt/testing';

// The life of a third-party module package written by hand (not from the template), built and packed
// outside the workspace, installed with no registry reachable: install, use, upgrade with a new
// migration, a failed upgrade that leaves everything as it was, downgrade refused then forced, name and
// topic clashes refused through extension:install and plugins:install, a failing initialize() shown
// by modules:list, update from a registry on loopback, and removal with its data and configuration.

const PACKAGE = '@acme/systemprompt-notes';

const TAGS_MIGRATION = `import {Table, defineMigration} from '@systemprompt/database/schema';

export default defineMigration({
  name: '20261202000000-create-acme-notes-tags',
  steps: [{
    up: (runner) => runner.createTable(new Table({name: 'acme_notes_tags', columns: [
      {name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment'},
      {name: 'tag', type: 'varchar', length: '50'},
    ]})),
    down: (runner) => runner.dropTable('acme_notes_tags'),
  }],
});
`;

// Passes on the empty scratch database extension:validate uses, fails on the installation's data
// (two equal notes): the failure happens after the new version is installed, so it must be put back.
const FAILING_MIGRATION = `import {TableIndex, defineMigration} from '@systemprompt/database/schema';

export default defineMigration({
  name: '20261203000000-add-acme-notes-unique-text',
  steps: [{
    up: (runner) => runner.createIndex('acme_notes', new TableIndex({name: 'uq_acme_notes_text', columnNames: ['text'], isUnique: true})),
    down: (runner) => runner.dropIndex('acme_notes', 'uq_acme_notes_text'),
  }],
});
`;

// Every version below has a configuration (a greeting, and a switch that makes initialize() fail).
const CONFIGURABLE = {
  'module.yaml': (text: string) => `${text.trimEnd()}
config:
  type: object
  additionalProperties: false
  properties:
    greeting: {type: string, default: Hello}
    failOnInit: {type: boolean, default: false}
`,
  'module.js': (text: string) =>
    text.replace(
      'async initialize(context) {',
      "async initialize(context) {\n    if (context.config.failOnInit) throw new Error('failOnInit is set');",
    ),
};

/** A configurable variant of the hand-written acme-notes package, packed in `root`; returns the tarball. */
const packVariant = (root: string, variant: ModuleVariant) =>
  packModuleVariant(root, {...variant, edits: {...CONFIGURABLE, ...variant.edits}});

/** A registry on loopback that serves the packuments and tarballs "published" to it. */
class LoopbackRegistry {
  private readonly published = new Map<string, Map<string, string>>();
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const raw = (request.url ?? '/').split('?')[0]!;
      if (raw.startsWith('/-/tarballs/')) {
        const [name, file] = raw.slice('/-/tarballs/'.length).split('/');
        const tarball = this.published.get(decodeURIComponent(name!))?.get((file ?? '').replace(/\.tgz$/, ''));
        if (!tarball) return void response.writeHead(404).end();
        response.writeHead(200, {'content-type': 'application/octet-stream'}).end(readFileSync(tarball));
        return;
      }
      const path = decodeURIComponent(raw.slice(1));
      const versions = this.published.get(path);
      if (!versions)
        return void response.writeHead(404, {'content-type': 'application/json'}).end('{"error":"not found"}');
      const packument = {
        name: path,
        'dist-tags': {latest: [...versions.keys()].at(-1)},
        versions: {} as Record<string, unknown>,
      };
      for (const [version, file] of versions) {
        const data = readFileSync(file);
        const pjson = JSON.parse(
          execFileSync('tar', ['-xzOf', file, 'package/package.json'], {encoding: 'utf8'}),
        ) as Record<string, unknown>;
        packument.versions[version] = {
          ...pjson,
          dist: {
            tarball: `${this.url}/-/tarballs/${encodeURIComponent(path)}/${version}.tgz`,
            shasum: createHash('sha1').update(data).digest('hex'),
            integrity: `sha512-${createHash('sha512').update(data).digest('base64')}`,
          },
        };
      }
      response.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify(packument));
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  publish(name: string, version: string, tarball: string): void {
    (this.published.get(name) ?? this.published.set(name, new Map()).get(name)!).set(version, tarball);
  }

  async stop(): Promise<void> {
    await new Promise((done) => this.server?.close(done));
  }
}

describe('a hand-written module package through its whole life', function () {
  this.timeout(600_000);
  let root: string;
  const tarballs: Record<string, string> = {};

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'systemprompt-lifecycle-'));
    tarballs.v1 = await packVariant(root, {version: '1.0.0'});
    tarballs.v11 = await packVariant(root, {
      version: '1.1.0',
      files: {'migrations/20261202000000-create-acme-notes-tags.js': TAGS_MIGRATION},
    });
    tarballs.v12broken = await packVariant(root, {
      version: '1.2.0',
      files: {
        'migrations/20261202000000-create-acme-notes-tags.js': TAGS_MIGRATION,
        'migrations/20261203000000-add-acme-notes-unique-text.js': FAILING_MIGRATION,
      },
    });
    tarballs.namedUsers = await packVariant(root, {version: '1.0.0', packageName: '@evil/users', moduleName: 'users'});
    tarballs.claimsUsersList = await packVariant(root, {
      version: '1.0.0',
      packageName: '@evil/lister',
      moduleName: 'lister',
      commandIds: {'acme-notes:list': 'users:list', 'acme-notes:add': 'lister:add'},
    });
  });
  after(() => rmSync(root, {recursive: true, force: true}));

  describeEachEngine('installed', {root: fileURLToPath(new URL('..', import.meta.url))}, (t: EngineFixture) => {
    // No registry can be reached: every install below must need nothing from the network.
    const offline = {
      npm_config_registry: 'http://127.0.0.1:9/',
      npm_config_offline: 'true',
      npm_config_cache: join(tmpdir(), 'systemprompt-lifecycle-npm-cache'),
    };
    const cli = async (...args: string[]) => {
      const run = await spawnCli(APP_BIN, args, {
        env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env, ...offline},
        timeoutMs: 180_000,
      });
      // plugins:install lets npm's own warnings through on stdout before the envelope.
      const envelope = run.stdout.startsWith('{') ? run.stdout : run.stdout.slice(run.stdout.indexOf('\n{') + 1);
      return {
        ...run,
        json: () => JSON.parse(envelope) as {ok: boolean; data: any; error: {code: string; message: string}},
      };
    };
    const okJson = async (...args: string[]) => {
      const run = await cli(...args, '--json');
      expect(run.exitCode, `${args.join(' ')}: ${run.stderr}${run.stdout}`).to.equal(0);
      return run.json().data;
    };
    const tables = async () => [
      ...new Set(((await okJson('database:schema')) as Array<{table: string}>).map((row) => row.table)),
    ];
    const userModule = async () =>
      (
        (await okJson('modules:list')) as Array<{
          package: string;
          version: string;
          status: string;
          problem: string | null;
        }>
      ).filter((row) => row.package !== undefined && !row.package.startsWith('@systemprompt/'));

    it('installs offline, upgrades with its new migration, keeps the data through a failed upgrade, refuses then forces a downgrade, and removes everything', async () => {
      const installed = await okJson('extension:install', tarballs.v1!);
      expect(installed).to.include({
        module: 'acme-notes',
        version: '1.0.0',
        action: 'installed',
        previousVersion: null,
      });
      expect(installed.migrationsApplied).to.deep.equal(['20261128140000-create-acme-notes']);
      await okJson('acme-notes:add', 'keep me');
      await okJson('config:set', 'acme-notes.greeting', 'Hi');

      expectFailure(await cli('extension:install', tarballs.v1!, '--json'), 5, 'ALREADY_INSTALLED');

      const upgraded = await okJson('extension:install', tarballs.v11!);
      expect(upgraded).to.include({version: '1.1.0', action: 'upgraded', previousVersion: '1.0.0'});
      expect(upgraded.migrationsApplied).to.deep.equal(['20261202000000-create-acme-notes-tags']);
      expect(await tables()).to.include.members(['acme_notes', 'acme_notes_tags']);
      expect((await okJson('acme-notes:list')).map((note: {text: string}) => note.text)).to.deep.equal(['keep me']);

      // The next version's migration fails on this installation's data: 1.1.0 is put back, with its tables and data.
      await okJson('acme-notes:add', 'keep me');
      const broken = await cli('extension:install', tarballs.v12broken!, '--json');
      expectFailure(broken, 6, 'MIGRATION_FAILED');
      expect(broken.json().error.message).to.match(/1\.2\.0 failed; 1\.1\.0 is kept/);
      expect((await userModule()).map((row) => `${row.package}@${row.version}:${row.status}`)).to.deep.equal([
        `${PACKAGE}@1.1.0:ok`,
      ]);
      expect((await okJson('acme-notes:list')).map((note: {text: string}) => note.text)).to.deep.equal([
        'keep me',
        'keep me',
      ]);
      expect(
        JSON.parse(
          readFileSync(
            join(t.home.path, 'data', 'node_modules', '@acme', 'systemprompt-notes', 'package.json'),
            'utf8',
          ),
        ),
      ).to.include({version: '1.1.0'});
      expect(await tables()).to.include('acme_notes_tags');

      expectFailure(await cli('extension:install', tarballs.v1!, '--json'), 5, 'DOWNGRADE_REFUSED');
      const downgraded = await okJson('extension:install', tarballs.v1!, '--force');
      expect(downgraded).to.include({version: '1.0.0', action: 'downgraded', previousVersion: '1.1.0'});
      expect(downgraded.migrationsReverted).to.deep.equal(['20261202000000-create-acme-notes-tags']);
      expect(await tables())
        .to.include('acme_notes')
        .and.not.include('acme_notes_tags');
      expect((await okJson('acme-notes:list')).map((note: {text: string}) => note.text)).to.deep.equal([
        'keep me',
        'keep me',
      ]);

      const removed = await okJson('extension:remove', 'acme-notes', '--drop-data', '--confirm');
      expect(removed).to.include({removed: true, migrationsReverted: 1, configValuesRemoved: 1});
      expect(removed.configHistoryRemoved).to.be.greaterThan(0);
      expect(await tables()).to.not.include('acme_notes');
      expect(
        (await okJson('config:history')).filter((row: {key: string}) => row.key.startsWith('acme-notes')),
      ).to.deep.equal([]);
      expect(await userModule()).to.deep.equal([]);
    });

    it('refuses a module named like a core module, or claiming its commands, through extension:install and plugins:install, and core keeps working', async () => {
      expectFailure(await cli('extension:install', tarballs.namedUsers!, '--json'), 5, 'MODULE_NAME_TAKEN');
      expectFailure(await cli('plugins:install', `file:${tarballs.namedUsers!}`, '--json'), 5, 'MODULE_NAME_TAKEN');
      expectFailure(await cli('extension:install', tarballs.claimsUsersList!, '--json'), 5, 'COMMAND_TOPIC_TAKEN');
      expectFailure(
        await cli('plugins:install', `file:${tarballs.claimsUsersList!}`, '--json'),
        5,
        'COMMAND_TOPIC_TAKEN',
      );
      expect(await userModule()).to.deep.equal([]);
      expect(existsSync(join(t.home.path, 'data', 'node_modules', '@evil', 'users'))).to.equal(false);
      expect(existsSync(join(t.home.path, 'data', 'node_modules', '@evil', 'lister'))).to.equal(false);
      // The real users module answers.
      expect(await okJson('users:list')).to.be.an('array');
      expect(await okJson('auth:whoami')).to.be.an('object');
    });

    it('keeps the first module when a linked package clashes at discovery, and reports the newcomer', async () => {
      const linked = join(root, `linked-${t.engine}`);
      execFileSync('tar', ['-xzf', tarballs.namedUsers!, '-C', root]);
      rmSync(linked, {recursive: true, force: true});
      cpSync(join(root, 'package'), linked, {recursive: true});
      rmSync(join(root, 'package'), {recursive: true, force: true});
      const link = await cli('plugins:link', linked, '--no-install');
      expect(link.exitCode, link.stderr).to.equal(0);
      expect(await okJson('users:list')).to.be.an('array');
      const rows = (await okJson('modules:list')) as Array<{
        name: string;
        package: string;
        status: string;
        problem: string | null;
      }>;
      expect(rows.find((row) => row.name === 'users')).to.include({package: '@systemprompt/users', status: 'ok'});
      const newcomer = rows.find((row) => row.package === '@evil/users');
      expect(newcomer).to.include({status: 'broken'});
      expect(newcomer!.problem).to.match(/module name "users" is already used by @systemprompt\/users/);
    });

    it('shows a module whose initialize() fails as failed, with the reason, until it works again', async () => {
      await okJson('extension:install', tarballs.v1!);
      await okJson('config:set', 'acme-notes.failOnInit', 'true');
      expectFailure(await cli('acme-notes:list', '--json'), 6, 'MODULE_PHASE_FAILED');
      const failed = (await userModule())[0]!;
      expect(failed).to.include({status: 'failed'});
      expect(failed.problem).to.match(/initialize\(\) failed: .*failOnInit is set/);
      await okJson('config:set', 'acme-notes.failOnInit', 'false');
      await okJson('acme-notes:list');
      expect((await userModule())[0]).to.include({status: 'ok', problem: null});
    });

    it('updates a module installed from a registry by name to the newest version in its range', async () => {
      const registry = new LoopbackRegistry();
      await registry.start();
      try {
        registry.publish(PACKAGE, '1.0.0', tarballs.v1!);
        const fromRegistry = {...offline, npm_config_registry: `${registry.url}/`, npm_config_offline: 'false'};
        const run = async (...args: string[]) =>
          spawnCli(APP_BIN, [...args, '--json'], {
            env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env, ...fromRegistry},
            timeoutMs: 180_000,
          });
        const installed = await run('extension:install', `${PACKAGE}@^1.0.0`);
        expect(installed.exitCode, installed.stderr + installed.stdout).to.equal(0);
        const tagOf = () =>
          (
            JSON.parse(readFileSync(join(t.home.path, 'data', 'package.json'), 'utf8')) as {
              oclif: {plugins: Array<{name: string; tag?: string}>};
            }
          ).oclif.plugins.find((plugin) => plugin.name === PACKAGE)?.tag;
        const range = tagOf();
        expect(range).to.be.a('string').and.not.equal('1.0.0');
        const unchanged = await run('extension:update');
        expect(JSON.parse(unchanged.stdout).data).to.deep.equal([
          {module: 'acme-notes', package: PACKAGE, from: '1.0.0', to: '1.0.0', updated: false, migrationsApplied: []},
        ]);
        registry.publish(PACKAGE, '1.1.0', tarballs.v11!);
        const updated = await run('extension:update', 'acme-notes');
        expect(updated.exitCode, updated.stderr + updated.stdout).to.equal(0);
        expect(JSON.parse(updated.stdout).data).to.deep.equal([
          {
            module: 'acme-notes',
            package: PACKAGE,
            from: '1.0.0',
            to: '1.1.0',
            updated: true,
            migrationsApplied: ['20261202000000-create-acme-notes-tags'],
          },
        ]);
        // The range asked for is kept for the next update.
        expect(tagOf()).to.equal(range);
      } finally {
        await registry.stop();
      }
    });
  });
});
