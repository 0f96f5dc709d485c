import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {LOCAL_ADMIN, resolveSystemPaths, type Actor} from '@systemprompt/core';
import {Kernel, declaredPermissions, discoverModules} from '@systemprompt/core/kernel';
import {callTool, refusal, testEngines, useModuleKernel} from '@systemprompt/testing';
import type {PermissionsApi} from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CORE = {Kernel, discoverModules, resolveSystemPaths, LOCAL_ADMIN};

for (const engine of testEngines()) {
  describe(`permissions MCP tools [${engine}]`, () => {
    const t = useModuleKernel(CORE, engine, {root, boot: ['permissions']});
    let kernel: Kernel;
    let api: PermissionsApi;
    let viewer: Actor;
    let nobody: Actor;

    /** Calls the tool the booted permissions module registered, checking input and output against its schemas. */
    const call = (name: string, input: Record<string, unknown>, actor: Actor) =>
      callTool(kernel.tools, name, input, actor);

    before(async () => {
      kernel = t.kernel;
      api = kernel.service<PermissionsApi>('permissions');
      viewer = await t.user('viewer@example.com', ['viewer']);
      nobody = await t.user('nobody@example.com', []);
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
