import {expect} from 'chai';
import {describeEachEngine, expectFailure} from '@systemprompt/testing';
import {APP, signedIn} from '../helpers/signed-in.js';

/**
 * The permission check comes before anything else: a caller without the permission gets exit 4,
 * never "not found" (3) or "not confirmed"/"invalid" (2), so the exit code reveals nothing.
 */
describeEachEngine('the permission check comes first (users, permissions, auth, api commands)', {root: APP}, (t) => {
  const cli = signedIn(t);

  it('a viewer: api:limits:remove --role admin and auth:generatekey --retire KID are exit 4, not 3 or 2', async () => {
    await cli.createUser('vi@example.com', 'viewer');
    const kid = (await cli.local('auth:generatekey', '--json')).json().data.kid as string;
    await cli.signIn('vi@example.com');
    expectFailure(await cli.as('api:limits:remove', '--role', 'admin', '--json'), 4, 'PERMISSION_DENIED');
    expectFailure(await cli.as('auth:generatekey', '--retire', 'no-such-kid', '--json'), 4, 'PERMISSION_DENIED');
    // An existing key, without --confirm: still the permission first.
    expectFailure(await cli.as('auth:generatekey', '--retire', kid, '--json'), 4, 'PERMISSION_DENIED');
    expect((await cli.local('auth:generatekey', '--list', '--json')).json().data[0].status).to.equal('active');
  });

  it('a signed-in user without permissions gets exit 4 from every command of these modules, whatever the target', async () => {
    await cli.createUser('root@example.com', 'admin');
    await cli.createUser('nobody@example.com');
    await cli.signIn('nobody@example.com');
    const attempts: string[][] = [
      ['users:get', 'ghost@example.com'],
      ['users:list'],
      ['users:create', '--email', 'x@example.com', '--role', 'ghost'],
      ['users:create', '--email', 'not-an-email', '--dry-run'],
      ['users:update', 'ghost@example.com', '--name', 'x'],
      ['users:update', 'ghost@example.com', '--add-role', 'ghost', '--dry-run'],
      ['users:delete', 'ghost@example.com'],
      ['users:delete', 'root@example.com'],
      ['users:delete', 'ghost@example.com', '--dry-run'],
      ['users:enable', 'ghost@example.com'],
      ['users:disable', 'root@example.com'],
      ['users:sessions'],
      ['users:sessions', 'ghost@example.com'],
      ['users:revoke-sessions', 'ghost@example.com'],
      ['users:revoke-sessions', 'root@example.com'],
      ['users:activity', 'ghost@example.com'],
      ['permissions:list'],
      ['permissions:list', '--roles'],
      ['permissions:check', 'ghost@example.com', 'users:read'],
      ['permissions:check', 'root@example.com', 'not a permission'],
      ['permissions:grant', 'users:read', '--user', 'ghost@example.com'],
      ['permissions:grant', 'users:read', '--role', 'ghost', '--dry-run'],
      ['permissions:revoke', 'users:read', '--role', 'ghost'],
      ['auth:role'],
      ['auth:role:create', 'x', '--permission', 'users:read'],
      ['auth:role:update', 'ghost', '--description', 'd'],
      ['auth:role:delete', 'ghost'],
      ['auth:role:delete', 'admin'],
      ['auth:generatekey'],
      ['auth:generatekey', '--list'],
      ['auth:generatekey', '--retire', 'ghost'],
      ['auth:providers'],
      ['auth:providers:add', 'p', '--issuer', 'https://id.example.com', '--client-id', 'c'],
      ['auth:providers:remove', 'ghost'],
      ['auth:providers:test', 'ghost'],
      ['auth:token', '--user', 'ghost@example.com'],
      ['auth:mfa:disable', '--user', 'ghost@example.com'],
      ['api:keys:list', '--user', 'ghost@example.com'],
      ['api:keys:create', '--name', 'x', '--user', 'ghost@example.com', '--scope', 'users:read'],
      ['api:keys:create', '--name', 'x', '--user', 'root@example.com', '--scope', 'users:read', '--dry-run'],
      ['api:keys:revoke', 'spk_ghost123'],
      ['api:keys:rotate', 'spk_ghost123'],
      ['api:usage', '--key', 'spk_ghost123'],
      ['api:limits'],
      ['api:limits:set', '--role', 'ghost', '--per-minute', '5'],
      ['api:limits:remove', '--role', 'admin'],
      ['api:limits:remove', '--key', 'spk_ghost123'],
    ];
    for (const args of attempts) {
      expectFailure(await cli.as(...args, '--json'), 4, 'PERMISSION_DENIED');
    }
    // Nothing changed: root is still there, enabled, with a live administrator role.
    const root = (await cli.local('users:get', 'root@example.com', '--json')).json().data;
    expect(root).to.deep.include({status: 'enabled', roles: ['admin']});
    const denials = (await cli.local('permissions:audit', '--filter', 'result=denied', '--limit', '0', '--json')).json()
      .data as Array<{actor: string}>;
    expect(
      denials.filter((record) => record.actor === 'nobody@example.com').length,
      'every refusal is audited',
    ).to.equal(attempts.length);
  });

  it("one's own account and keys need no permission, and others' answer 4 whether they exist or not", async () => {
    await cli.createUser('root@example.com', 'admin');
    await cli.createUser('nobody@example.com');
    await cli.signIn('nobody@example.com');
    const own = await cli.as('api:keys:create', '--name', 'mine', '--scope', 'users:read', '--json');
    // The owner holds no users:read: refused as a scope beyond the owner's, not as a missing permission.
    expectFailure(own, 4, 'SCOPE_NOT_HELD');
    expect((await cli.as('users:sessions', 'nobody@example.com', '--json')).exitCode).to.equal(0);
    expect((await cli.as('api:keys:list', '--user', 'nobody@example.com', '--json')).exitCode).to.equal(0);
    for (const user of ['root@example.com', 'ghost@example.com']) {
      expectFailure(await cli.as('users:sessions', user, '--json'), 4, 'PERMISSION_DENIED');
      expectFailure(await cli.as('api:keys:list', '--user', user, '--json'), 4, 'PERMISSION_DENIED');
    }
  });
});
