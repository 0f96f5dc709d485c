import {join} from 'node:path';
import {expect} from 'chai';
import {conflict, notFound, SystemPromptError} from '../../../src/errors.js';
import {Kernel, type KernelOptions} from '../../../src/kernel/kernel.js';
import type {ModuleRecord} from '../../../src/kernel/discovery.js';
import type {Logger, ModuleContext} from '../../../src/module.js';
import {rejected} from '../helpers/errors.js';
import {calls, discoverFixtures, resetCalls, resetModules, setHooks, type FixtureModule} from '../helpers/modules.js';
import {makeTempDir, removeTempDir} from '../helpers/temp.js';

describe('Kernel', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await makeTempDir();
    resetModules();
  });
  afterEach(async () => {
    resetModules();
    await removeTempDir(directory);
  });

  const paths = () => ({
    home: directory,
    config: join(directory, 'config'),
    data: join(directory, 'data'),
    cache: join(directory, 'cache'),
  });

  async function kernelFor(
    modules: FixtureModule[],
    options: Partial<KernelOptions> = {},
  ): Promise<{kernel: Kernel; records: ModuleRecord[]}> {
    const records = await discoverFixtures(directory, modules);
    return {kernel: new Kernel({modules: records, paths: paths(), ...options}), records};
  }

  /** app -> users -> database, app -> auth -> database */
  const diamond: FixtureModule[] = [
    {name: 'app', manifest: {dependencies: ['users', 'auth']}},
    {name: 'users', manifest: {dependencies: ['database']}},
    {name: 'auth', manifest: {dependencies: ['database']}},
    {name: 'database'},
  ];

  describe('lifecycle', () => {
    it('initializes in dependency order, starts in the same order and stops in reverse', async () => {
      const {kernel} = await kernelFor(diamond);
      await kernel.boot(['app']);
      expect(kernel.booted).to.deep.equal(['database', 'users', 'auth', 'app']);
      expect(calls()).to.deep.equal(['database:initialize', 'users:initialize', 'auth:initialize', 'app:initialize']);
      expect(kernel.state('app')).to.equal('initialized');

      resetCalls();
      await kernel.start();
      expect(calls()).to.deep.equal(['database:start', 'users:start', 'auth:start', 'app:start']);
      expect(kernel.state('users')).to.equal('started');

      resetCalls();
      await kernel.stop();
      expect(calls()).to.deep.equal(['app:stop', 'auth:stop', 'users:stop', 'database:stop']);
      expect(kernel.state('database')).to.equal('stopped');
    });

    it('boots only what is asked and keeps modules already booted', async () => {
      const {kernel} = await kernelFor(diamond);
      await kernel.boot(['users']);
      expect(kernel.booted).to.deep.equal(['database', 'users']);
      await kernel.boot(['app']);
      expect(kernel.booted).to.deep.equal(['database', 'users', 'auth', 'app']);
      expect(calls().filter((call) => call === 'database:initialize')).to.have.length(1);
      expect(kernel.state('ghost')).to.equal(undefined);
    });

    it('does not start a module twice, stop it twice, or start it again after a second boot', async () => {
      const {kernel} = await kernelFor([{name: 'a'}, {name: 'b'}]);
      await kernel.boot(['a']);
      await kernel.start();
      await kernel.boot(['b']);
      await kernel.start();
      await kernel.stop();
      await kernel.stop();
      expect(calls()).to.deep.equal(['a:initialize', 'a:start', 'b:initialize', 'b:start', 'b:stop', 'a:stop']);
    });

    it('restarts stopped modules', async () => {
      const {kernel} = await kernelFor([{name: 'a'}]);
      await kernel.boot(['a']);
      await kernel.start();
      await kernel.stop();
      await kernel.start();
      expect(calls()).to.deep.equal(['a:initialize', 'a:start', 'a:stop', 'a:start']);
      expect(kernel.state('a')).to.equal('started');
    });

    it('refuses to boot a module whose dependency is missing, before importing anything', async () => {
      const {kernel} = await kernelFor([{name: 'a', manifest: {dependencies: ['ghost']}}]);
      const error = await rejected(kernel.boot(['a']));
      expect(error.code).to.equal('MODULE_DEPENDENCY_MISSING');
      expect(error.exitCode).to.equal(6);
      expect(calls()).to.deep.equal([]);
    });

    it('exposes the discovered records', async () => {
      const {kernel, records} = await kernelFor([{name: 'a'}, {name: 'b'}]);
      expect(kernel.modules).to.equal(records);
      expect(kernel.record('b')).to.equal(records[1]);
      expect(kernel.record('ghost')).to.equal(undefined);
    });
  });

  describe('failures', () => {
    it('re-throws a failing initialize with the module and phase (MODULE_PHASE_FAILED, exit 6) and boots nothing after it', async () => {
      setHooks('b', {
        initialize: () => {
          throw new Error('database is locked');
        },
      });
      const {kernel} = await kernelFor([
        {name: 'a'},
        {name: 'b', manifest: {dependencies: ['a']}},
        {name: 'c', manifest: {dependencies: ['b']}},
      ]);
      const error = await rejected(kernel.boot(['c']));
      expect(error.message).to.equal('Module "b" failed to initialize: database is locked');
      expect(error.code).to.equal('MODULE_PHASE_FAILED');
      expect(error.exitCode).to.equal(6);
      expect(error.details).to.deep.equal({module: 'b', phase: 'initialize'});
      expect((error.cause as Error).message).to.equal('database is locked');
      expect(calls()).to.deep.equal(['a:initialize', 'b:initialize']);
      expect(kernel.booted).to.deep.equal(['a']);
      expect(kernel.state('b')).to.equal('failed');
    });

    it('names the failing module in details even when the inner error names another', async () => {
      setHooks('b', {
        initialize: () => {
          throw conflict('a is busy', {details: {module: 'a'}});
        },
      });
      const {kernel} = await kernelFor([{name: 'b'}]);
      const error = await rejected(kernel.boot(['b']));
      expect(error.details).to.include({module: 'b', phase: 'initialize'});
    });

    it('keeps the code, exit code, hint and details of a SystemPromptError thrown by a module', async () => {
      setHooks('b', {
        initialize: () => {
          throw conflict('port 8080 is in use', {
            code: 'PORT_IN_USE',
            hint: 'Stop the other server.',
            details: {port: 8080},
          });
        },
      });
      const {kernel} = await kernelFor([{name: 'b'}]);
      const error = await rejected(kernel.boot(['b']));
      expect(error.message).to.equal('Module "b" failed to initialize: port 8080 is in use');
      expect(error.code).to.equal('PORT_IN_USE');
      expect(error.exitCode).to.equal(5);
      expect(error.hint).to.equal('Stop the other server.');
      expect(error.details).to.deep.equal({module: 'b', phase: 'initialize', port: 8080});
    });

    it('wraps a thrown non-error with its text', async () => {
      setHooks('b', {initialize: () => Promise.reject('plain text')});
      const {kernel} = await kernelFor([{name: 'b'}]);
      const error = await rejected(kernel.boot(['b']));
      expect(error.message).to.equal('Module "b" failed to initialize: plain text');
      expect(error.exitCode).to.equal(6);
    });

    it('marks a module whose start fails as failed and does not start the ones after it', async () => {
      setHooks('b', {
        start: () => {
          throw new Error('cannot bind');
        },
      });
      const {kernel} = await kernelFor([
        {name: 'a'},
        {name: 'b', manifest: {dependencies: ['a']}},
        {name: 'c', manifest: {dependencies: ['b']}},
      ]);
      await kernel.boot(['c']);
      resetCalls();
      const error = await rejected(kernel.start());
      expect(error.message).to.equal('Module "b" failed to start: cannot bind');
      expect(error.code).to.equal('MODULE_PHASE_FAILED');
      expect(error.exitCode).to.equal(6);
      expect(kernel.state('b')).to.equal('failed');
      expect(calls()).to.deep.equal(['a:start', 'b:start']);

      resetCalls();
      await kernel.stop();
      expect(calls()).to.deep.equal(['c:stop', 'a:stop']);
    });

    it('asks every module to stop even when one fails, then throws the first failure', async () => {
      setHooks('b', {
        stop: () => {
          throw notFound('pid file is gone', {code: 'PID_MISSING'});
        },
      });
      const {kernel} = await kernelFor([
        {name: 'a'},
        {name: 'b', manifest: {dependencies: ['a']}},
        {name: 'c', manifest: {dependencies: ['b']}},
      ]);
      await kernel.boot(['c']);
      await kernel.start();
      resetCalls();
      const error = await rejected(kernel.stop());
      expect(error.message).to.equal('Module "b" failed to stop: pid file is gone');
      expect(error.code).to.equal('PID_MISSING');
      expect(error.exitCode).to.equal(3);
      expect(calls()).to.deep.equal(['c:stop', 'b:stop', 'a:stop']);
      expect(kernel.state('b')).to.equal('stopped');
    });

    it('rejects an entry that breaks the contract with MODULE_CONTRACT (exit 6), listing the problems', async () => {
      const {kernel} = await kernelFor([
        {
          name: 'bad',
          entrySource: `export default () => ({name: 'other', version: 1, type: 'service', initialize: async () => {}, start: async () => {}})`,
        },
      ]);
      const error = await rejected(kernel.boot(['bad']));
      expect(error.code).to.equal('MODULE_CONTRACT');
      expect(error.exitCode).to.equal(6);
      expect(error.message).to.equal(
        'Module "bad" (@fixtures/bad) does not implement the module contract: name is "other" but module.yaml says "bad"; version must be a string; stop() is missing; healthCheck() is missing',
      );
      expect(kernel.booted).to.deep.equal([]);
    });

    it('refuses to boot a module discovered with an error, and a module that depends on it', async () => {
      const {kernel} = await kernelFor([
        {name: 'broken', entry: null},
        {name: 'app', manifest: {dependencies: ['broken']}},
      ]);
      const direct = await rejected(kernel.boot(['broken']));
      expect(direct.code).to.equal('MODULE_INVALID');
      expect(direct.exitCode).to.equal(6);
      const dependent = await rejected(kernel.boot(['app']));
      expect(dependent.code).to.equal('MODULE_DEPENDENCY_BROKEN');
      expect(dependent.message).to.match(/^Module "app" depends on "broken", which cannot be loaded: /);
      expect(calls()).to.deep.equal([]);
    });
  });

  describe('services', () => {
    it('lets a module use the service of a declared dependency', async () => {
      let seen: unknown;
      let has: boolean[] = [];
      setHooks('users', {
        initialize: (context: ModuleContext) => context.provide({find: (id: string) => ({id, name: 'Ana'})}),
      });
      setHooks('app', {
        initialize: (context: ModuleContext) => {
          has = [context.services.has('users'), context.services.has('auth'), context.services.has('ghost')];
          seen = context.services.get<{find(id: string): unknown}>('users').find('u1');
        },
      });
      const {kernel} = await kernelFor([
        {name: 'users'},
        {name: 'auth'},
        {name: 'app', manifest: {dependencies: ['users', 'auth']}},
      ]);
      await kernel.boot(['app']);
      expect(seen).to.deep.equal({id: 'u1', name: 'Ana'});
      expect(has).to.deep.equal([true, false, false]);
      expect(kernel.service<{find(id: string): unknown}>('users').find('u2')).to.deep.equal({id: 'u2', name: 'Ana'});
    });

    it('refuses the service of a module that was not declared (MODULE_DEPENDENCY_UNDECLARED)', async () => {
      let refusal: unknown;
      setHooks('users', {initialize: (context: ModuleContext) => context.provide({})});
      setHooks('app', {
        initialize: (context: ModuleContext) => {
          try {
            context.services.get('users');
          } catch (error) {
            refusal = error;
          }
        },
      });
      const {kernel} = await kernelFor([{name: 'users'}, {name: 'app'}]);
      await kernel.boot(['users', 'app']);
      expect(refusal).to.be.instanceOf(SystemPromptError);
      const error = refusal as SystemPromptError;
      expect(error.code).to.equal('MODULE_DEPENDENCY_UNDECLARED');
      expect(error.exitCode).to.equal(1);
      expect(error.message).to.equal('Module "app" uses "users" without declaring it in module.yaml dependencies');
      expect(error.details).to.deep.equal({module: 'app', dependency: 'users'});
    });

    it('fails the initialize of a module that uses an undeclared service without catching the refusal', async () => {
      setHooks('users', {initialize: (context: ModuleContext) => context.provide({})});
      setHooks('app', {initialize: (context: ModuleContext) => context.services.get('users')});
      const {kernel} = await kernelFor([{name: 'users'}, {name: 'app'}]);
      await kernel.boot(['users']);
      const error = await rejected(kernel.boot(['app']));
      expect(error.code).to.equal('MODULE_DEPENDENCY_UNDECLARED');
      expect(error.exitCode).to.equal(1);
      expect(error.message).to.equal(
        'Module "app" failed to initialize: Module "app" uses "users" without declaring it in module.yaml dependencies',
      );
    });

    it('says which module is not booted or provides no service', async () => {
      const {kernel} = await kernelFor([{name: 'quiet'}]);
      const notBooted = (() => {
        try {
          kernel.service('quiet');
        } catch (error) {
          return error as SystemPromptError;
        }
        return undefined;
      })();
      expect(notBooted!.code).to.equal('MODULE_NOT_BOOTED');
      expect(notBooted!.exitCode).to.equal(6);
      await kernel.boot(['quiet']);
      expect(() => kernel.service('quiet'))
        .to.throw(SystemPromptError, 'Module "quiet" provides no service')
        .with.property('code', 'MODULE_NO_SERVICE');
    });

    it('serves capabilities of providers that were booted before', async () => {
      let database: unknown = 'unset';
      let queue: unknown = 'unset';
      setHooks('db', {initialize: (context: ModuleContext) => context.provide({query: 'select'})});
      setHooks('app', {
        initialize: (context: ModuleContext) => {
          database = context.capability('database');
          queue = context.capability('queue');
        },
      });
      const {kernel} = await kernelFor([
        {name: 'db', manifest: {provides: ['database']}},
        {name: 'app', manifest: {dependencies: ['db']}},
      ]);
      await kernel.boot(['app']);
      expect(database).to.deep.equal({query: 'select'});
      expect(queue).to.equal(undefined);
    });
  });

  describe('access', () => {
    it('boots the module that provides access on demand for a module below it, and hands out its access service', async () => {
      const seen: string[] = [];
      const access = {
        authorize: async (actor: {id: string}, permission: string) => void seen.push(`${actor.id}:${permission}`),
        holds: async () => true,
        record: async () => {},
      };
      let contextOfDb: ModuleContext | undefined;
      setHooks('db', {
        initialize: (context: ModuleContext) => {
          contextOfDb = context;
        },
      });
      setHooks('users', {initialize: (context: ModuleContext) => context.provide({access})});
      const {kernel} = await kernelFor([
        {name: 'db'},
        {name: 'users', manifest: {dependencies: ['db'], provides: ['access']}},
      ]);
      await kernel.boot(['db']);
      expect(kernel.booted).to.deep.equal(['db']);
      const provider = await contextOfDb!.access();
      await provider.authorize({id: 'u1'} as never, 'db:query', 'db.query');
      expect(seen).to.deep.equal(['u1:db:query']);
      expect(kernel.booted).to.deep.equal(['db', 'users']);
    });

    it('without an access module, allows only the local operator and the system', async () => {
      const {kernel} = await kernelFor([{name: 'db'}]);
      const access = await kernel.access();
      await access.authorize(
        {kind: 'local', id: 'local-admin', label: 'local-admin', via: 'local-trust'},
        'db:query',
        'db.query',
      );
      const refused = await rejected(
        access.authorize({kind: 'anonymous', id: 'anonymous', label: 'anonymous', via: 'none'}, 'db:query', 'db.query'),
      );
      expect(refused.exitCode).to.equal(4);
      expect(await access.holds({kind: 'user', id: 'u', label: 'u', via: 'session'}, 'db:query')).to.equal(false);
    });
  });

  describe('context', () => {
    it('hands the module its name, manifest, own directories and an event bus stamped with its name', async () => {
      let context: ModuleContext | undefined;
      setHooks('users', {
        initialize: (given: ModuleContext) => {
          context = given;
        },
      });
      const {kernel, records} = await kernelFor([{name: 'users'}]);
      const events: Array<{type: string; source: string}> = [];
      kernel.events.on('*', (event) => void events.push({type: event.type, source: event.source}));
      await kernel.boot(['users']);
      expect(context!.name).to.equal('users');
      expect(context!.manifest).to.deep.equal(records[0]!.manifest);
      expect(context!.paths).to.deep.equal({
        data: join(directory, 'data', 'modules', 'users'),
        config: join(directory, 'config', 'modules', 'users'),
        cache: join(directory, 'cache', 'modules', 'users'),
      });
      await context!.events.emit('user.created', {id: 'u1'});
      expect(events).to.deep.equal([{type: 'user.created', source: 'users'}]);
    });

    it('applies the defaults of the config schema in the manifest', async () => {
      let config: unknown;
      setHooks('mail', {
        initialize: (context: ModuleContext) => {
          config = context.config;
        },
      });
      const schema = {
        type: 'object',
        additionalProperties: false,
        properties: {host: {type: 'string', default: 'localhost'}, port: {type: 'integer', default: 25}},
      };
      const {kernel} = await kernelFor([{name: 'mail', manifest: {config: schema}}]);
      await kernel.boot(['mail']);
      expect(config).to.deep.equal({host: 'localhost', port: 25});
    });

    it('validates the values of configValues against the schema and keeps them', async () => {
      let config: unknown;
      const asked: string[] = [];
      setHooks('mail', {
        initialize: (context: ModuleContext) => {
          config = context.config;
        },
      });
      const schema = {
        type: 'object',
        properties: {host: {type: 'string', default: 'localhost'}, port: {type: 'integer', default: 25}},
      };
      const {kernel} = await kernelFor([{name: 'mail', manifest: {config: schema}}], {
        configValues: async (record) => {
          asked.push(record.name);
          return {port: 2525};
        },
      });
      await kernel.boot(['mail']);
      expect(asked).to.deep.equal(['mail']);
      expect(config).to.deep.equal({host: 'localhost', port: 2525});
    });

    it('rejects an invalid config value with CONFIG_INVALID (exit 2) before initialize', async () => {
      const schema = {type: 'object', properties: {port: {type: 'integer', minimum: 1}}};
      const {kernel} = await kernelFor([{name: 'mail', manifest: {config: schema}}], {
        configValues: () => ({port: 'twenty-five'}),
      });
      const error = await rejected(kernel.boot(['mail']));
      expect(error.code).to.equal('CONFIG_INVALID');
      expect(error.exitCode).to.equal(2);
      expect(error.message).to.equal('Configuration of module "mail" is invalid: /port: must be integer');
      expect(calls()).to.deep.equal([]);
      expect(kernel.booted).to.deep.equal([]);
    });

    it('passes configValues through unchecked to a module without a config schema', async () => {
      let config: unknown;
      setHooks('plain', {
        initialize: (context: ModuleContext) => {
          config = context.config;
        },
      });
      const {kernel} = await kernelFor([{name: 'plain'}], {configValues: () => ({anything: true})});
      await kernel.boot(['plain']);
      expect(config).to.deep.equal({anything: true});
    });
  });

  describe('logger provider', () => {
    const recordingLogger = (module: string, lines: string[]): Logger => {
      const log = (level: string) => (_obj: unknown, msg?: string) =>
        void lines.push(`${module}:${level}:${msg ?? ''}`);
      const logger: Logger = {
        trace: log('trace'),
        debug: log('debug'),
        info: log('info'),
        warn: log('warn'),
        error: log('error'),
        fatal: log('fatal'),
        child: () => logger,
      };
      return logger;
    };

    it('boots the provider first and gives every other module the logger from its forModule', async () => {
      const lines: string[] = [];
      let providerLogger: Logger | undefined;
      setHooks('log', {
        initialize: (context: ModuleContext) => {
          providerLogger = context.logger;
          context.provide({forModule: (name: string) => recordingLogger(name, lines)});
        },
      });
      setHooks('users', {initialize: (context: ModuleContext) => context.logger.info({}, 'users ready')});
      setHooks('app', {initialize: (context: ModuleContext) => context.logger.warn({}, 'app ready')});
      const kernelLines: string[] = [];
      const {kernel} = await kernelFor(
        [
          {name: 'app', manifest: {dependencies: ['users']}},
          {name: 'users'},
          {name: 'log', manifest: {provides: ['logger']}},
        ],
        {logger: recordingLogger('bootstrap', kernelLines)},
      );
      await kernel.boot(['app']);
      expect(kernel.booted).to.deep.equal(['log', 'users', 'app']);
      expect(lines).to.include('users:info:users ready');
      expect(lines).to.include('app:warn:app ready');
      // After the provider is booted, the kernel's own messages go through forModule('kernel').
      expect(lines).to.include('kernel:debug:initialize users');
      // The provider itself gets the bootstrap logger.
      expect(providerLogger).not.to.equal(undefined);
      expect(kernelLines).to.include('bootstrap:debug:initialize log');
      expect(kernelLines).not.to.include('bootstrap:debug:initialize users');
    });
  });

  describe('health', () => {
    it('reports each booted module, a throwing healthCheck as unhealthy, and modules that are not booted', async () => {
      setHooks('sick', {healthCheck: () => ({healthy: false, message: 'queue is full'})});
      setHooks('broken', {
        healthCheck: () => {
          throw new Error('probe crashed');
        },
      });
      const {kernel} = await kernelFor([{name: 'fine'}, {name: 'sick'}, {name: 'broken'}]);
      await kernel.boot(['fine', 'sick', 'broken']);
      expect(await kernel.health()).to.deep.equal([
        {module: 'fine', healthy: true},
        {module: 'sick', healthy: false, message: 'queue is full'},
        {module: 'broken', healthy: false, message: 'Module "broken" failed to check its health: probe crashed'},
      ]);
      expect(await kernel.health(['fine', 'ghost'])).to.deep.equal([
        {module: 'fine', healthy: true},
        {module: 'ghost', healthy: false, message: 'not booted'},
      ]);
      expect(kernel.state('broken')).to.equal('initialized');
    });
  });
});
