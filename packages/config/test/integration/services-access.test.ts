import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {LOCAL_ADMIN, resolveSystemPaths, type Actor} from '@systemprompt/core';
import {Kernel, discoverModules, type ModuleRecord, type PluginDescriptor} from '@systemprompt/core/kernel';
import {describeEachEngine, loadCliConfig} from '@systemprompt/testing';
import type {ConfigModuleApi} from '../../src/index.js';
import {ConfigService} from '../../src/services/config-service.js';
import {EnvFile} from '../../src/services/env-file.js';
import {ProviderService} from '../../src/services/providers.js';
import {SchemaCatalog} from '../../src/services/schema-catalog.js';
import {validateConfiguration} from '../../src/services/validation.js';
import {APP_ROOT, ok} from '../helpers/access.js';

interface Services {
  config: ConfigService;
  providers: ProviderService;
  env: EnvFile;
  validate: (actor: Actor) => Promise<unknown>;
  /** A YAML file to import. */
  file: (text: string) => Promise<string>;
}

type Who = 'nobody' | 'viewer' | 'operator';
interface Case {
  service: 'ConfigService' | 'ProviderService' | 'EnvFile' | 'validateConfiguration';
  method: string;
  /** The best-placed actor that still lacks `permission`: no role, a viewer (*:read), an operator (config:write). */
  who: Who;
  permission: string;
  call: (services: Services, actor: Actor) => Promise<unknown>;
}

