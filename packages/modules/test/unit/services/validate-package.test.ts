import {mkdtemp, readdir, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {expect} from 'chai';
import {discoverModules, type ModuleRecord, type PluginDescriptor} from '@systemprompt/core/kernel';
import {APP_ROOT, loadCliConfig} from '@systemprompt/testing';
import {
  installedModulesOf,
  validateOptionsFor,
  validatePackage,
  type InstalledModules,
  type PackageProblem,
} from '../../../src/services/validate-package.js';
import {MIGRATION, writeValidateCases, type ValidateCase} from '../../fixtures/validate-cases.js';

/** The problems as "place: problem [code]" lines, in the order reported. */
const lines = (problems: readonly PackageProblem[]) =>
  problems.map((item) => `${item.path}: ${item.problem}${item.code ? ` [${item.code}]` : ''}`);

/** Sets environment variables for the length of `body` (undefined removes one). */
async function withEnv<T>(env: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  set(env);
  try {
    return await body();
  } finally {
    set(saved);
  }
}

// Against the app's real modules and commands: the clashes are with what the CLI really has, and the
// sandbox boots the real database, logger and users modules.
describe('validatePackage', function () {
  let records: ModuleRecord[];
  let commands: Array<{id: string; pluginName?: string | undefined}>;
  let installed: InstalledModules;
  let cases: string;
  const fixture = (name: ValidateCase) => join(cases, name);
  const validate = (name: ValidateCase, timeoutMs?: number) =>
    validatePackage(fixture(name), {installed, sandbox: {records, ...(timeoutMs ? {timeoutMs} : {})}});

  before(async () => {
    const config = await loadCliConfig(APP_ROOT);
    records = await discoverModules(config.getPluginsList() as unknown as PluginDescriptor[]);
    commands = config.commands;
    installed = installedModulesOf(records, commands);
    cases = await writeValidateCases();
  });
  after(() => rm(cases, {recursive: true, force: true}));

  it('passes a good package: its migration applies and reverts, its module starts and is healthy', async () => {
    const report = await validate('good');
    expect(lines(report.problems)).to.deep.equal([]);
    expect(report).to.include({valid: true, name: 'acme-notes'});
    expect(report.commands).to.deep.equal(['acme-notes:add', 'acme-notes:list']);
    expect(report.migrations).to.deep.equal(['20261128140000-create-acme-notes']);
  });

  describe('permissions', () => {
    it('refuses users:delete: outside its namespace, and declared by the users module', async () => {
      const report = await validate('foreign-permission');
      expect(report.valid).to.equal(false);
      expect(lines(report.problems)).to.deep.equal([
        'module.yaml /permissions/2: "users:delete" is outside the module\'s namespace: its permissions are named "acme-notes:<action>"',
        'module.yaml /permissions/2: "users:delete" is already declared by module "users"',
      ]);
    });

    it('refuses global:admin, which nobody declares, as outside its namespace', async () => {
      expect(lines((await validate('global-permission')).problems)).to.deep.equal([
        'module.yaml /permissions/2: "global:admin" is outside the module\'s namespace: its permissions are named "acme-notes:<action>"',
      ]);
    });
  });

  describe('names and command topics', () => {
    it('refuses the name of a core module (users) and its command topic, with the codes install exits 5 on', async () => {
      const report = await validate('name-taken');
      expect(report.name).to.equal('users');
      expect(lines(report.problems)).to.deep.equal([
        'module.yaml /name: the module name "users" is already taken by @systemprompt/users [MODULE_NAME_TAKEN]',
        'command users:notes-add: the topic "users" is already used by the commands of @systemprompt/users [COMMAND_TOPIC_TAKEN]',
      ]);
    });

    it("refuses a command outside the module's topic", async () => {
      expect(lines((await validate('command-outside-topic')).problems)).to.deep.equal([
        'command notes:add: its topic should be the module name "acme-notes"',
      ]);
    });

    it('refuses a command in the topic of another package', async () => {
      expect(lines((await validate('topic-taken')).problems)).to.deep.equal([
        'command users:add: its topic should be the module name "acme-notes"',
        'command users:add: the topic "users" is already used by the commands of @systemprompt/users [COMMAND_TOPIC_TAKEN]',
      ]);
    });

    it("does not clash with itself: an installed copy of the same package is left out, a core package's name lent to another directory is not", async () => {
      // The package as installed elsewhere (an upgrade validates the new version against the old one's installation).
      const self: ModuleRecord = {
        name: 'acme-notes',
        packageName: '@fixture/validate-good',
        version: '0.9.0',
        root: '/elsewhere/acme-notes',
        source: 'user',
        enabled: true,
        manifest: {
          name: 'acme-notes',
          version: '0.9.0',
          type: 'extension',
          description: 'installed',
          permissions: [{name: 'acme-notes:read', description: 'List notes.'}],
        },
      };
      const upgrade = validateOptionsFor(fixture('good'), [...records, self], commands);
      expect(lines((await validatePackage(fixture('good'), {...upgrade, sandbox: false})).problems)).to.deep.equal([]);

      const impostor = validateOptionsFor(fixture('good'), [...records, {...self, source: 'core'}], commands);
      expect(lines((await validatePackage(fixture('good'), {...impostor, sandbox: false})).problems)).to.deep.equal([
        'module.yaml /name: the module name "acme-notes" is already taken by @fixture/validate-good [MODULE_NAME_TAKEN]',
        'module.yaml /permissions/0: "acme-notes:read" is already declared by module "acme-notes"',
      ]);
    });

    it('maps what is installed: modules, permissions and topics, without the excluded package', () => {
      expect(installed.modules.get('users')).to.equal('@systemprompt/users');
      expect(installed.permissions.get('users:delete')).to.equal('users');
      expect(installed.topics.get('extension')).to.equal('@systemprompt/modules');
      const without = installedModulesOf(records, commands, '@systemprompt/users');
      expect([
        without.modules.has('users'),
        without.permissions.has('users:delete'),
        without.topics.has('users'),
      ]).to.deep.equal([false, false, false]);
    });
  });

  describe('the module run in a sandboxed kernel', () => {
    it('reports initialize() throwing, at the entry file', async () => {
      expect(lines((await validate('init-throws')).problems)).to.deep.equal([
        'module.js: initialize() threw: cannot reach the notes backend [INIT_FAILED]',
      ]);
    });

    it('stops an initialize() that never finishes at the time limit', async () => {
      expect(lines((await validate('init-hangs', 1000)).problems)).to.deep.equal([
        'module.js: initialize() did not finish within 1 s [INIT_FAILED]',
      ]);
    });

    it('survives an initialize() that ends the process, and says so', async () => {
      expect(lines((await validate('init-exits')).problems)).to.deep.equal([
        'module.js: initialize() ended the process (exit code 3) [INIT_FAILED]',
      ]);
    });

    it('reports healthCheck() throwing', async () => {
      expect(lines((await validate('health-throws')).problems)).to.deep.equal([
        'module.js: healthCheck() threw: lost the notes backend [INIT_FAILED]',
      ]);
    });

    it('reports healthCheck() saying unhealthy, with its message', async () => {
      expect(lines((await validate('health-unhealthy')).problems)).to.deep.equal([
        'module.js: healthCheck() reports unhealthy: the notes backend is down [INIT_FAILED]',
      ]);
    });

    it('uses a scratch SQLite database and home, never the configured database, and removes them', async () => {
      const scratchParent = await mkdtemp(join(tmpdir(), 'validate-test-'));
      try {
        // A database URL that cannot be reached: were it used, the module could not start.
        const report = await withEnv(
          {TMPDIR: scratchParent, SYSTEMPROMPT_DATABASE_URL: 'mysql://nobody@127.0.0.1:1/nothing'},
          () => validate('good'),
        );
        expect(lines(report.problems)).to.deep.equal([]);
        expect(await readdir(scratchParent)).to.deep.equal([]);
      } finally {
        await rm(scratchParent, {recursive: true, force: true});
      }
    });
  });

  describe('migrations, applied and reverted on the scratch database', () => {
    it('reports the file and the step whose down() fails', async () => {
      const [problem, ...rest] = (await validate('migration-down-fails')).problems;
      expect(rest).to.deep.equal([]);
      expect(problem).to.include({path: MIGRATION, code: 'MIGRATION_FAILED'});
      expect(problem!.problem).to.match(/^step 2 of 2: down\(\) failed: .*acme_note\b/);
    });

    it('reports the file and the step whose up() fails', async () => {
      const [problem, ...rest] = (await validate('migration-up-fails')).problems;
      expect(rest).to.deep.equal([]);
      expect(problem).to.include({path: MIGRATION, code: 'MIGRATION_FAILED'});
      expect(problem!.problem).to.match(/^step 2 of 2: up\(\) failed: .*no such column: title/);
    });

    it('reports a down() that leaves its table behind', async () => {
      expect(lines((await validate('migration-leaves-table')).problems)).to.deep.equal([
        'migrations: after every migration was reverted, the database still has table acme_notes (down() must undo up()) [MIGRATION_FAILED]',
      ]);
    });
  });

  it('without a sandbox, only imports the code (in a child process): a throwing initialize() goes unnoticed', async () => {
    const report = await validatePackage(fixture('init-throws'), {installed, sandbox: false});
    expect(lines(report.problems)).to.deep.equal([]);
    expect(report.migrations).to.deep.equal(['20261128140000-create-acme-notes']);
  });
});
