import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {
  ANONYMOUS,
  LOCAL_ADMIN,
  resolveSystemPaths,
  type Actor,
  type JsonSchema,
  type RegisteredTool,
} from '@systemprompt/core';
import {Kernel, discoverModules, type PluginDescriptor} from '@systemprompt/core/kernel';
import {
  createTempHome,
  createTestDatabase,
  loadCliConfig,
  testEngines,
  type TempHome,
  type TestDatabase,
} from '@systemprompt/testing';
import {WHOLE_LIST} from '@systemprompt/database';
import type {UsersApi} from '@systemprompt/users';
import type {SystemApi} from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

// The mcp module validates with ajv (draft 2020-12); core depends on it, so the test borrows it from there.
interface Validator {
  (value: unknown): boolean;
  errors?: unknown[] | null;
}
const {Ajv2020} = createRequire(fileURLToPath(new URL('../../core/package.json', import.meta.url)))(
  'ajv/dist/2020.js',
) as {
  Ajv2020: new (options: Record<string, unknown>) => {
    compile(schema: JsonSchema): Validator;
    errorsText(errors?: unknown[] | null): string;
  };
};
const ajv = new Ajv2020({strict: false, allErrors: true});

function expectMatches(schema: JsonSchema, value: unknown): void {
  const validate = ajv.compile(schema);
  const ok = validate(JSON.parse(JSON.stringify(value)));
  expect(ok, `${ajv.errorsText(validate.errors)}: ${JSON.stringify(value)}`).to.equal(true);
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as {exitCode: number; code: string},
  );

for (const engine of testEngines()) {
  describe(`system MCP tools [${engine}]`, () => {
    let home: TempHome;
    let database: TestDatabase;
    let kernel: Kernel;
    let viewer: Actor;
    let nobody: Actor;
    const signal = new AbortController().signal;

    const run = async (tool: RegisteredTool, actor: Actor): Promise<any> => {
      expect(ajv.compile(tool.inputSchema)({})).to.equal(true);
      const result = await tool.handler({}, {actor, signal});
      expectMatches(tool.outputSchema!, result);
      return result;
    };

    before(async () => {
      home = await createTempHome();
      database = await createTestDatabase(engine);
      const config = await loadCliConfig(root);
      const paths = resolveSystemPaths(undefined, {SYSTEMPROMPT_HOME: home.path});
      kernel = new Kernel({
        modules: await discoverModules(config.getPluginsList() as unknown as PluginDescriptor[], paths.cache),
        paths,
        configValues: (record) => (record.name === 'database' && database.url ? {url: database.url} : {}),
      });
      await kernel.boot(['system']);
      const {users} = kernel.service<UsersApi>('users');
      const actorFor = async (email: string, roles: string[]): Promise<Actor> => {
        const user = (await users.create(LOCAL_ADMIN, {email, roles})) as {id: string};
        return {kind: 'user', id: user.id, label: email, via: 'api-key'};
      };
      viewer = await actorFor('viewer@example.com', ['viewer']);
      nobody = await actorFor('nobody@example.com', []);
    });

    after(async () => {
      await kernel?.stop();
      await database?.drop();
      await home?.remove();
    });

    it('registers every tool module.yaml declares, with its permission', () => {
      const declared = kernel.record('system')!.manifest!.tools!;
      expect(
        kernel.tools.filter((tool) => tool.module === 'system').map(({name, permission}) => ({name, permission})),
      ).to.have.deep.members(declared.map(({name, permission}) => ({name, permission})));
      expect(declared.map((entry) => entry.name)).to.have.members(['system_ping', 'system_status']);
    });

    it("system_ping answers any signed-in caller with the server's time, and refuses nobody (exit 4)", async () => {
      const ping = kernel.tools.find((tool) => tool.name === 'system_ping')!;
      expect(ping).to.include({permission: 'authenticated', module: 'system'});
      expect(ping.annotations).to.include({readOnlyHint: true, destructiveHint: false});
      for (const actor of [nobody, viewer, LOCAL_ADMIN]) {
        const before = Date.now();
        const answer = await run(ping, actor);
        expect(Date.parse(answer.time)).to.be.within(before, Date.now());
        expect(new Date(answer.time).toISOString()).to.equal(answer.time);
        expect(answer.server).to.equal(`SystemPrompt OS ${kernel.record('system')!.version}`);
      }
      expect(await refusal(ping.handler({}, {actor: ANONYMOUS, signal}))).to.include({
        exitCode: 4,
        code: 'PERMISSION_DENIED',
      });
    });

    it('system_ping does not touch the database', async () => {
      const ping = kernel.tools.find((tool) => tool.name === 'system_ping')!;
      // With the database's connection gone (what needs it fails), a ping still answers.
      const connection = await kernel
        .service<{dataSource(): Promise<{destroy(): Promise<void>}>}>('database')
        .dataSource();
      await connection.destroy();
      const {users} = kernel.service<UsersApi>('users');
      expect(await refusal(users.list(LOCAL_ADMIN, WHOLE_LIST))).to.not.equal(undefined);
      expect(await run(ping, viewer)).to.have.keys(['time', 'server']);
    });
  });

  describe(`system_status tool [${engine}]`, () => {
    let home: TempHome;
    let database: TestDatabase;
    let kernel: Kernel;
    const signal = new AbortController().signal;

    before(async () => {
      home = await createTempHome();
      database = await createTestDatabase(engine);
      const config = await loadCliConfig(root);
      const paths = resolveSystemPaths(undefined, {SYSTEMPROMPT_HOME: home.path});
      kernel = new Kernel({
        modules: await discoverModules(config.getPluginsList() as unknown as PluginDescriptor[], paths.cache),
        paths,
        configValues: (record) => (record.name === 'database' && database.url ? {url: database.url} : {}),
      });
      await kernel.boot(['system']);
    });

    after(async () => {
      await kernel?.stop();
      await database?.drop();
      await home?.remove();
    });

    it('system_status answers a viewer as system:status does and refuses nobody', async () => {
      const {users} = kernel.service<UsersApi>('users');
      const {system} = kernel.service<SystemApi>('system');
      const actorFor = async (email: string, roles: string[]): Promise<Actor> => {
        const user = (await users.create(LOCAL_ADMIN, {email, roles})) as {id: string};
        return {kind: 'user', id: user.id, label: email, via: 'api-key'};
      };
      const status = kernel.tools.find((tool) => tool.name === 'system_status')!;
      expect(status).to.include({permission: 'system:read', module: 'system'});
      expect(ajv.compile(status.inputSchema)({})).to.equal(true);

      const viewer = await actorFor('viewer@example.com', ['viewer']);
      const answer = (await status.handler({}, {actor: viewer, signal})) as {
        node: string;
        os: string;
        server: {running: boolean};
        modules: Array<{name: string; version: string; enabled: boolean}>;
      };
      expectMatches(status.outputSchema!, answer);
      expect(answer.server.running).to.equal(false);
      // system:status: every installed module with its version, sorted by name (host figures are measured anew).
      const versions = kernel.modules
        .map((record) => ({name: record.name, version: record.version, enabled: record.enabled}))
        .sort((a, b) => a.name.localeCompare(b.name));
      expect(answer.modules).to.deep.equal(versions);
      const cli = await system.status(viewer, versions);
      const {node, os, hostname, cpus, server, modules} = cli;
      expect(answer).to.deep.include({node, os, hostname, cpus, server, modules});
      expect(await refusal(status.handler({}, {actor: await actorFor('nobody@example.com', []), signal}))).to.include({
        exitCode: 4,
        code: 'PERMISSION_DENIED',
      });
    });
  });
}