// Every public method of the config module's services that reads or changes configuration, the
// provider registry or the env file, called by an actor without the permission it needs. Lookups of
// things that do not exist (an unknown key, provider or version) come after the check, so they are
// refused the same way.
const CASES: Case[] = [
  {
    service: 'ConfigService',
    method: 'get',
    who: 'nobody',
    permission: 'config:read',
    call: (s, a) => s.config.get(a, 'logger.level'),
  },
  {
    service: 'ConfigService',
    method: 'get',
    who: 'nobody',
    permission: 'config:read',
    call: (s, a) => s.config.get(a, 'nope.nothing'),
  },
  {
    service: 'ConfigService',
    method: 'list',
    who: 'nobody',
    permission: 'config:read',
    call: (s, a) => s.config.list(a),
  },
  {
    service: 'ConfigService',
    method: 'diff',
    who: 'nobody',
    permission: 'config:read',
    call: (s, a) => s.config.diff(a, 'defaults', 'current'),
  },
  {
    service: 'ConfigService',
    method: 'history',
    who: 'nobody',
    permission: 'config:read',
    call: (s, a) => s.config.history(a),
  },
  {
    service: 'ConfigService',
    method: 'exportValues',
    who: 'nobody',
    permission: 'config:read',
    call: (s, a) => s.config.exportValues(a, {includeSecrets: false, includeDefaults: true}),
  },
  {
    service: 'ConfigService',
    method: 'exportValues',
    who: 'operator',
    permission: 'config:secrets',
    call: (s, a) => s.config.exportValues(a, {includeSecrets: true, includeDefaults: false}),
  },
  {
    service: 'ConfigService',
    method: 'set',
    who: 'viewer',
    permission: 'config:write',
    call: (s, a) => s.config.set(a, 'logger.level', 'debug'),
  },
  {
    service: 'ConfigService',
    method: 'set',
    who: 'viewer',
    permission: 'config:write',
    call: (s, a) => s.config.set(a, 'logger.nope', 'debug', {dryRun: true}),
  },
  {
    service: 'ConfigService',
    method: 'set',
    who: 'operator',
    permission: 'config:security',
    call: (s, a) => s.config.set(a, 'auth.sessionTtlHours', '1'),
  },
  {
    service: 'ConfigService',
    method: 'set',
    who: 'operator',
    permission: 'config:security',
    call: (s, a) => s.config.set(a, 'database.url', 'mysql://x@attacker:3306/x', {dryRun: true}),
  },
  {
    service: 'ConfigService',
    method: 'unset',
    who: 'viewer',
    permission: 'config:write',
    call: (s, a) => s.config.unset(a, 'logger.level'),
  },
  {
    service: 'ConfigService',
    method: 'unset',
    who: 'operator',
    permission: 'config:security',
    call: (s, a) => s.config.unset(a, 'auth.localTrust'),
  },
  {
    service: 'ConfigService',
    method: 'importFile',
    who: 'viewer',
    permission: 'config:write',
    call: async (s, a) => s.config.importFile(a, await s.file('logger: {level: debug}\n')),
  },
  {
    service: 'ConfigService',
    method: 'importFile',
    who: 'viewer',
    permission: 'config:write',
    call: (s, a) => s.config.importFile(a, '/no/such/file.yaml'),
  },
  {
    service: 'ConfigService',
    method: 'importFile',
    who: 'operator',
    permission: 'config:security',
    call: async (s, a) => s.config.importFile(a, await s.file('auth: {loginMaxFailures: 999}\n')),
  },
  {
    service: 'ConfigService',
    method: 'rollback',
    who: 'viewer',
    permission: 'config:write',
    call: (s, a) => s.config.rollback(a, 0),
  },
  {
    service: 'ConfigService',
    method: 'rollback',
    who: 'viewer',
    permission: 'config:write',
    call: (s, a) => s.config.rollback(a, 99),
  },
  {
    service: 'ConfigService',
    method: 'removeModule',
    who: 'viewer',
    permission: 'config:write',
    call: (s, a) => s.config.removeModule(a, 'logger'),
  },
  {
    service: 'ProviderService',
    method: 'list',
    who: 'nobody',
    permission: 'config:read',
    call: (s, a) => s.providers.list(a),
  },
  {
    service: 'ProviderService',
    method: 'summary',
    who: 'nobody',
    permission: 'config:read',
    call: (s, a) => s.providers.summary(a, 'p'),
  },
  {
    service: 'ProviderService',
    method: 'endpoint',
    who: 'nobody',
    permission: 'config:read',
    call: (s, a) => s.providers.endpoint(a, 'p'),
  },
  {
    service: 'ProviderService',
    method: 'test',
    who: 'nobody',
    permission: 'config:read',
    call: (s, a) => s.providers.test(a, 'p', {timeoutMs: 100}),
  },
  {
    service: 'ProviderService',
    method: 'listModels',
    who: 'nobody',
    permission: 'config:read',
    call: (s, a) => s.providers.listModels(a),
  },
  {
    service: 'ProviderService',
    method: 'add',
    who: 'viewer',
    permission: 'config:write',
    call: (s, a) => s.providers.add(a, {name: 'q', kind: 'openai', key: {source: 'none'}}),
  },
  {
    service: 'ProviderService',
    method: 'add',
    who: 'operator',
    permission: 'config:secrets',
    call: (s, a) =>
      s.providers.add(a, {
        name: 'q',
        kind: 'openai',
        baseUrl: 'http://127.0.0.1:8/v1',
        key: {source: 'env', variable: 'OPENAI_API_KEY'},
      }),
  },
  {
    service: 'ProviderService',
    method: 'update',
    who: 'viewer',
    permission: 'config:write',
    call: (s, a) => s.providers.update(a, 'p', {key: {source: 'none'}}),
  },
  {
    service: 'ProviderService',
    method: 'update',
    who: 'viewer',
    permission: 'config:write',
    call: (s, a) => s.providers.update(a, 'nope', {key: {source: 'none'}}),
  },
  {
    service: 'ProviderService',
    method: 'update',
    who: 'operator',
    permission: 'config:secrets',
    call: (s, a) => s.providers.update(a, 'p', {baseUrl: 'http://127.0.0.1:8/v1'}),
  },
  {
    service: 'ProviderService',
    method: 'remove',
    who: 'viewer',
    permission: 'config:write',
    call: (s, a) => s.providers.remove(a, 'p', {confirm: async () => {}}),
  },
  {
    service: 'ProviderService',
    method: 'addModel',
    who: 'viewer',
    permission: 'config:write',
    call: (s, a) => s.providers.addModel(a, 'p', 'm2'),
  },
  {
    service: 'ProviderService',
    method: 'removeModel',
    who: 'viewer',
    permission: 'config:write',
    call: (s, a) => s.providers.removeModel(a, 'p', 'm'),
  },
  {
    service: 'ProviderService',
    method: 'setDefault',
    who: 'viewer',
    permission: 'config:write',
    call: (s, a) => s.providers.setDefault(a, 'p', 'm'),
  },
  {service: 'EnvFile', method: 'list', who: 'nobody', permission: 'config:read', call: (s, a) => s.env.list(a)},
  {
    service: 'EnvFile',
    method: 'set',
    who: 'viewer',
    permission: 'config:write',
    call: (s, a) => s.env.set(a, 'logger_level', 'debug'),
  },
  {
    service: 'EnvFile',
    method: 'set',
    who: 'viewer',
    permission: 'config:write',
    call: (s, a) => s.env.set(a, 'NOTSYSTEMPROMPT', 'x'),
  },
  {
    service: 'EnvFile',
    method: 'set',
    who: 'operator',
    permission: 'config:security',
    call: (s, a) => s.env.set(a, 'SYSTEMPROMPT_AUTH_LOCAL_TRUST', 'true'),
  },
  {
    service: 'EnvFile',
    method: 'unset',
    who: 'viewer',
    permission: 'config:write',
    call: (s, a) => s.env.unset(a, 'logger_level'),
  },
  {
    service: 'EnvFile',
    method: 'unset',
    who: 'operator',
    permission: 'config:security',
    call: (s, a) => s.env.unset(a, 'database_url'),
  },
  {
    service: 'validateConfiguration',
    method: 'validateConfiguration',
    who: 'nobody',
    permission: 'config:read',
    call: (s, a) => s.validate(a),
  },
];

