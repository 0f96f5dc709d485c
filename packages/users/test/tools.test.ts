import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {
  ANONYMOUS,
  LOCAL_ADMIN,
  redactSecrets,
  resolveSystemPaths,
  secretProperties,
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
import type {UsersApi, UserView} from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

// The mcp module validates with ajv (draft 2020-12); core depends on it, so the test borrows it from there.
interface Validator {
  (value: unknown): boolean;
  errors?: unknown[] | null;
}
interface Ajv {
  compile(schema: JsonSchema): Validator;
  validate(schema: JsonSchema, value: unknown): boolean;
  errorsText(errors?: unknown[] | null): string;
}
const {Ajv2020} = createRequire(fileURLToPath(new URL('../../core/package.json', import.meta.url)))(
  'ajv/dist/2020.js',
) as {Ajv2020: new (options: Record<string, unknown>) => Ajv};
const ajv = new Ajv2020({strict: false, allErrors: true});

/** `value`, as a client receives it (JSON), matches `schema`. */
function expectMatches(schema: JsonSchema, value: unknown): void {
  const validate = ajv.compile(schema);
  const ok = validate(JSON.parse(JSON.stringify(value)));
  expect(ok, `${ajv.errorsText(validate.errors)}: ${JSON.stringify(value)}`).to.equal(true);
}

/** The error `promise` rejects with. */
async function refusal(promise: Promise<unknown>): Promise<{exitCode: number; code: string; message: string}> {
  try {
    await promise;
  } catch (error) {
    return error as {exitCode: number; code: string; message: string};
  }
  throw new Error('expected a refusal');
}

for (const engine of testEngines()) {
  describe(`users MCP tools [${engine}]`, () => {
    let home: TempHome;
    let database: TestDatabase;
    let kernel: Kernel;
    let api: UsersApi;
    let admin: Actor;
    let viewer: Actor;
    let nobody: Actor;
    const signal = new AbortController().signal;

    const tool = (name: string): RegisteredTool => {
      const found = kernel.tools.find((candidate) => candidate.name === name);
      expect(found, `tool ${name}`).to.not.equal(undefined);
      return found!;
    };
    /** Calls a tool as the mcp module does: the input checked against its schema first, then the handler. */
    const call = async (name: string, input: Record<string, unknown>, actor: Actor): Promise<any> => {
      expectMatches(tool(name).inputSchema, input);
      return tool(name).handler(input, {actor, signal});
    };
    const actorFor = async (email: string, roles: string[]): Promise<Actor> => {
      const user = (await api.users.create(LOCAL_ADMIN, {email, roles})) as UserView;
      return {kind: 'user', id: user.id, label: email, via: 'api-key'};
    };
    const exists = async (email: string) =>
      api.users.find(email).then(
        () => true,
        () => false,
      );

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
      await kernel.boot(['users']);
      api = kernel.service<UsersApi>('users');
      admin = await actorFor('admin@example.com', ['admin']);
      viewer = await actorFor('viewer@example.com', ['viewer']);
      nobody = await actorFor('nobody@example.com', []);
    });

    after(async () => {
      await kernel?.stop();
      await database?.drop();
      await home?.remove();
    });

    it('registers every tool module.yaml declares, with its permission, and no other', () => {
      const declared = kernel.record('users')!.manifest!.tools!;
      const registered = kernel.tools.filter((candidate) => candidate.module === 'users');
      expect(registered.map(({name, permission}) => ({name, permission}))).to.have.deep.members(
        declared.map(({name, permission}) => ({name, permission})),
      );
      expect(declared.map((entry) => entry.name)).to.have.members([
        'users_list',
        'users_get',
        'users_create',
        'users_update',
        'users_disable',
        'users_enable',
      ]);
      for (const registeredTool of registered) {
        expect(registeredTool.inputSchema, registeredTool.name).to.include({
          type: 'object',
          additionalProperties: false,
        });
        expect(registeredTool.outputSchema, registeredTool.name).to.include({type: 'object'});
        expect(registeredTool.description, registeredTool.name).to.not.equal('');
        expect(registeredTool.annotations?.readOnlyHint, registeredTool.name).to.equal(
          ['users_list', 'users_get'].includes(registeredTool.name),
        );
      }
    });

    it("users_create: the viewer's call is refused (exit 4) and creates nobody; the admin's creates the user", async () => {
      const input = {email: 'Ana@Example.com', name: 'Ana', roles: ['viewer'], password: 'correct horse battery'};
      expect(await refusal(call('users_create', input, viewer))).to.include({exitCode: 4, code: 'PERMISSION_DENIED'});
      expect(await refusal(call('users_create', input, ANONYMOUS))).to.include({exitCode: 4});
      expect(await exists('ana@example.com')).to.equal(false);

      const created = await call('users_create', input, admin);
      expect(created).to.include({email: 'ana@example.com', name: 'Ana', status: 'enabled', hasPassword: true});
      expect(created.roles).to.deep.equal(['viewer']);
      expect(created).to.not.have.any.keys('password', 'passwordHash');
      expectMatches(tool('users_create').outputSchema!, created);
      expect(await exists('ana@example.com')).to.equal(true);
      expect(await api.users.authenticate('ana@example.com', input.password)).to.not.equal(undefined);

      expect(await refusal(call('users_create', input, admin))).to.include({exitCode: 5, code: 'USER_EXISTS'});
      expect(await refusal(call('users_create', {email: 'not-an-email'}, admin))).to.include({
        exitCode: 2,
        code: 'EMAIL_INVALID',
      });
    });

    it('users_create marks the password secret: what is audited of the input never holds it', () => {
      const schema = tool('users_create').inputSchema;
      expect(secretProperties(schema)).to.deep.equal(['password']);
      expect(redactSecrets(schema, {email: 'x@example.com', password: 'hunter2hunter2'})).to.deep.equal({
        email: 'x@example.com',
        password: '[redacted]',
      });
      expect(ajv.validate(schema, {email: 'x@example.com', passwordHash: 'x'})).to.equal(false);
    });

    it('users_list and users_get answer the viewer as users:list and users:get do, and refuse a caller without users:read', async () => {
      for (const email of ['c@example.com', 'b@other.org']) await call('users_create', {email}, admin);
      await call('users_disable', {user: 'b@other.org'}, admin);

      const page = await call('users_list', {limit: 2}, viewer);
      expectMatches(tool('users_list').outputSchema!, page);
      expect(page).to.include({page: 1, limit: 2});
      expect(page.total).to.equal((await api.users.list(LOCAL_ADMIN, WHOLE_LIST)).total);
      expect(page.items.map((user: UserView) => user.email)).to.deep.equal(['admin@example.com', 'ana@example.com']);

      const disabled = await call('users_list', {status: 'disabled'}, viewer);
      expect(disabled.items.map((user: UserView) => user.email)).to.deep.equal(['b@other.org']);
      const searched = await call(
        'users_list',
        {search: 'EXAMPLE.com', sort: 'email', order: 'desc', limit: 3},
        viewer,
      );
      expect(searched.items.map((user: UserView) => user.email)).to.deep.equal([
        'viewer@example.com',
        'nobody@example.com',
        'c@example.com',
      ]);
      expect(ajv.validate(tool('users_list').inputSchema, {limit: 101})).to.equal(false);

      const got = await call('users_get', {user: 'c@example.com'}, viewer);
      expectMatches(tool('users_get').outputSchema!, got);
      expect(await call('users_get', {user: got.id}, viewer)).to.deep.equal(got);
      expect(await refusal(call('users_get', {user: 'ghost@example.com'}, viewer))).to.include({
        exitCode: 3,
        code: 'USER_NOT_FOUND',
      });

      for (const [name, input] of [
        ['users_list', {}],
        ['users_get', {user: 'c@example.com'}],
      ] as const)
        expect(await refusal(call(name, input, nobody)), name).to.include({exitCode: 4, code: 'PERMISSION_DENIED'});
    });

    it('users_update, users_disable and users_enable change the user for the admin and refuse the viewer', async () => {
      await call('users_create', {email: 'dee@example.com'}, admin);
      for (const [name, input] of [
        ['users_update', {user: 'dee@example.com', name: 'Dee'}],
        ['users_disable', {user: 'dee@example.com'}],
        ['users_enable', {user: 'dee@example.com'}],
      ] as const)
        expect(await refusal(call(name, input, viewer)), name).to.include({exitCode: 4, code: 'PERMISSION_DENIED'});
      expect((await api.users.get(LOCAL_ADMIN, 'dee@example.com')).name).to.equal(null);

      const updated = await call('users_update', {user: 'dee@example.com', name: 'Dee', addRoles: ['viewer']}, admin);
      expectMatches(tool('users_update').outputSchema!, updated);
      expect(updated).to.deep.include({name: 'Dee', roles: ['viewer']});
      expect(await refusal(call('users_update', {user: 'dee@example.com'}, admin))).to.include({
        exitCode: 2,
        code: 'NOTHING_TO_CHANGE',
      });
      const disabled = await call('users_disable', {user: 'dee@example.com'}, admin);
      expectMatches(tool('users_disable').outputSchema!, disabled);
      expect(disabled.status).to.equal('disabled');
      expect((await call('users_enable', {user: disabled.id}, admin)).status).to.equal('enabled');
    });

    it('each tool needs exactly its declared permission: a role with only that permission may call it', async () => {
      const samples: Record<string, Record<string, unknown>> = {
        users_list: {},
        users_get: {user: 'admin@example.com'},
        users_create: {email: 'solo-created@example.com'},
        users_update: {user: 'viewer@example.com', name: 'Vi'},
        users_disable: {user: 'c@example.com'},
        users_enable: {user: 'c@example.com'},
      };
      for (const registered of kernel.tools.filter((candidate) => candidate.module === 'users')) {
        const role = `only-${registered.name.replaceAll('_', '-')}`;
        await api.roles.create(LOCAL_ADMIN, {name: role, permissions: [registered.permission]});
        const holder = await actorFor(`${role}@example.com`, [role]);
        await call(registered.name, samples[registered.name]!, holder);
      }
    });
  });
}
