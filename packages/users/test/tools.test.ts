import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {
  ANONYMOUS,
  LOCAL_ADMIN,
  redactSecrets,
  resolveSystemPaths,
  secretProperties,
  type Actor,
  type RegisteredTool,
} from '@systemprompt/core';
import {Kernel, discoverModules} from '@systemprompt/core/kernel';
import {
  callTool,
  expectMatchesSchema,
  findTool,
  matchesSchema,
  refusal,
  testEngines,
  useModuleKernel,
} from '@systemprompt/testing';
import {WHOLE_LIST} from '@systemprompt/database';
import type {UsersApi, UserView} from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CORE = {Kernel, discoverModules, resolveSystemPaths, LOCAL_ADMIN};

for (const engine of testEngines()) {
  describe(`users MCP tools [${engine}]`, () => {
    const t = useModuleKernel(CORE, engine, {root, boot: ['users']});
    let kernel: Kernel;
    let api: UsersApi;
    let admin: Actor;
    let viewer: Actor;
    let nobody: Actor;

    const tool = (name: string): RegisteredTool => findTool(kernel.tools, name);
    const call = (name: string, input: Record<string, unknown>, actor: Actor) =>
      callTool(kernel.tools, name, input, actor);
    const exists = async (email: string) =>
      api.users.find(email).then(
        () => true,
        () => false,
      );

    before(async () => {
      kernel = t.kernel;
      api = kernel.service<UsersApi>('users');
      admin = await t.user('admin@example.com', ['admin']);
      viewer = await t.user('viewer@example.com', ['viewer']);
      nobody = await t.user('nobody@example.com', []);
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
      expectMatchesSchema(tool('users_create').outputSchema!, created);
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
      expect(matchesSchema(schema, {email: 'x@example.com', passwordHash: 'x'})).to.equal(false);
    });

    it('users_list and users_get answer the viewer as users:list and users:get do, and refuse a caller without users:read', async () => {
      for (const email of ['c@example.com', 'b@other.org']) await call('users_create', {email}, admin);
      await call('users_disable', {user: 'b@other.org'}, admin);

      const page = await call('users_list', {limit: 2}, viewer);
      expectMatchesSchema(tool('users_list').outputSchema!, page);
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
      expect(matchesSchema(tool('users_list').inputSchema, {limit: 101})).to.equal(false);

      const got = await call('users_get', {user: 'c@example.com'}, viewer);
      expectMatchesSchema(tool('users_get').outputSchema!, got);
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
      expectMatchesSchema(tool('users_update').outputSchema!, updated);
      expect(updated).to.deep.include({name: 'Dee', roles: ['viewer']});
      expect(await refusal(call('users_update', {user: 'dee@example.com'}, admin))).to.include({
        exitCode: 2,
        code: 'NOTHING_TO_CHANGE',
      });
      const disabled = await call('users_disable', {user: 'dee@example.com'}, admin);
      expectMatchesSchema(tool('users_disable').outputSchema!, disabled);
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
        const holder = await t.user(`${role}@example.com`, [role]);
        await call(registered.name, samples[registered.name]!, holder);
      }
    });
  });
}