// Methods that are private in TypeScript (they sit on the prototype all the same): each is reached only
// through a public method above, after its check. A new public method fails this test until it is in CASES.
const INTERNAL: Record<string, string[]> = {
  ConfigService: [
    'inputs',
    'effective',
    'show',
    'authorizeSecurity',
    'check',
    'problemsWith',
    'storedValue',
    'change',
    'readValuesFile',
    'entriesOf',
    'side',
    'stateAt',
  ],
  ProviderService: ['providers', 'models', 'summarize', 'changed', 'get', 'summaryOf', 'keyColumns', 'findModel'],
  EnvFile: ['path', 'variable', 'shown', 'entries', 'lines', 'write', 'known', 'checkValue'],
};

describeEachEngine(
  'config services refuse actors without the permission (exit 4, before any lookup)',
  {root: APP_ROOT},
  (t) => {
    let kernel: Kernel;
    let services: Services;
    const actors = {} as Record<Who, Actor>;

    beforeEach(async () => {
      for (const [who, role] of [
        ['nobody', undefined],
        ['viewer', 'viewer'],
        ['operator', 'operator'],
      ] as const) {
        const email = `${who}@example.com`;
        const created = await ok(t, 'users:create', '--email', email, ...(role ? ['--role', role] : []), '--json');
        actors[who] = {kind: 'user', id: created.json().data.id, label: email, via: 'session'};
      }
      const config = await loadCliConfig(APP_ROOT);
      const paths = resolveSystemPaths(undefined, {SYSTEMPROMPT_HOME: t.home.path});
      const modules: ModuleRecord[] = await discoverModules(
        config.getPluginsList() as unknown as PluginDescriptor[],
        paths.cache,
      );
      kernel = new Kernel({
        modules,
        paths,
        configValues: (record) => (record.name === 'database' && t.database.url ? {url: t.database.url} : {}),
      });
      await kernel.boot(['config']);
      const api = kernel.service<ConfigModuleApi>('config');
      const catalog = new SchemaCatalog(modules);
      const access = await kernel.access();
      services = {
        config: new ConfigService(api, catalog),
        providers: new ProviderService(api),
        env: new EnvFile(paths.config, catalog, access),
        validate: (actor) =>
          validateConfiguration(actor, access, {catalog, configDirectory: paths.config, secrets: api.secrets}),
        file: async (text) => {
          const file = join(t.home.path, 'import.yaml');
          await writeFile(file, text);
          return file;
        },
      };
      // Something to protect: a provider with a stored key and a model, and an env file entry.
      await services.providers.add(LOCAL_ADMIN, {
        name: 'p',
        kind: 'openai',
        baseUrl: 'http://127.0.0.1:9/v1',
        key: {source: 'stored', key: 'sk-protected'},
      });
      await services.providers.addModel(LOCAL_ADMIN, 'p', 'm', {makeDefault: true});
      await services.env.set(LOCAL_ADMIN, 'logger_level', 'warn');
    });

    afterEach(async () => {
      await kernel.stop();
    });

    it('covers every public method of ConfigService, ProviderService and EnvFile', () => {
      const methods = (prototype: object) =>
        Object.getOwnPropertyNames(prototype).filter((name) => name !== 'constructor');
      for (const [name, prototype] of Object.entries({
        ConfigService: ConfigService.prototype,
        ProviderService: ProviderService.prototype,
        EnvFile: EnvFile.prototype,
      })) {
        const covered = new Set(CASES.filter((entry) => entry.service === name).map((entry) => entry.method));
        expect(
          methods(prototype).filter((method) => !covered.has(method) && !INTERNAL[name]!.includes(method)),
          name,
        ).to.deep.equal([]);
      }
    });

    it('refuses every case of the table with exit 4 naming the permission, and changes nothing', async () => {
      const wrong: string[] = [];
      for (const [index, entry] of CASES.entries()) {
        const label = `#${index} ${entry.service}${entry.service === entry.method ? '' : `.${entry.method}`} as ${entry.who}`;
        try {
          await entry.call(services, actors[entry.who]);
          wrong.push(`${label}: allowed`);
        } catch (error) {
          const {exitCode, code, details} = error as {
            exitCode?: number;
            code?: string;
            details?: {permission?: string};
          };
          if (exitCode !== 4 || code !== 'PERMISSION_DENIED' || details?.permission !== entry.permission)
            wrong.push(
              `${label}: exit ${exitCode} ${code} (${details?.permission ?? String(error)}), expected 4 for ${entry.permission}`,
            );
        }
      }
      expect(wrong).to.deep.equal([]);
      expect((await services.config.history(LOCAL_ADMIN)).items).to.deep.equal([]);
      expect(
        (await services.providers.list(LOCAL_ADMIN)).map((row) => [
          row.name,
          row.baseUrl,
          row.apiKey,
          row.defaultModel,
        ]),
      ).to.deep.equal([['p', 'http://127.0.0.1:9/v1', 'stored', 'm']]);
      expect((await services.env.list(LOCAL_ADMIN)).map((row) => [row.name, row.value])).to.deep.equal([
        ['SYSTEMPROMPT_LOGGER_LEVEL', 'warn'],
      ]);
    });
  },
);
