import {expect} from 'chai';
import {LOCAL_ADMIN} from '@systemprompt/core';
import {createTempHome, createTestDatabase, testEngines, type TempHome, type TestDatabase} from '@systemprompt/testing';
import type {UsersApi} from '@systemprompt/users';
import {hashKey, type ApiModuleApi} from '../../src/index.js';
import {bootApiKernel, type ApiKernel} from '../helpers/kernel.js';

/** Expects `promise` to fail with a SystemPromptError of this exit code (and code, when given). */
async function failure(
  promise: Promise<unknown>,
  exitCode: number,
  code?: string,
): Promise<Error & {code: string; exitCode: number}> {
  try {
    await promise;
  } catch (error) {
    const caught = error as Error & {code: string; exitCode: number};
    expect(caught.exitCode, caught.message).to.equal(exitCode);
    if (code) expect(caught.code, caught.message).to.equal(code);
    return caught;
  }
  throw new Error(`expected exit ${exitCode}, but it succeeded`);
}

for (const engine of testEngines()) {
  describe(`api services [${engine}]`, () => {
    let home: TempHome;
    let database: TestDatabase;
    let kernel: ApiKernel;
    let users: UsersApi;
    let api: ApiModuleApi;
    let events: ApiKernel['events'];
    let sql: ApiKernel['sql'];
    let seedRole: ApiKernel['seedRole'];
    let seedUser: ApiKernel['seedUser'];

    beforeEach(async () => {
      home = await createTempHome();
      database = await createTestDatabase(engine);
      kernel = await bootApiKernel(home.path, database.url);
      ({users, api, events, sql, seedRole, seedUser} = kernel);
    });
    afterEach(async () => {
      await kernel?.close();
      await database.drop();
      await home.remove();
    });

    describe('verify', () => {
      it("returns the owner as the actor, with the key's scopes, and marks the key used", async () => {
        const ana = await seedUser('ana@example.com', ['viewer']);
        const created = await api.keys.create(LOCAL_ADMIN, {
          user: 'ana@example.com',
          name: 'ci',
          scopes: ['users:read', '*:read'],
        });
        expect(created.key).to.match(/^spk_[A-Za-z0-9_-]{43}$/);
        expect(created.prefix).to.equal(created.key.slice(0, 12));
        const actor = await api.keys.verify(created.key);
        expect(actor).to.deep.equal({
          kind: 'user',
          id: ana.id,
          label: 'ana@example.com',
          via: 'api-key',
          scopes: ['*:read', 'users:read'],
          credentialId: created.id,
        });
        const [row] = await sql('SELECT key_hash, last_used_at FROM api_keys WHERE id = ?', [created.id]);
        expect(row.key_hash).to.equal(hashKey(created.key));
        expect(row.last_used_at).to.be.a('string');
        expect(events.map((event) => event.type)).to.include('api.key.created');
      });

      it('refuses unknown, malformed and nearly right keys', async () => {
        await seedUser('ana@example.com', ['viewer']);
        const {key} = await api.keys.create(LOCAL_ADMIN, {user: 'ana@example.com', name: 'ci', scopes: ['users:read']});
        for (const wrong of [
          '',
          'nope',
          `${key}x`,
          key.slice(0, -1),
          `spk_${'A'.repeat(43)}`,
          key.toUpperCase(),
          `sps_${key.slice(4)}`,
        ]) {
          expect(await api.keys.verify(wrong), wrong).to.equal(undefined);
        }
      });

      it('refuses a revoked key, an expired key, and the key of a disabled or deleted owner', async () => {
        const ana = await seedUser('ana@example.com', ['viewer']);
        const revoked = await api.keys.create(LOCAL_ADMIN, {user: ana.id, name: 'revoked', scopes: ['users:read']});
        const expired = await api.keys.create(LOCAL_ADMIN, {
          user: ana.id,
          name: 'expired',
          scopes: ['users:read'],
          expiresInDays: 1,
        });
        const live = await api.keys.create(LOCAL_ADMIN, {
          user: ana.id,
          name: 'live',
          scopes: ['users:read'],
          expiresInDays: 1,
        });
        expect(await api.keys.verify(expired.key)).to.not.equal(undefined);

        await api.keys.revoke(LOCAL_ADMIN, revoked.prefix);
        expect(await api.keys.verify(revoked.key)).to.equal(undefined);
        await sql('UPDATE api_keys SET expires_at = ? WHERE id = ?', [
          new Date(Date.now() - 1000).toISOString(),
          expired.id,
        ]);
        expect(await api.keys.verify(expired.key)).to.equal(undefined);
        expect((await api.keys.list(LOCAL_ADMIN)).items.map((key) => `${key.name} ${key.status}`)).to.have.members([
          'revoked revoked',
          'expired expired',
          'live active',
        ]);

        expect(await api.keys.verify(live.key)).to.not.equal(undefined);
        await users.users.setStatus(LOCAL_ADMIN, ana.id, 'disabled');
        expect(await api.keys.verify(live.key)).to.equal(undefined);
        await users.users.setStatus(LOCAL_ADMIN, ana.id, 'enabled');
        expect(await api.keys.verify(live.key)).to.not.equal(undefined);
        await users.users.delete(LOCAL_ADMIN, ana.id);
        expect(await api.keys.verify(live.key)).to.equal(undefined);
        expect(await sql('SELECT id FROM api_keys')).to.deep.equal([]);
      });

      it('rotates: the new key verifies with the same name, scopes and expiry; the old one stops', async () => {
        await seedUser('ana@example.com', ['viewer']);
        const old = await api.keys.create(LOCAL_ADMIN, {
          user: 'ana@example.com',
          name: 'ci',
          scopes: ['users:read'],
          expiresInDays: 30,
        });
        const rotated = await api.keys.rotate(LOCAL_ADMIN, old.prefix);
        expect(rotated.key).to.not.equal(old.key);
        expect(rotated).to.include({name: 'ci', user: 'ana@example.com', expiresAt: old.expiresAt, replaces: old.id});
        expect(rotated.scopes).to.deep.equal(['users:read']);
        expect(await api.keys.verify(old.key)).to.equal(undefined);
        expect((await api.keys.verify(rotated.key))?.credentialId).to.equal(rotated.id);
        await failure(api.keys.rotate(LOCAL_ADMIN, old.id), 5, 'KEY_REVOKED');
      });
    });

    describe('who may do what', () => {
      it('lets users manage their own keys without permissions, within what they hold', async () => {
        // A role that reads users and configuration, and nothing of the api module.
        await seedRole('member', ['users:read', 'config:read']);
        const ana = await seedUser('ana@example.com', ['member']);
        const bob = await seedUser('bob@example.com', ['member']);
        const own = await api.keys.create(ana, {name: 'laptop', scopes: ['users:read', 'config:read']});
        expect(own.user).to.equal('ana@example.com');
        await api.keys.create(bob, {name: 'bob', scopes: ['users:read']});
        expect((await api.keys.list(ana)).items.map((key) => key.name)).to.deep.equal(['laptop']);
        expect((await api.keys.list(LOCAL_ADMIN)).items.map((key) => key.name)).to.have.members(['laptop', 'bob']);
        const bobKey = (await api.keys.list(bob)).items[0]!;

        await failure(api.keys.create(ana, {name: 'more', scopes: ['users:create']}), 4, 'SCOPE_NOT_HELD');
        await failure(api.keys.create(ana, {name: 'all', scopes: ['users:*']}), 4, 'SCOPE_NOT_HELD');
        await failure(api.keys.create(ana, {name: 'reads', scopes: ['*:read']}), 4, 'SCOPE_NOT_HELD');
        const denied = await failure(
          api.keys.create(ana, {user: 'bob@example.com', name: 'x', scopes: ['users:read']}),
          4,
          'PERMISSION_DENIED',
        );
        expect(denied.message).to.equal(
          'ana@example.com may not create key for bob@example.com: api-keys:write is required (no role or grant gives it)',
        );
        await failure(api.keys.list(ana, {user: 'bob@example.com'}), 4, 'PERMISSION_DENIED');
        // The permission comes before the look-up, so the refusal names the key asked for, not its owner.
        expect((await failure(api.keys.revoke(ana, bobKey.id), 4, 'PERMISSION_DENIED')).message).to.equal(
          `ana@example.com may not revoke key of ${bobKey.id}: api-keys:write is required (no role or grant gives it)`,
        );
        await failure(api.keys.rotate(ana, bobKey.prefix), 4, 'PERMISSION_DENIED');
        await failure(api.usage.report(ana, {key: bobKey.prefix}), 4, 'PERMISSION_DENIED');
        await failure(api.limits.list(ana), 4, 'PERMISSION_DENIED');
        await failure(api.limits.set(ana, {role: 'member'}, 10), 4, 'PERMISSION_DENIED');
        expect((await api.usage.report(ana)).items).to.deep.equal([]);

        const rotated = await api.keys.rotate(ana, own.prefix);
        await api.keys.revoke(ana, rotated.id);
        const audit = await sql('SELECT action, result FROM users_audit WHERE actor_id = ? ORDER BY id', [ana.id]);
        expect(audit.map((row: {action: string; result: string}) => `${row.action} ${row.result}`)).to.deep.equal([
          'api.create-key-for ok',
          'api.create-key-for denied',
          'api.create-key-for denied',
          'api.create-key-for denied',
          'api.create-key-for denied',
          'api.list-keys-of denied',
          'api.revoke-key-of denied',
          'api.rotate-key-of denied',
          'api.read-usage-of denied',
          'api.list-limits denied',
          'api.set-limit-of denied',
          'api.rotate-key-of ok',
          'api.revoke-key-of ok',
        ]);
      });

      it('shows every key to whoever reads everything (*:read covers api-keys:read)', async () => {
        const ana = await seedUser('ana@example.com', ['viewer']);
        const bob = await seedUser('bob@example.com', ['viewer']);
        await api.keys.create(bob, {name: 'bob', scopes: ['users:read']});
        expect((await api.keys.list(ana)).items.map((key) => key.user)).to.deep.equal(['bob@example.com']);
        expect((await api.keys.list(ana, {user: ana.id})).items).to.deep.equal([]);
      });

      it('lets a key create keys only within its own scopes', async () => {
        const ana = await seedUser('ana@example.com', ['viewer']);
        const {key} = await api.keys.create(ana, {name: 'narrow', scopes: ['users:read']});
        const viaKey = (await api.keys.verify(key))!;
        await failure(api.keys.create(viaKey, {name: 'wider', scopes: ['config:read']}), 4, 'PERMISSION_ESCALATION');
        expect((await api.keys.create(viaKey, {name: 'same', scopes: ['users:read']})).scopes).to.deep.equal([
          'users:read',
        ]);
      });

      it('never lets the issuer give a key more than the issuer holds', async () => {
        const admin = await seedUser('root@example.com', ['admin']);
        const clerk = await seedUser('clerk@example.com', ['viewer']);
        await sql('INSERT INTO users_grants (user_id, permission) VALUES (?, ?)', [clerk.id, 'api-keys:write']);
        await failure(
          api.keys.create(clerk, {user: 'root@example.com', name: 'x', scopes: ['users:delete']}),
          4,
          'PERMISSION_ESCALATION',
        );
        await failure(
          api.keys.create(clerk, {user: 'root@example.com', name: 'x', scopes: ['*']}),
          4,
          'PERMISSION_ESCALATION',
        );
        const readOnly = await api.keys.create(clerk, {user: 'root@example.com', name: 'x', scopes: ['users:read']});
        expect((await api.keys.verify(readOnly.key))?.id).to.equal(admin.id);
        expect((await api.keys.create(admin, {name: 'everything', scopes: ['*', 'users:*']})).scopes).to.deep.equal([
          '*',
          'users:*',
        ]);
      });
    });

    describe('usage', () => {
      it('counts requests per key, endpoint and day, also concurrently', async () => {
        const ana = await seedUser('ana@example.com', ['viewer']);
        const first = await api.keys.create(ana, {name: 'first', scopes: ['users:read']});
        const second = await api.keys.create(ana, {name: 'second', scopes: ['users:read']});
        const today = new Date().toISOString().slice(0, 10);
        await Promise.all(Array.from({length: 10}, () => api.usage.record(first.id, 'GET /v1/users')));
        await api.usage.record(first.id, 'GET /v1/roles');
        await api.usage.record(second.id, 'GET /v1/users');
        await api.usage.record(first.id, 'GET /v1/users', new Date('2026-01-02T10:00:00Z'));
        const rows = (await api.usage.report(LOCAL_ADMIN)).items;
        expect(rows).to.deep.include.members([
          {key: first.prefix, name: 'first', endpoint: 'GET /v1/users', day: '2026-01-02', count: 1},
          {key: first.prefix, name: 'first', endpoint: 'GET /v1/users', day: today, count: 10},
          {key: first.prefix, name: 'first', endpoint: 'GET /v1/roles', day: today, count: 1},
          {key: second.prefix, name: 'second', endpoint: 'GET /v1/users', day: today, count: 1},
        ]);
        expect(rows).to.have.length(4);
        expect(rows[0]!.day).to.equal('2026-01-02');
        expect((await api.usage.report(ana, {key: second.prefix})).items).to.deep.equal([
          {key: second.prefix, name: 'second', endpoint: 'GET /v1/users', day: today, count: 1},
        ]);
        expect((await api.usage.report(ana, {since: today})).items).to.have.length(3);
        await failure(api.usage.report(ana, {since: '2026-02-30'}), 2, 'DAY_INVALID');
        await failure(api.usage.record(first.id, ''), 2, 'ENDPOINT_INVALID');
      });
    });
  });
}
