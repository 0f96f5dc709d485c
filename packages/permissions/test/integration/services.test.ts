import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {ANONYMOUS, LOCAL_ADMIN, resolveSystemPaths, type Actor} from '@systemprompt/core';
import {Kernel, declaredPermissions, discoverModules, type PluginDescriptor} from '@systemprompt/core/kernel';
import {
  createTempHome,
  createTestDatabase,
  loadCliConfig,
  testEngines,
  type TempHome,
  type TestDatabase,
} from '@systemprompt/testing';
import type {PermissionsApi} from '../../src/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The permissions module's service checks permissions:read itself, for any caller; grants are checked by the escalation rule. */
for (const engine of testEngines()) {
  describe(`PermissionService and grants: checks in the service [${engine}]`, () => {
    let home: TempHome;
    let database: TestDatabase;
    let kernel: Kernel;
    let service: PermissionsApi;
    let nobody: Actor;
    let granter: Actor;

    const refusal = async (promise: Promise<unknown>): Promise<{exitCode: number; code: string; message: string}> => {
      try {
        await promise;
      } catch (error) {
        return error as {exitCode: number; code: string; message: string};
      }
      throw new Error('expected a refusal');
    };

    before(async () => {
      home = await createTempHome();
      database = await createTestDatabase(engine);
      const config = await loadCliConfig(root);
      const paths = resolveSystemPaths(undefined, {SYSTEMPROMPT_HOME: home.path});
      const modules = await discoverModules(config.getPluginsList() as unknown as PluginDescriptor[], paths.cache);
      kernel = new Kernel({
        modules,
        paths,
        configValues: (record) => (record.name === 'database' && database.url ? {url: database.url} : {}),
      });
      await kernel.boot(['permissions']);
      service = kernel.service<PermissionsApi>('permissions');
      const user = (email: string, roles: string[] = []) =>
        service.users.create(LOCAL_ADMIN, {email, roles}) as Promise<{id: string}>;
      nobody = {kind: 'user', id: (await user('nobody@example.com')).id, label: 'nobody@example.com', via: 'session'};
      await service.roles.create(LOCAL_ADMIN, {
        name: 'granter',
        permissions: ['permissions:grant', 'permissions:read', 'users:read'],
      });
      granter = {
        kind: 'user',
        id: (await user('gil@example.com', ['granter'])).id,
        label: 'gil@example.com',
        via: 'session',
      };
    });

    after(async () => {
      await kernel?.stop();
      await database?.drop();
      await home?.remove();
    });

    it('list, roles and check refuse an actor without permissions:read (exit 4), before any look-up', async () => {
      const catalog = declaredPermissions(
        await discoverModules(
          (await loadCliConfig(root)).getPluginsList() as unknown as PluginDescriptor[],
          resolveSystemPaths(undefined, {SYSTEMPROMPT_HOME: home.path}).cache,
        ),
      );
      for (const actor of [ANONYMOUS, nobody]) {
        for (const call of [
          service.permissions.list(actor, catalog),
          service.permissions.roles(actor),
          service.permissions.check(actor, 'ghost@example.com', 'users:read'),
          service.permissions.check(actor, 'gil@example.com', 'not a permission'),
        ]) {
          expect(await refusal(call)).to.include({exitCode: 4, code: 'PERMISSION_DENIED'});
        }
      }
      const rows = await service.permissions.list(granter, catalog);
      expect(rows.find((row) => row.name === 'users:read')!.roles).to.deep.equal([
        'admin',
        'granter',
        'operator',
        'viewer',
      ]);
      expect(await service.permissions.check(granter, 'gil@example.com', 'users:read')).to.deep.include({
        allowed: true,
        path: 'via role granter',
      });
    });

    it("assertCanGrant: a grant, a role assignment and a role's new permissions must be covered by what the actor holds", async () => {
      const escalation = async (promise: Promise<unknown>, permission: string) => {
        const error = await refusal(promise);
        expect(error.exitCode, error.message).to.equal(4);
        expect(error.code, error.message).to.equal('PERMISSION_ESCALATION');
        expect(error.message).to.include(` ${permission}`);
      };
      await escalation(service.roles.grant(granter, '*', {user: 'gil@example.com'}), '*');
      await escalation(service.roles.grant(granter, 'permissions:*', {user: 'nobody@example.com'}), 'permissions:*');
      await escalation(service.access.assertCanAssignRoles(granter, ['viewer'], 'users.update', 'x'), '*:read');
      await service.access.assertCanGrant(granter, ['users:read', 'permissions:grant'], 'permissions.grant', 'x');
      await service.access.assertCanGrant(LOCAL_ADMIN, ['*'], 'permissions.grant', 'x');
      expect(await service.roles.grant(granter, 'users:read', {user: 'nobody@example.com'})).to.deep.include({
        granted: true,
      });
      expect((await service.access.holdings(nobody.id)).map((holding) => holding.permission)).to.deep.equal([
        'users:read',
      ]);
    });
  });
}
