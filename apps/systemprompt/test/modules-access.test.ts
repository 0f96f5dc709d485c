import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {expect} from 'chai';
import {ANONYMOUS, resolveSystemPaths, type Actor} from '@systemprompt/core';
import {Kernel, discoverModules, type PluginDescriptor} from '@systemprompt/core/kernel';
import type {ModulesHost, ModulesService} from '@systemprompt/modules';
import {describeEachEngine, expectFailure, loadCliConfig, type EngineFixture} from '@systemprompt/testing';
import {APP_ROOT, auditLog, bin, cliAs, fixture, ok, userWithKey} from './helpers/access.js';

describeEachEngine(
  'modules:* and extension:* commands: checks in the service, every change audited',
  {root: APP_ROOT},
  (t) => {
    let packs: string;
    beforeEach(() => {
      packs = mkdtempSync(join(tmpdir(), 'systemprompt-packs-'));
    });
    afterEach(() => rmSync(packs, {recursive: true, force: true}));
    const pack = (name: string) =>
      `file://${join(
        packs,
        execFileSync('npm', ['pack', fixture(name), '--pack-destination', packs, '--silent'], {encoding: 'utf8'})
          .trim()
          .split('\n')
          .pop()!,
      )}`;

    it('refuses a viewer every change and anonymous everything, before looking anything up (exit 4, audited)', async () => {
      const viewer = await userWithKey(t, 'viewer@example.com', 'viewer');
      for (const args of [['modules:list'], ['extension:info', 'database'], ['modules:logs', 'database']]) {
        const run = await cliAs(t, viewer, ...args);
        expect(run.exitCode, `${args.join(' ')}: ${run.stderr}`).to.equal(0);
      }
      // Names that do not exist, and a core module that may not be disabled: the refusal comes first.
      const changes = [
        ['modules:enable', 'nope'],
        ['modules:disable', 'nope'],
        ['modules:disable', 'database'],
        ['modules:restart', 'nope'],
        ['extension:install', './no/such-module.tgz'],
        ['extension:remove', 'nope'],
        ['extension:remove', 'database'],
      ];
      for (const args of changes) {
        expectFailure(
          await cliAs(t, viewer, ...args, '--json'),
          4,
          'PERMISSION_DENIED',
          /^viewer@example\.com may not .*: modules:write is required/,
        );
      }
      const reads = [
        ['modules:list'],
        ['modules:health', 'nope'],
        ['modules:logs'],
        ['extension:info', 'nope'],
        ['modules:config', 'logger'],
      ];
      for (const args of [...reads, ...changes]) {
        expectFailure(await cliAs(t, 'anonymous', ...args, '--json'), 4, 'PERMISSION_DENIED');
      }

      const denied = (await auditLog(t)).filter((row) => row.result === 'denied');
      expect(
        denied.filter((row) => row.actor === 'viewer@example.com').map((row) => `${row.action} ${row.target}`),
      ).to.deep.equal([
        'modules.enable nope',
        'modules.disable nope',
        'modules.disable database',
        'modules.restart nope',
        'modules.install ./no/such-module.tgz',
        'modules.remove nope',
        'modules.remove database',
      ]);
      expect(denied.filter((row) => row.actor === 'anonymous').map((row) => row.action)).to.include.members([
        'modules.list',
        'modules.health',
        'modules.logs',
        'modules.info',
        'modules.enable',
        'modules.install',
        'modules.remove',
      ]);
    });

    it('an operator disables and enables a module; the records name the operator', async function () {
      this.timeout(180_000);
      const operator = await userWithKey(t, 'operator@example.com', 'operator');
      expect((await bin(t, 'local', 'plugins:link', fixture('echo-module'), '--no-install')).exitCode).to.equal(0);
      const disabled = await bin(t, operator, 'modules:disable', 'echo', '--json');
      expect(disabled.exitCode, disabled.stdout + disabled.stderr).to.equal(0);
      expectFailure(await bin(t, operator, 'echo:say', 'hi', '--json'), 6, 'MODULE_DISABLED');
      const enabled = await bin(t, operator, 'modules:enable', 'echo', '--json');
      expect(enabled.exitCode, enabled.stdout + enabled.stderr).to.equal(0);

      const records = (await auditLog(t)).filter((row) => row.action.startsWith('modules.'));
      expect(
        records.map(({actor, action, target, result, permission, details}) => ({
          actor,
          action,
          target,
          result,
          permission,
          details,
        })),
      ).to.deep.equal([
        {
          actor: 'operator@example.com',
          action: 'modules.disable',
          target: 'echo',
          result: 'ok',
          permission: 'modules:write',
          details: {alsoChanged: []},
        },
        {
          actor: 'operator@example.com',
          action: 'modules.enable',
          target: 'echo',
          result: 'ok',
          permission: 'modules:write',
          details: {alsoChanged: []},
        },
      ]);
    });

    it('extension:install and extension:remove are audited with the real actor, a failed install too, and checked once', async function () {
      this.timeout(300_000);
      const admin = await userWithKey(t, 'admin@example.com', 'admin');
      const install = await bin(t, admin, 'extension:install', pack('acme-notes'), '--json');
      expect(install.exitCode, install.stdout + install.stderr).to.equal(0);
      const remove = await bin(t, admin, 'extension:remove', 'acme-notes', '--confirm', '--drop-data', '--json');
      expect(remove.exitCode, remove.stdout + remove.stderr).to.equal(0);
      expectFailure(await bin(t, admin, 'extension:install', pack('broken-module'), '--json'), 2, 'EXTENSION_INVALID');

      const records = await auditLog(t);
      const changes = records.filter((row) => row.action.startsWith('modules.'));
      expect(changes.map((row) => `${row.actor} ${row.action} ${row.result}`)).to.deep.equal([
        'admin@example.com modules.install ok',
        'admin@example.com modules.remove ok',
        'admin@example.com modules.install failed',
      ]);
      expect(changes[0]).to.deep.include({target: 'acme-notes', permission: 'modules:write'});
      expect(changes[0]!.details).to.deep.include({
        package: '@acme/systemprompt-notes',
        version: '1.0.0',
        migrationsApplied: ['20261128140000-create-acme-notes'],
      });
      expect(changes[1]!.details).to.deep.equal({
        package: '@acme/systemprompt-notes',
        dropData: true,
        migrationsReverted: 1,
        configValuesRemoved: 0,
        configHistoryRemoved: 0,
      });
      expect(changes[2]!.details!.error).to.match(
        /^@fixture\/broken-module is not a valid module package, so it was removed again:/,
      );
      // The service checked modules:write itself: the plugins:* commands it ran are not checked or audited again.
      expect(records.filter((row) => row.action.startsWith('plugins.'))).to.deep.equal([]);
    });
  },
);

