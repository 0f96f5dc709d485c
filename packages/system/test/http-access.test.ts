import {expect} from 'chai';
import {createTempHome, type TempHome} from '@systemprompt/testing';
import {cliWith} from './helpers/server.js';
import {startInProcess} from './helpers/in-process.js';

/** Attacks on the HTTP surface with the narrowest credentials (the real server in this process, the real CLI beside it). */
describe('HTTP authentication and permissions [sqlite]', function () {
  this.timeout(120_000);
  let home: TempHome;
  let cli: ReturnType<typeof cliWith>;
  let server: Awaited<ReturnType<typeof startInProcess>>;
  const keys: Record<string, string> = {};

  /** A user with `role` (or, without one, only the unrelated permission api-usage:read) and a key with `scope`. */
  const keyFor = async (email: string, role: string | undefined, scope: string) => {
    const create = await cli('users:create', '--email', email, ...(role ? ['--role', role] : []), '--json');
    expect(create.exitCode, create.stdout).to.equal(0);
    if (!role) expect((await cli('permissions:grant', 'api-usage:read', '--user', email)).exitCode).to.equal(0);
    const key = await cli('api:keys:create', '--user', email, '--name', 'k', '--scope', scope, '--json');
    expect(key.exitCode, key.stdout).to.equal(0);
    return JSON.parse(key.stdout).data as {key: string; prefix: string};
  };
  const call = (path: string, key: string | undefined, init: RequestInit = {}) =>
    fetch(`${server.state.url}${path}`, {
      ...init,
      headers: {...(key ? {authorization: `Bearer ${key}`} : {}), ...(init.headers as Record<string, string>)},
    });
  const post = (key: string | undefined, body: string) =>
    call('/api/users', key, {method: 'POST', body, headers: {'content-type': 'application/json'}});

  before(async () => {
    home = await createTempHome();
    cli = cliWith({SYSTEMPROMPT_HOME: home.path});
    keys.admin = (await keyFor('admin@example.com', 'admin', '*')).key;
    keys.viewer = (await keyFor('viewer@example.com', 'viewer', '*:read')).key;
    keys.nobody = (await keyFor('nobody@example.com', undefined, 'api-usage:read')).key;
    const disabled = await keyFor('disabled@example.com', 'admin', '*');
    keys.disabled = disabled.key;
    expect((await cli('users:disable', 'disabled@example.com')).exitCode).to.equal(0);
    const revoked = await keyFor('revoked@example.com', 'admin', '*');
    keys.revoked = revoked.key;
    expect((await cli('api:keys:revoke', revoked.prefix, '--confirm')).exitCode).to.equal(0);
    server = await startInProcess(home.path);
  });
  after(async () => {
    server?.stop();
    await server?.served;
    await home.remove();
  });

  it('answers 401 without a credential, with a malformed header, a made-up, revoked or forged key', async () => {
    for (const key of [
      undefined,
      'spk_madeup0000000000000000',
      keys.revoked,
      'sps_forged',
      'eyJhbGciOiJub25lIn0.e30.',
    ]) {
      const response = await call('/api/users', key);
      expect(response.status, String(key)).to.equal(401);
      expect(response.headers.get('www-authenticate')).to.match(/^Bearer/);
    }
    const malformed = await fetch(`${server.state.url}/api/users`, {
      headers: {authorization: 'Basic YWRtaW46YWRtaW4='},
    });
    expect(malformed.status).to.equal(401);
  });

  it('lets each key do what its user holds, and no more (403, audited)', async () => {
    expect((await call('/api/users', keys.admin)).status).to.equal(200);
    expect((await call('/api/users', keys.viewer)).status).to.equal(200);
    expect((await call('/api/users/admin@example.com', keys.viewer)).status).to.equal(200);
    expect((await post(keys.viewer, JSON.stringify({email: 'x@example.com'}))).status).to.equal(403);
    expect((await call('/api/users', keys.nobody)).status).to.equal(403);
    expect((await call('/metrics', keys.nobody)).status).to.equal(403);
    // A disabled user's key holds nothing.
    expect([401, 403]).to.include((await call('/api/users', keys.disabled)).status);
    // An admin cannot hand out a role above what the key holds... and nobody can create an admin through a viewer key.
    expect((await post(keys.viewer, JSON.stringify({email: 'y@example.com', roles: ['admin']}))).status).to.equal(403);
    const created = await post(keys.admin, JSON.stringify({email: 'z@example.com', roles: ['viewer']}));
    expect(created.status).to.equal(201);
    const users = JSON.parse((await cli('users:list', '--json')).stdout).data.map(
      (user: {email: string}) => user.email,
    );
    expect(users).to.include('z@example.com');
    expect(users).to.not.include.members(['x@example.com', 'y@example.com']);
    const denied = JSON.parse((await cli('permissions:audit', '--filter', 'result=denied', '--json')).stdout)
      .data as Array<{
      actor: string;
    }>;
    expect(denied.map((row) => row.actor)).to.include.members(['viewer@example.com', 'nobody@example.com']);
  });

  it('refuses bad input with 400 and one-line errors, never a stack trace', async () => {
    const bad = await post(keys.admin, '{"email": ');
    expect(bad.status).to.equal(400);
    const invalid = await post(keys.admin, JSON.stringify({email: 'not-an-email'}));
    expect(invalid.status).to.equal(400);
    const body = (await invalid.json()) as {error: {code: string; message: string}};
    expect(body.error.code).to.be.a('string');
    expect(body.error.message).to.not.match(/\n|at .*\(/);
    expect((await call('/api/users?limit=abc', keys.admin)).status).to.equal(400);
    expect((await call('/api/users?sort=passwordHash', keys.admin)).status).to.equal(400);
    expect((await post(keys.admin, JSON.stringify({email: 'admin@example.com'}))).status).to.equal(409);
    expect((await call('/api/users/nobody-here@example.com', keys.admin)).status).to.equal(404);
    const huge = await post(keys.admin, JSON.stringify({email: 'a@example.com', name: 'x'.repeat(2 * 1024 * 1024)}));
    expect(huge.status).to.equal(413);
  });
});
