import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {LOCAL_ADMIN, resolveSystemPaths, type Actor, type JsonSchema} from '@systemprompt/core';
import {Kernel, declaredPermissions, discoverModules, type PluginDescriptor} from '@systemprompt/core/kernel';
import {
  createTempHome,
  createTestDatabase,
  loadCliConfig,
  testEngines,
  type TempHome,
  type TestDatabase,
} from '@systemprompt/testing';
import type {PermissionsApi} from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

// The mcp module validates with ajv (draft 2020-12); core depends on it, so the test borrows it from there.
interface Validator {
  (value: unknown): boolean;
  errors?: unknown[] | null;
}
interface Ajv {
  compile(schema: JsonSchema): Validator;
  errorsText(errors?: unknown[] | null): string;
}
const {Ajv2020} = createRequire(fileURLToPath(new URL('../../core/package.json', import.meta.url)))(
  'ajv/dist/2020.js',
) as {Ajv2020: new (options: Record<string, unknown>) => Ajv};
const ajv = new Ajv2020({strict: false, allErrors: true});

function expectMatches(schema: JsonSchema, value: unknown): void {
  const validate = ajv.compile(schema);
  const ok = validate(JSON.parse(JSON.stringify(value)));
  expect(ok, `${ajv.errorsText(validate.errors)}: ${JSON.stringify(value)}`).to.equal(true);
}

async function refusal(promise: Promise<unknown>): Promise<{exitCode: number; code: string; message: string}> {
  try {
    await promise;
  } catch (error) {
    return error as {exitCode: number; code: string; message: string};
  }
  throw new Error('expected a refusal');
}

for (const engine of testEngines()) {
  describe(`permissions MCP tools [${engine}]`, () => {
    let home: TempHome;
    let database: TestDatabase;
    let kernel: Kernel;
    let api: PermissionsApi;
    let viewer: Actor;
    let nobody: Actor;
    const signal = new AbortController().signal;

    /** Calls the tool the booted permissions module registered, checking input and output against its schemas. */
    const call = async (name: string, input: Record<string, unknown>, actor: Actor): Promise<any> => {
      const tool = kernel.tools.find((candidate) => candidate.name === name)!;
      expect(tool, name).to.not.equal(undefined);
      expectMatches(tool.inputSchema, input);
      const result = await tool.handler(input, {actor, signal});
      expectMatches(tool.outputSchema!, result);
      return result;
    };
    const actorFor = async (email: string, roles: string[]): Promise<Actor> => {
      const user = (await api.users.create(LOCAL_ADMIN, {email, roles})) as {id: string};
      return {kind: 'user', id: user.id, label: email, via: 'api-key'};
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
      await kernel.boot(['permissions']);
      api = kernel.service<PermissionsApi>('permissions');
      viewer = await actorFor('viewer@example.com', ['viewer']);
      nobody = await actorFor('nobody@example.com', []);
    });

    after(async () => {
      await kernel?.stop();
      await database?.drop();
      await home?.remove();
    });

    it('registers every tool module.yaml declares, with its permission', () => {
      const declared = kernel.record('permissions')!.manifest!.tools!;
      expect(
        kernel.tools.filter((tool) => tool.module === 'permissions').map(({name, permission}) => ({name, permission})),
      ).to.have.deep.members(declared.map(({name, permission}) => ({name, permission})));
      expect(declared.map((entry) => entry.name)).to.have.members([
        'permissions_list',
        'permissions_check',
        'permissions_roles_list',
      ]);
    });

    it('permissions_check says allowed or not, with the path, to a viewer; refuses a caller without permissions:read', async () => {
      expect(
        await call('permissions_check', {user: 'viewer@example.com', permission: 'users:read'}, viewer),
      ).to.deep.equal({
        user: 'viewer@example.com',
        allowed: true,
        permission: 'users:read',
        path: 'via wildcard *:read (role viewer)',
      });
      const denied = await call('permissions_check', {user: 'viewer@example.com', permission: 'users:create'}, viewer);
      expect(denied).to.include({allowed: false, permission: 'users:create'});
      expect(
        await refusal(call('permissions_check', {user: 'ghost@example.com', permission: 'users:read'}, viewer)),
      ).to.include({exitCode: 3, code: 'USER_NOT_FOUND'});
      expect(
        await refusal(call('permissions_check', {user: 'viewer@example.com', permission: 'nope'}, viewer)),
      ).to.include({exitCode: 2, code: 'PERMISSION_INVALID'});
      expect(
        await refusal(call('permissions_check', {user: 'viewer@example.com', permission: 'users:read'}, nobody)),
      ).to.include({exitCode: 4, code: 'PERMISSION_DENIED'});
    });

    it('permissions_roles_list lists the roles with their permissions for a viewer and refuses nobody', async () => {
      const roles = await call('permissions_roles_list', {}, viewer);
      expect(roles.items.map((role: {name: string}) => role.name)).to.include.members(['admin', 'operator', 'viewer']);
      expect(roles.total).to.equal(roles.items.length);
      expect(roles.items.find((role: {name: string}) => role.name === 'viewer')).to.deep.include({
        builtin: true,
        permissions: ['*:read'],
      });
      expect(await refusal(call('permissions_roles_list', {}, nobody))).to.include({
        exitCode: 4,
        code: 'PERMISSION_DENIED',
      });
    });

    it('permissions_list lists the permissions the installed modules declare, with their roles, as permissions:list does', async () => {
      const all = await call('permissions_list', {}, viewer);
      // What permissions:list shows: the permissions of the installed modules' manifests.
      const expected = await api.permissions.list(viewer, declaredPermissions(kernel.modules));
      expect(all.items).to.have.deep.members(JSON.parse(JSON.stringify(expected)));
      expect(all.total).to.equal(expected.length);
      expect(all.items.map((row: {module: string}) => row.module)).to.include.members(['users', 'database']);
      const listed = await call('permissions_list', {module: 'users'}, viewer);
      expect(listed.items.map((row: {name: string}) => row.name)).to.include.members(['users:read', 'users:create']);
      expect(listed.items.every((row: {module: string}) => row.module === 'users')).to.equal(true);
      expect(listed.items.find((row: {name: string}) => row.name === 'users:read').roles).to.include('viewer');
      const searched = await call('permissions_list', {search: 'AUDIT LOG'}, viewer);
      expect(searched.items.map((row: {name: string}) => row.name)).to.deep.equal(['audit:read']);
      expect(await refusal(call('permissions_list', {}, nobody))).to.include({exitCode: 4, code: 'PERMISSION_DENIED'});
    });
  });
}
