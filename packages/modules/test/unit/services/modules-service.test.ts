import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {expect} from 'chai';
import {invalidInput, permissionDenied, type AccessProvider, type Actor, type AuditEntry} from '@systemprompt/core';
import type {ModuleRecord} from '@systemprompt/core/kernel';
import {ModulesService, type ModulesHost} from '../../../src/services/modules-service.js';

const ACTOR: Actor = {kind: 'user', id: 'u1', label: 'ana@example.com', via: 'session'};

/** An access decision that holds exactly `held`, and remembers what it was asked and told. */
function fakeAccess(held: readonly string[]) {
  const asked: string[] = [];
  const records: AuditEntry[] = [];
  const access: AccessProvider = {
    async authorize(_actor, permission, action, target) {
      asked.push(`${permission} ${action} ${target ?? '-'}`);
      if (!held.includes(permission))
        throw permissionDenied(`ana@example.com may not: ${permission} is required`, {details: {permission}});
    },
    holds: async (_actor, permission) => held.includes(permission),
    async record(_actor, entry) {
      records.push(entry);
    },
  };
  return {service: new ModulesService(async () => access), asked, records};
}

/** A host that fails the test when anything is looked up (a refusal must come first). */
const untouchable = new Proxy(
  {},
  {
    get(_target, property) {
      throw new Error(`looked up host.${String(property)} before the permission check`);
    },
  },
) as ModulesHost;

const record = (name: string, extra: {type?: string; dependencies?: string[]; source?: string} = {}) =>
  ({
    name,
    packageName: `@fixture/${name}`,
    version: '1.0.0',
    root: `/modules/${name}`,
    source: extra.source ?? 'user',
    enabled: true,
    manifest: {name, version: '1.0.0', type: extra.type ?? 'service', dependencies: extra.dependencies ?? []},
  }) as unknown as ModuleRecord;

const METHODS: Array<[string, string, (service: ModulesService) => Promise<unknown>]> = [
  ['list', 'modules:read modules.list -', (service) => service.list(ACTOR, untouchable)],
  ['info', 'modules:read modules.info alpha', (service) => service.info(ACTOR, untouchable, 'alpha')],
  ['health', 'modules:read modules.health alpha', (service) => service.health(ACTOR, untouchable, 'alpha')],
  ['logs', 'modules:read modules.logs alpha', (service) => service.logs(ACTOR, untouchable, {module: 'alpha'})],
  [
    'follow',
    'modules:read modules.logs -',
    async (service) => {
      for await (const line of await service.follow(ACTOR, untouchable, {}, {signal: AbortSignal.timeout(1000)}))
        return line;
    },
  ],
  ['enable', 'modules:write modules.enable alpha', (service) => service.enable(ACTOR, untouchable, 'alpha')],
  ['disable', 'modules:write modules.disable alpha', (service) => service.disable(ACTOR, untouchable, 'alpha')],
  ['restart', 'modules:write modules.restart alpha', (service) => service.restart(ACTOR, untouchable, 'alpha')],
  [
    'install',
    'modules:write modules.install https://***@registry.example/acme.tgz',
    (service) => service.install(ACTOR, untouchable, 'https://user:token@registry.example/acme.tgz'),
  ],
  [
    'remove',
    'modules:write modules.remove alpha',
    (service) => service.remove(ACTOR, untouchable, 'alpha', {confirm: async () => {}}),
  ],
  ['update', 'modules:write modules.update alpha', (service) => service.update(ACTOR, untouchable, 'alpha')],
];