/** The modules service as a server would use it: booted in this process, with the real access module. */
async function withModulesService<T>(t: EngineFixture, body: (service: ModulesService) => Promise<T>): Promise<T> {
  const config = await loadCliConfig(APP_ROOT);
  const paths = resolveSystemPaths(undefined, {SYSTEMPROMPT_HOME: t.home.path});
  const modules = await discoverModules(config.getPluginsList() as unknown as PluginDescriptor[], paths.cache);
  const kernel = new Kernel({
    modules,
    paths,
    configValues: (record) => (record.name === 'database' && t.database.url ? {url: t.database.url} : {}),
  });
  try {
    await kernel.boot(['modules']);
    return await body(kernel.service<ModulesService>('modules'));
  } finally {
    await kernel.stop();
  }
}

/** A host that fails the test when anything is looked up: a refusal must come before any look-up. */
const LOOKED_UP = 'LOOKED_UP';
const untouchable = new Proxy(
  {},
  {
    get(_target, property) {
      throw Object.assign(new Error(`looked up host.${String(property)}`), {code: LOOKED_UP});
    },
  },
) as ModulesHost;

/** Every method of the modules service that reads or changes protected data, and the permission it needs. */
const METHODS: Array<{
  name: string;
  permission: 'modules:read' | 'modules:write';
  call: (service: ModulesService, actor: Actor) => Promise<unknown>;
}> = [
  {name: 'list', permission: 'modules:read', call: (service, actor) => service.list(actor, untouchable)},
  {
    name: 'list --health',
    permission: 'modules:read',
    call: (service, actor) => service.list(actor, untouchable, {health: true}),
  },
  {name: 'info', permission: 'modules:read', call: (service, actor) => service.info(actor, untouchable, 'database')},
  {
    name: 'health',
    permission: 'modules:read',
    call: (service, actor) => service.health(actor, untouchable, 'database'),
  },
  {
    name: 'logs',
    permission: 'modules:read',
    call: (service, actor) => service.logs(actor, untouchable, {module: 'database'}),
  },
  {
    name: 'follow',
    permission: 'modules:read',
    call: async (service, actor) => {
      for await (const line of await service.follow(
        actor,
        untouchable,
        {},
        {signal: AbortSignal.timeout(5000), pollMs: 1},
      ))
        return line;
    },
  },
  {
    name: 'enable',
    permission: 'modules:write',
    call: (service, actor) => service.enable(actor, untouchable, 'database'),
  },
  {
    name: 'disable',
    permission: 'modules:write',
    call: (service, actor) => service.disable(actor, untouchable, 'database', {cascade: true}),
  },
  {
    name: 'restart',
    permission: 'modules:write',
    call: (service, actor) => service.restart(actor, untouchable, 'database'),
  },
  {
    name: 'install',
    permission: 'modules:write',
    call: (service, actor) => service.install(actor, untouchable, '@acme/systemprompt-notes'),
  },
  {
    name: 'remove',
    permission: 'modules:write',
    call: (service, actor) => service.remove(actor, untouchable, 'database', {dropData: true}),
  },
];

