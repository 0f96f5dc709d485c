import {expect} from 'chai';
import {ANONYMOUS, LOCAL_ADMIN, resolveSystemPaths, type Actor} from '@systemprompt/core';
import {Kernel, discoverModules, type PluginDescriptor} from '@systemprompt/core/kernel';
import type {ApiModuleApi} from '@systemprompt/api';
import {
  createTempHome,
  createTestDatabase,
  loadCliConfig,
  testEngines,
  type TempHome,
  type TestDatabase,
} from '@systemprompt/testing';
import type {AuthApi} from '../../src/index.js';
import {root} from '../helpers/cli.js';

/**
 * Every public service method of the users, api and auth modules that reads or changes protected
 * data refuses an actor without the permission (exit 4), whoever calls it (CLI, HTTP, MCP, an
 * agent): the checks live in the services, not in the commands. Targets that exist and targets that
 * do not get the same answer.
 */
for (const engine of testEngines()) {
  describe(`services refuse an actor without the permission [${engine}]`, function () {
    let home: TempHome;
    let database: TestDatabase;
    let kernel: Kernel;
    let auth: AuthApi;
    let api: ApiModuleApi;
    let nobody: Actor;
    let rootKeyId: string;
    let kid: string;

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
      await kernel.boot(['auth']);
      auth = kernel.service<AuthApi>('auth');
      api = kernel.service<ApiModuleApi>('api');
      await auth.users.users.create(LOCAL_ADMIN, {email: 'root@example.com', roles: ['admin']});
      const plain = await auth.users.users.create(LOCAL_ADMIN, {email: 'nobody@example.com'});
      nobody = {kind: 'user', id: (plain as {id: string}).id, label: 'nobody@example.com', via: 'session'};
      await auth.users.roles.create(LOCAL_ADMIN, {name: 'editor', permissions: ['users:read']});
      rootKeyId = (
        (await api.keys.create(LOCAL_ADMIN, {user: 'root@example.com', name: 'ci', scopes: ['users:read']})) as {
          id: string;
        }
      ).id;
      await api.limits.set(LOCAL_ADMIN, {role: 'editor'}, 10);
      kid = (await auth.keys.generate(LOCAL_ADMIN)).kid;
      await auth.providers.add(LOCAL_ADMIN, {name: 'corp', issuer: 'https://id.example.com', clientId: 'client'});
    });

    after(async () => {
      await kernel?.stop();
      await database?.drop();
      await home?.remove();
    });

    const calls: Array<[string, (actor: Actor) => Promise<unknown>]> = [
      ['users.create', (actor) => auth.users.users.create(actor, {email: 'new@example.com', roles: ['admin']})],
      [
        'users.create (dry run, invalid email)',
        (actor) => auth.users.users.create(actor, {email: 'bad'}, {dryRun: true}),
      ],
      ['users.get', (actor) => auth.users.users.get(actor, 'root@example.com')],
      ['users.get (no such user)', (actor) => auth.users.users.get(actor, 'ghost@example.com')],
      [
        'users.list',
        (actor) =>
          auth.users.users.list(actor, {
            page: 1,
            limit: null,
            filters: [],
            search: undefined,
            sort: undefined,
            order: 'asc',
          }),
      ],
      ['users.update', (actor) => auth.users.users.update(actor, 'root@example.com', {name: 'x'})],
      ['users.update (no such user)', (actor) => auth.users.users.update(actor, 'ghost@example.com', {name: 'x'})],
      ['users.setStatus', (actor) => auth.users.users.setStatus(actor, 'root@example.com', 'disabled')],
      ['users.delete', (actor) => auth.users.users.delete(actor, 'root@example.com', {confirm: async () => {}})],
      ['users.delete (no such user)', (actor) => auth.users.users.delete(actor, 'ghost@example.com')],
      [
        'users.setPassword (someone else)',
        (actor) => auth.users.users.setPassword(actor, 'root@example.com', 'a new password'),
      ],
      ['users.activity', (actor) => auth.users.users.activity(actor, 'root@example.com')],
      ['roles.list', (actor) => auth.users.roles.list(actor)],
      ['roles.get', (actor) => auth.users.roles.get(actor, 'admin')],
      ['roles.create', (actor) => auth.users.roles.create(actor, {name: 'mine', permissions: ['*']})],
      ['roles.update', (actor) => auth.users.roles.update(actor, 'editor', {addPermissions: ['*']})],
      ['roles.update (no such role)', (actor) => auth.users.roles.update(actor, 'ghost', {description: 'x'})],
      ['roles.delete', (actor) => auth.users.roles.delete(actor, 'editor', {confirm: async () => {}})],
      ['roles.grant', (actor) => auth.users.roles.grant(actor, '*', {user: 'nobody@example.com'})],
      ['roles.grant (no such role)', (actor) => auth.users.roles.grant(actor, 'users:read', {role: 'ghost'})],
      ['roles.revoke', (actor) => auth.users.roles.revoke(actor, '*', {role: 'admin'})],
      ['sessions.list (everyone)', (actor) => auth.users.sessions.list(actor)],
      ['sessions.list (someone else)', (actor) => auth.users.sessions.list(actor, 'root@example.com')],
      [
        'sessions.revokeAll',
        (actor) => auth.users.sessions.revokeAll(actor, 'root@example.com', {confirm: async () => {}}),
      ],
      [
        'api.keys.create (for someone else)',
        (actor) => api.keys.create(actor, {user: 'root@example.com', name: 'x', scopes: ['users:read']}),
      ],
      ["api.keys.list (someone else's)", (actor) => api.keys.list(actor, {user: 'root@example.com'})],
      ["api.keys.revoke (someone else's)", (actor) => api.keys.revoke(actor, rootKeyId, {confirm: async () => {}})],
      ['api.keys.revoke (no such key)', (actor) => api.keys.revoke(actor, 'spk_ghost123')],
      ["api.keys.rotate (someone else's)", (actor) => api.keys.rotate(actor, rootKeyId)],
      ["api.usage.report (someone else's key)", (actor) => api.usage.report(actor, {key: rootKeyId})],
      ['api.limits.list', (actor) => api.limits.list(actor)],
      ['api.limits.set', (actor) => api.limits.set(actor, {role: 'editor'}, 1)],
      ['api.limits.remove', (actor) => api.limits.remove(actor, {role: 'editor'})],
      ['api.limits.remove (no such limit)', (actor) => api.limits.remove(actor, {role: 'admin'})],
      ['auth.keys.generate', (actor) => auth.keys.generate(actor)],
      ['auth.keys.list', (actor) => auth.keys.list(actor)],
      ['auth.keys.retire', (actor) => auth.keys.retire(actor, kid, {confirm: async () => {}})],
      ['auth.keys.retire (no such key)', (actor) => auth.keys.retire(actor, 'ghost')],
      ['auth.providers.list', (actor) => auth.providers.list(actor)],
      [
        'auth.providers.add',
        (actor) => auth.providers.add(actor, {name: 'other', issuer: 'https://other.example.com', clientId: 'c'}),
      ],
      ['auth.providers.remove', (actor) => auth.providers.remove(actor, 'corp', {confirm: async () => {}})],
      ['auth.providers.test (no such provider)', (actor) => auth.providers.test(actor, 'ghost')],
      ['auth.tokens.issue (for someone else)', (actor) => auth.tokens.issue(actor, {user: 'root@example.com'})],
      [
        "auth.mfa.disable (someone else's)",
        (actor) => auth.mfa.disable(actor, {user: 'root@example.com', confirm: async () => {}}),
      ],
    ];

    for (const who of ['anonymous', 'a user without permissions'] as const) {
      describe(who, () => {
        for (const [name, call] of calls) {
          it(`${name}: exit 4`, async () => {
            const actor = who === 'anonymous' ? ANONYMOUS : nobody;
            let caught: (Error & {exitCode?: number; code?: string}) | undefined;
            try {
              await call(actor);
            } catch (error) {
              caught = error as Error & {exitCode?: number; code?: string};
            }
            expect(caught, `${name} succeeded`).to.not.equal(undefined);
            expect(caught!.exitCode, caught!.message).to.equal(4);
            expect(caught!.code, caught!.message).to.equal('PERMISSION_DENIED');
          });
        }
      });
    }

    it('refuses a token for nobody signed in as such (4), not with a request for --user', async () => {
      const error = await auth.tokens.issue(ANONYMOUS, {}).then(
        () => undefined,
        (caught: Error & {exitCode: number; code: string}) => caught,
      );
      expect(error).to.deep.include({exitCode: 4, code: 'NOT_SIGNED_IN'});
    });

    it('refuses a holder of users:update who resets the password or second factor of a user holding more (escalation, 4)', async () => {
      await auth.users.roles.create(LOCAL_ADMIN, {name: 'support', permissions: ['users:update', 'users:read']});
      const helper = await auth.users.users.create(LOCAL_ADMIN, {email: 'support@example.com', roles: ['support']});
      const support: Actor = {
        kind: 'user',
        id: (helper as {id: string}).id,
        label: 'support@example.com',
        via: 'session',
      };
      for (const call of [
        () => auth.users.users.setPassword(support, 'root@example.com', 'taken over!'),
        () => auth.mfa.disable(support, {user: 'root@example.com', confirm: async () => {}}),
      ]) {
        const error = await call().then(
          () => undefined,
          (caught: Error & {exitCode: number; code: string}) => caught,
        );
        expect(error, 'took over the administrator').to.deep.include({exitCode: 4, code: 'PERMISSION_ESCALATION'});
      }
      expect(await auth.users.users.authenticate('root@example.com', 'taken over!')).to.equal(undefined);
      // A user who holds no more than the caller can be helped.
      await auth.users.users.create(LOCAL_ADMIN, {email: 'reader@example.com', roles: ['editor']});
      await auth.users.users.setPassword(support, 'reader@example.com', 'a fresh password');
      expect((await auth.users.users.authenticate('reader@example.com', 'a fresh password'))?.email).to.equal(
        'reader@example.com',
      );
      await auth.users.users.delete(LOCAL_ADMIN, 'support@example.com');
      await auth.users.users.delete(LOCAL_ADMIN, 'reader@example.com');
      await auth.users.roles.delete(LOCAL_ADMIN, 'support');
    });

    it('changed nothing', async () => {
      expect(await auth.users.users.get(LOCAL_ADMIN, 'root@example.com')).to.deep.include({
        status: 'enabled',
        roles: ['admin'],
      });
      expect(
        (await auth.users.roles.list(LOCAL_ADMIN)).map((role) => `${role.name}:${role.permissions.join(',')}`),
      ).to.deep.equal([
        'admin:*',
        'editor:users:read',
        'operator:' + (await auth.users.roles.get(LOCAL_ADMIN, 'operator')).permissions.join(','),
        'viewer:*:read',
      ]);
      expect((await api.keys.list(LOCAL_ADMIN)).items.map((key) => key.status)).to.deep.equal(['active']);
      expect((await api.limits.list(LOCAL_ADMIN)).map((limit) => limit.subject)).to.deep.equal(['editor']);
      expect((await auth.keys.list(LOCAL_ADMIN)).map((key) => key.status)).to.deep.equal(['active']);
      expect((await auth.providers.list(LOCAL_ADMIN)).map((provider) => provider.name)).to.deep.equal(['corp']);
      expect(await auth.users.access.holdings(nobody.id)).to.deep.equal([]);
    });
  });
}