describe('ModulesService', () => {
  describe('checks the permission first in every method that reads or changes protected data', () => {
    for (const [name, check, call] of METHODS) {
      it(`${name}: refuses without ${check.split(' ')[0]} (exit 4), before it looks anything up`, async () => {
        const {service, asked, records} = fakeAccess(
          check.startsWith('modules:read') ? ['modules:write'] : ['modules:read'],
        );
        const error = await call(service).then(
          () => undefined,
          (caught: unknown) => caught as {exitCode?: number; code?: string},
        );
        expect(error).to.include({exitCode: 4, code: 'PERMISSION_DENIED'});
        // The check names the permission, the action and the target (credentials cut out of URLs).
        expect(asked).to.deep.equal([check]);
        expect(records).to.deep.equal([]);
      });
    }
  });

  it('validates a directory given as a path without asking the access decision (no database needed)', async () => {
    const service = new ModulesService(async () => {
      throw new Error('the access decision was asked');
    });
    const alpha = new URL('../../fixtures/alpha', import.meta.url).pathname;
    // What is installed is read (to compare names), never the access decision.
    const nothingInstalled = {modules: async () => [], config: {commands: []}} as unknown as ModulesHost;
    expect((await service.validate(ACTOR, nothingInstalled, alpha)).name).to.equal('alpha');
    const missing = await service
      .validate(ACTOR, nothingInstalled, './no/such/dir')
      .catch((caught: {exitCode: number; code: string}) => caught);
    expect(missing).to.include({exitCode: 3, code: 'MODULE_NOT_FOUND'});
  });

  describe('with the permission', () => {
    let config: string;
    beforeEach(async () => {
      config = await mkdtemp(join(tmpdir(), 'systemprompt-modules-'));
    });
    afterEach(() => rm(config, {recursive: true, force: true}));
    const host = (records: ModuleRecord[]) =>
      ({
        paths: {config, data: config, cache: config, home: undefined},
        modules: async () => records,
      }) as unknown as ModulesHost;

    it('disables with --cascade and enables a module, each audited with what changed', async () => {
      const {service, records} = fakeAccess(['modules:write']);
      const modules = [record('alpha'), record('beta', {dependencies: ['alpha']})];
      expect(await service.disable(ACTOR, host(modules), 'alpha', {cascade: true})).to.deep.equal({
        module: 'alpha',
        enabled: false,
        alsoChanged: ['beta'],
      });
      expect(JSON.parse(await readFile(join(config, 'modules.json'), 'utf8')).disabled).to.deep.equal([
        'alpha',
        'beta',
      ]);
      await service.enable(ACTOR, host(modules), 'alpha');
      expect(records).to.deep.equal([
        {
          action: 'modules.disable',
          target: 'alpha',
          result: 'ok',
          permission: 'modules:write',
          details: {alsoChanged: ['beta']},
        },
        {
          action: 'modules.enable',
          target: 'alpha',
          result: 'ok',
          permission: 'modules:write',
          details: {alsoChanged: []},
        },
      ]);
    });

    it('records nothing when a change is refused for another reason (a core module)', async () => {
      const {service, records} = fakeAccess(['modules:write']);
      const error = await service
        .disable(ACTOR, host([record('logger', {type: 'core'})]), 'logger')
        .catch((caught: {exitCode: number; code: string}) => caught);
      expect(error).to.include({exitCode: 2, code: 'MODULE_CORE'});
      expect(records).to.deep.equal([]);
    });

    it('asks for confirmation of a removal only after the check and the look-ups, and removes nothing when refused', async () => {
      const {service, records} = fakeAccess(['modules:write']);
      const questions: string[] = [];
      const confirm = async (question: string) => {
        questions.push(question);
        throw invalidInput('Cancelled; nothing was changed.', {code: 'CANCELLED'});
      };
      const modules = [record('alpha'), record('logger', {source: 'core'})];
      expect(
        await service.remove(ACTOR, host(modules), 'nope', {confirm}).catch((caught: {code: string}) => caught.code),
      ).to.equal('MODULE_NOT_FOUND');
      expect(
        await service.remove(ACTOR, host(modules), 'logger', {confirm}).catch((caught: {code: string}) => caught.code),
      ).to.equal('MODULE_CORE');
      expect(questions).to.deep.equal([]);
      expect(
        await service
          .remove(ACTOR, host(modules), 'alpha', {dropData: true, confirm})
          .catch((caught: {code: string}) => caught.code),
      ).to.equal('CANCELLED');
      expect(questions).to.deep.equal(['Remove @fixture/alpha and drop its tables?']);
      expect(records).to.deep.equal([]);
    });
  });
});