async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'ok';
  } catch (error) {
    const {code, exitCode} = error as {code?: string; exitCode?: number};
    return code === LOOKED_UP ? 'allowed' : `${exitCode} ${code}`;
  }
}

describeEachEngine(
  'the modules service checks the permission first, in every method (a table over the service)',
  {root: APP_ROOT},
  (t) => {
    it('refuses an actor without the permission (exit 4 PERMISSION_DENIED) before it looks anything up, and audits it', async () => {
      const actors: Record<string, Actor> = {anonymous: ANONYMOUS};
      for (const [email, role] of [
        ['viewer@example.com', 'viewer'],
        ['operator@example.com', 'operator'],
        ['nobody@example.com', undefined],
      ] as const) {
        const id = (await ok(t, 'users:create', '--email', email, ...(role ? ['--role', role] : []), '--json')).json()
          .data.id as string;
        actors[email] = {kind: 'user', id, label: email, via: 'session'};
      }
      // What each actor holds: nobody nothing, a viewer *:read, an operator modules:*.
      const holds = (actor: string, permission: string) =>
        actor === 'operator@example.com' || (actor === 'viewer@example.com' && permission === 'modules:read');

      await withModulesService(t, async (service) => {
        for (const method of METHODS) {
          for (const [label, actor] of Object.entries(actors)) {
            const expected = holds(label, method.permission) ? 'allowed' : '4 PERMISSION_DENIED';
            expect(await outcome(() => method.call(service, actor)), `${method.name} as ${label}`).to.equal(expected);
          }
        }
      });

      const denied = (await auditLog(t)).filter((row) => row.result === 'denied');
      const refusedTo = (label: string) =>
        denied.filter((row) => row.actor === label).map((row) => `${row.action}:${row.permission}`);
      expect(refusedTo('viewer@example.com')).to.deep.equal(
        ['modules.enable', 'modules.disable', 'modules.restart', 'modules.install', 'modules.remove'].map(
          (action) => `${action}:modules:write`,
        ),
      );
      expect(refusedTo('nobody@example.com')).to.have.length(METHODS.length);
      expect(refusedTo('operator@example.com')).to.deep.equal([]);
    });

    it('looks up an installed module for extension:validate only for a caller who may see the modules', async () => {
      const id = (await ok(t, 'users:create', '--email', 'viewer@example.com', '--role', 'viewer', '--json')).json()
        .data.id as string;
      const viewer: Actor = {kind: 'user', id, label: 'viewer@example.com', via: 'session'};
      const config = await loadCliConfig(APP_ROOT);
      const paths = resolveSystemPaths(undefined, {SYSTEMPROMPT_HOME: t.home.path});
      const records = await discoverModules(config.getPluginsList() as unknown as PluginDescriptor[], paths.cache);
      const host = {config, paths, modules: async () => records} as unknown as ModulesHost;
      await withModulesService(t, async (service) => {
        expect((await service.validate(viewer, host, 'users')).name).to.equal('users');
        // For anyone else a name is only a path, and there is no directory "users" here.
        expect(await outcome(() => service.validate(ANONYMOUS, host, 'users'))).to.equal('3 MODULE_NOT_FOUND');
      });
    });
  },
);
