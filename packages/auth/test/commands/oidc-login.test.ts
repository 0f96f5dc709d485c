import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {expect} from 'chai';
import {describeEachEngine, expectFailure, type EngineFixture} from '@systemprompt/testing';
import {
  BIN,
  PASSWORD,
  asLocalOperator,
  createUser,
  login,
  ok,
  root,
  runWithStdin,
  sql,
  type ChildRun,
} from '../helpers/cli.js';
import {closedPort} from '../helpers/oidc-server.js';
import {CLIENT_SECRET, signInWithBrowser, startIdp, type BrowserResult, type Idp} from '../helpers/oidc-idp.js';

/** auth:login --provider running as a child process: the address it prints, and how it ends. */
interface PendingLogin {
  /** The authorization address, read from standard error as soon as it is printed. */
  url: Promise<string>;
  done: Promise<ChildRun>;
}

const PROMPT = /^Open this address to sign in: (\S+)$/m;

function startLogin(t: EngineFixture, provider: string, ...extra: string[]): PendingLogin {
  const env: NodeJS.ProcessEnv = {...process.env, ...t.env};
  if (!t.env.SYSTEMPROMPT_DATABASE_URL) delete env.SYSTEMPROMPT_DATABASE_URL;
  const child = spawn(process.execPath, [BIN, 'auth:login', '--provider', provider, '--no-browser', ...extra], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  let stdout = '';
  let stderr = '';
  let found: (url: string) => void;
  const url = new Promise<string>((resolve) => {
    found = resolve;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    const match = PROMPT.exec(stderr);
    if (match) found(match[1]!);
  });
  const done = new Promise<ChildRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({stdout, stderr, exitCode: code ?? (signal ? 128 : 1), json: () => JSON.parse(stdout)}),
    );
  });
  // A login that ends before it prints the address fails the wait for it too.
  return {
    url: Promise.race([url, done.then((run) => Promise.reject(new Error(`ended first: ${run.stderr}${run.stdout}`)))]),
    done,
  };
}

/** One whole sign-in: the CLI started, the browser's part done as `sub`, the CLI's end. */
async function signIn(
  t: EngineFixture,
  provider: string,
  sub: string,
): Promise<{run: ChildRun; browser: BrowserResult; url: URL}> {
  const pending = startLogin(t, provider, '--json');
  const url = new URL(await pending.url);
  const browser = await signInWithBrowser(url.href, sub);
  return {run: await pending.done, browser, url};
}

describeEachEngine('sign-in through an identity provider: auth:login --provider', {root}, (t) => {
  let idp: Idp;
  before(async () => {
    idp = await startIdp();
  });
  after(async () => {
    await idp.close();
  });

  const sessionFile = () => join(t.home.path, 'config', 'session.json');
  const whoami = async () => (await ok(t, 'auth:whoami', '--json')).json().data;
  const identities = () => sql(t, 'SELECT provider, subject, user_id, email FROM auth_identities ORDER BY subject');
  const logins = async () =>
    (
      (await asLocalOperator(t, () => ok(t, 'users:activity', '--limit', '0', '--json'))).json().data as Array<
        Record<string, any>
      >
    ).filter((row) => row.action === 'auth.login');

  /** `idp` creates viewers and maps two groups; `strict` (the same provider) creates nobody. */
  async function addProviders(): Promise<void> {
    const added = await runWithStdin(
      t,
      [
        'auth:providers:add',
        'idp',
        '--issuer',
        idp.issuer,
        '--client-id',
        idp.clientId,
        '--client-secret-stdin',
        '--default-role',
        'viewer',
        '--map-group',
        'eng=operator',
        '--map-group',
        'admins=admin',
        '--json',
      ],
      CLIENT_SECRET,
    );
    expect(added.exitCode, added.stderr + added.stdout).to.equal(0);
    const strict = await runWithStdin(
      t,
      [
        'auth:providers:add',
        'strict',
        '--issuer',
        idp.issuer,
        '--client-id',
        idp.clientId,
        '--client-secret-stdin',
        '--json',
      ],
      CLIENT_SECRET,
    );
    expect(strict.exitCode, strict.stderr + strict.stdout).to.equal(0);
  }

  it('first sign-in creates the user with the default role and a group-mapped role; a later one without the group takes that role back and keeps the others', async () => {
    await addProviders();
    idp.account('sub-ana', {
      email: 'Ana@Example.com',
      email_verified: true,
      name: 'Ana Lima',
      groups: ['eng', 'other'],
    });
    const first = await signIn(t, 'idp', 'sub-ana');
    expect(first.run.exitCode, first.run.stderr + first.run.stdout).to.equal(0);
    expect(first.browser.status).to.equal(200);
    expect(first.browser.page).to.include('You are signed in. You can close this tab.');
    // The request: code flow with PKCE (S256), state and nonce, back to the loopback listener.
    const params = first.url.searchParams;
    expect(params.get('response_type')).to.equal('code');
    expect(params.get('code_challenge_method')).to.equal('S256');
    expect(params.get('code_challenge')).to.match(/^[\w-]{43}$/);
    expect(params.get('state')).to.match(/^[\w-]{20,}$/);
    expect(params.get('nonce')).to.match(/^[\w-]{20,}$/);
    expect(params.get('scope')).to.equal('openid email profile groups');
    expect(params.get('redirect_uri')).to.match(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(first.browser.callback.href.startsWith(params.get('redirect_uri')!)).to.equal(true);

    const data = first.run.json().data;
    expect(Object.keys(data)).to.deep.equal(['email', 'userId', 'sessionId', 'expiresAt', 'mfa', 'provider']);
    expect(data).to.include({email: 'ana@example.com', mfa: false, provider: 'idp'});
    expect(await whoami()).to.deep.include({
      kind: 'user',
      id: data.userId,
      label: 'ana@example.com',
      via: 'session',
      roles: ['operator', 'viewer'],
    });
    const user = (await ok(t, 'users:get', 'ana@example.com', '--json')).json().data;
    expect(user).to.include({name: 'Ana Lima', hasPassword: false, status: 'enabled'});
    expect(await identities()).to.deep.equal([
      {provider: 'idp', subject: 'sub-ana', user_id: data.userId, email: 'ana@example.com'},
    ]);
    const [signedIn] = await logins();
    expect(signedIn).to.include({actor: 'ana@example.com', target: 'ana@example.com', result: 'ok'});
    expect(signedIn!.details).to.include({mfa: false, provider: 'idp'});

    // A role outside the map stays; the group list may be one space-separated string.
    await asLocalOperator(t, async () => {
      await ok(t, 'auth:role:create', 'support', '--permission', 'users:read');
      await ok(t, 'users:update', 'ana@example.com', '--add-role', 'support');
    });
    idp.account('sub-ana', {email: 'ana@example.com', email_verified: true, groups: 'admins other'});
    const second = await signIn(t, 'idp', 'sub-ana');
    expect(second.run.exitCode, second.run.stderr + second.run.stdout).to.equal(0);
    expect(second.run.json().data.userId).to.equal(data.userId);
    expect((await whoami()).roles).to.deep.equal(['admin', 'support', 'viewer']);
    expect(await sql(t, 'SELECT id FROM users')).to.have.length(1);
    expect(await identities()).to.have.length(1);
    // The first session ended with the second sign-in.
    expect(await sql(t, 'SELECT id FROM users_sessions WHERE revoked_at IS NULL')).to.have.length(1);
  });

  it('a provider without a default role refuses an unknown user (exit 4) and creates none', async () => {
    await addProviders();
    idp.account('sub-zoe', {email: 'zoe@example.com', email_verified: true, groups: ['eng']});
    const {run, browser} = await signIn(t, 'strict', 'sub-zoe');
    const error = expectFailure(
      run,
      4,
      'OIDC_USER_UNKNOWN',
      'No local user for zoe@example.com and provider strict does not create users',
    );
    expect(error.hint).to.include('--default-role');
    expect(browser.status).to.equal(400);
    expect(browser.page).to.include('Sign-in failed').and.include('No local user for zoe@example.com');
    expect(await sql(t, 'SELECT email FROM users')).to.deep.equal([]);
    expect(await identities()).to.deep.equal([]);
    expect(existsSync(sessionFile())).to.equal(false);
    const [refused] = await logins();
    expect(refused).to.include({actor: 'anonymous', target: 'zoe@example.com', result: 'failed'});
    expect(refused!.details).to.deep.include({provider: 'strict', reason: 'no local user', subject: 'sub-zoe'});
  });

  it('links an existing local user by verified email; an unverified email is refused and never creates a user', async () => {
    await addProviders();
    const anaId = await createUser(t, 'ana@example.com', 'operator');
    await createUser(t, 'bo@example.com', 'viewer');
    idp.account('sub-ana', {email: 'ana@example.com', email_verified: true});
    const linked = await signIn(t, 'strict', 'sub-ana');
    expect(linked.run.exitCode, linked.run.stderr + linked.run.stdout).to.equal(0);
    expect(linked.run.json().data).to.include({userId: anaId, provider: 'strict'});
    expect(await whoami()).to.deep.include({label: 'ana@example.com', roles: ['operator']});
    expect(await identities()).to.deep.equal([
      {provider: 'strict', subject: 'sub-ana', user_id: anaId, email: 'ana@example.com'},
    ]);

    // An unverified email: a local user with it is not linked, and no user is created (idp would create one).
    idp.account('sub-bo', {email: 'bo@example.com', email_verified: false});
    idp.account('sub-cy', {email: 'cy@example.com'});
    for (const [sub, email] of [
      ['sub-bo', 'bo@example.com'],
      ['sub-cy', 'cy@example.com'],
    ] as const) {
      const {run, browser} = await signIn(t, 'idp', sub);
      expectFailure(run, 4, 'OIDC_EMAIL_UNVERIFIED', `(${email} is not verified)`);
      expect(browser.status).to.equal(400);
    }
    expect((await sql(t, 'SELECT email FROM users ORDER BY email')).map((row) => row.email)).to.deep.equal([
      'ana@example.com',
      'bo@example.com',
    ]);
    expect(await identities()).to.have.length(1);
    // Refusals leave the session as it was.
    expect((await whoami()).label).to.equal('ana@example.com');
    const refused = (await logins()).filter((row) => row.result === 'failed');
    expect(refused.map((row) => [row.target, row.details.provider, row.details.reason])).to.deep.equal([
      ['bo@example.com', 'idp', 'no verified email'],
      ['cy@example.com', 'idp', 'no verified email'],
    ]);
  });

  it('a disabled user is refused (exit 4), whether found by email or by a link', async () => {
    await addProviders();
    await createUser(t, 'dan@example.com', 'viewer');
    idp.account('sub-dan', {email: 'dan@example.com', email_verified: true});
    expect((await signIn(t, 'idp', 'sub-dan')).run.exitCode).to.equal(0);
    await ok(t, 'auth:logout');
    await ok(t, 'users:disable', 'dan@example.com');
    const linked = await signIn(t, 'idp', 'sub-dan');
    expectFailure(linked.run, 4, 'OIDC_USER_DISABLED', 'dan@example.com is disabled');
    expect(existsSync(sessionFile())).to.equal(false);

    await createUser(t, 'eve@example.com', 'viewer');
    await ok(t, 'users:disable', 'eve@example.com');
    idp.account('sub-eve', {email: 'eve@example.com', email_verified: true});
    expectFailure((await signIn(t, 'idp', 'sub-eve')).run, 4, 'OIDC_USER_DISABLED');
    expect((await identities()).map((row) => row.subject)).to.deep.equal(['sub-dan']);
    expect((await logins()).filter((row) => row.result === 'failed').map((row) => row.details.reason)).to.deep.equal([
      'user disabled',
      'user disabled',
    ]);
  });

  it('auth:providers:add checks the roles it gives (exit 3, the escalation rule) and auth:providers lists them; removing a provider deletes its links', async () => {
    const add = (...extra: string[]) =>
      t.cli('auth:providers:add', 'corp', '--issuer', idp.issuer, '--client-id', 'x', ...extra, '--json');
    expectFailure(await add('--default-role', 'nope'), 3, 'ROLE_NOT_FOUND', 'No role "nope"');
    expectFailure(await add('--map-group', 'eng=nope'), 3, 'ROLE_NOT_FOUND');
    expectFailure(await add('--map-group', 'eng'), 2, 'PROVIDER_GROUP_MAP_INVALID');
    expectFailure(await add('--map-group', '=viewer'), 2, 'PROVIDER_GROUP_MAP_INVALID');
    expectFailure(await add('--groups-claim', 'two words'), 2, 'PROVIDER_GROUPS_CLAIM_INVALID');
    // Sign-in needs https but from this machine: the address is refused before anything is sent.
    await ok(t, 'auth:providers:add', 'web', '--issuer', 'http://idp.example.invalid', '--client-id', 'x');
    expectFailure(await t.cli('auth:login', '--provider', 'web', '--json'), 2, 'OIDC_ISSUER_INSECURE');
    expectFailure(await t.cli('auth:login', '--provider', 'nope', '--json'), 3, 'PROVIDER_NOT_FOUND');
    await ok(t, 'auth:providers:add', 'gone', '--issuer', `http://127.0.0.1:${await closedPort()}`, '--client-id', 'x');
    expectFailure(await t.cli('auth:login', '--provider', 'gone', '--json'), 6, 'PROVIDER_UNREACHABLE', 'ECONNREFUSED');
    expectFailure(
      await t.cli('auth:login', '--provider', 'web', '--email', 'a@example.com', '--json'),
      2,
      'INVALID_USAGE',
    );

    // Who may add providers but not hand out admin cannot make a provider that does.
    await asLocalOperator(t, () => ok(t, 'auth:role:create', 'idp-admin', '--permission', 'auth:providers'));
    await createUser(t, 'fay@example.com', 'idp-admin');
    expect((await login(t, 'fay@example.com', PASSWORD)).exitCode).to.equal(0);
    expectFailure(await add('--default-role', 'admin'), 4, 'PERMISSION_ESCALATION');
    await ok(t, 'auth:logout');

    await ok(
      t,
      'auth:providers:add',
      'corp',
      '--issuer',
      idp.issuer,
      '--client-id',
      idp.clientId,
      '--groups-claim',
      'roles',
      '--map-group',
      '/eng/ops=operator',
      '--map-group',
      'a=b=viewer',
    );
    await ok(t, 'auth:providers:add', 'plain', '--issuer', idp.issuer, '--client-id', idp.clientId);
    const listed = (await ok(t, 'auth:providers', '--json')).json().data;
    expect(
      listed.map((row: Record<string, unknown>) => [row.name, row.defaultRole, row.groupsClaim, row.groupRoles]),
    ).to.deep.equal([
      ['corp', null, 'roles', ['/eng/ops=operator', 'a=b=viewer']],
      ['gone', null, 'groups', []],
      ['plain', null, 'groups', []],
      ['web', null, 'groups', []],
    ]);
    expect((await ok(t, 'auth:providers')).stdout.split('\n')[0]).to.match(
      /^NAME\s+ISSUER\s+CLIENT ID\s+CLIENT SECRET\s+DEFAULT ROLE\s+GROUPS CLAIM\s+GROUP ROLES\s+CREATED AT$/,
    );

    const userId = await createUser(t, 'gus@example.com', 'viewer');
    const now = new Date().toISOString();
    for (const provider of ['corp', 'plain'])
      await sql(
        t,
        'INSERT INTO auth_identities (provider, subject, user_id, email, created_at) VALUES (?, ?, ?, ?, ?)',
        provider,
        'sub-gus',
        userId,
        'gus@example.com',
        now,
      );
    await ok(t, 'auth:providers:remove', 'corp', '--confirm');
    expect((await identities()).map((row) => row.provider)).to.deep.equal(['plain']);
    // A deleted user's links go with them.
    await ok(t, 'users:delete', 'gus@example.com', '--confirm');
    expect(await identities()).to.deep.equal([]);
  });

  if (t.engine === 'sqlite') {
    // The listener does not depend on the database: once is enough.
    it('a callback with a wrong state is refused and the right one still completes; other paths are 404', async () => {
      await addProviders();
      idp.account('sub-hal', {email: 'hal@example.com', email_verified: true});
      const pending = startLogin(t, 'idp', '--json');
      const url = new URL(await pending.url);
      const redirect = url.searchParams.get('redirect_uri')!;
      const forged = await fetch(`${redirect}?code=forged&state=not-the-state`);
      expect(forged.status).to.equal(400);
      expect(await forged.text()).to.include('does not belong to the sign-in in progress');
      const other = await fetch(new URL('/', redirect));
      expect(other.status).to.equal(404);
      await other.body?.cancel();

      const browser = await signInWithBrowser(url.href, 'sub-hal');
      expect(browser.status).to.equal(200);
      const run = await pending.done;
      expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
      expect(run.json().data.email).to.equal('hal@example.com');
      // Answered and closed: the listener is gone.
      let refused = false;
      await fetch(redirect).catch(() => {
        refused = true;
      });
      expect(refused).to.equal(true);
    });

    it('a sign-in the provider refuses (the user cancels) is exit 4 and audited', async () => {
      await addProviders();
      idp.account('sub-jo', {email: 'jo@example.com', email_verified: true});
      const pending = startLogin(t, 'idp', '--json');
      const browser = await signInWithBrowser(await pending.url, 'sub-jo', {cancel: true});
      expect(browser.status).to.equal(400);
      expect(browser.page).to.include('did not sign you in: access_denied');
      expectFailure(
        await pending.done,
        4,
        'OIDC_LOGIN_DENIED',
        'Identity provider idp did not sign you in: access_denied',
      );
      expect(await sql(t, 'SELECT email FROM users')).to.deep.equal([]);
      const [refused] = await logins();
      expect(refused).to.include({target: 'provider:idp', result: 'failed'});
      expect(refused!.details).to.include({provider: 'idp', reason: 'the provider answered access_denied'});
    });

    it('a code the provider will not exchange (a wrong client secret) is exit 4 and audited', async () => {
      const added = await runWithStdin(
        t,
        ['auth:providers:add', 'bad', '--issuer', idp.issuer, '--client-id', idp.clientId, '--client-secret-stdin'],
        'not-the-secret',
      );
      expect(added.exitCode, added.stderr).to.equal(0);
      idp.account('sub-kim', {email: 'kim@example.com', email_verified: true});
      const {run, browser} = await signIn(t, 'bad', 'sub-kim');
      expectFailure(
        run,
        4,
        'OIDC_EXCHANGE_FAILED',
        'The answer of identity provider bad could not be verified: invalid_client',
      );
      expect(browser.status).to.equal(400);
      expect(await identities()).to.deep.equal([]);
      expect((await logins()).map((row) => [row.target, row.result, row.details.reason])).to.deep.equal([
        ['provider:bad', 'failed', 'the answer could not be verified'],
      ]);
    });

    it('no callback within --timeout 2 is exit 6, with one line', async () => {
      await addProviders();
      const pending = startLogin(t, 'idp', '--timeout', '2');
      const url = await pending.url;
      const run = await pending.done;
      expect(run.exitCode).to.equal(6);
      expect(run.stdout).to.equal('');
      expect(run.stderr).to.equal(
        `Open this address to sign in: ${url}\nNo answer from identity provider idp within 2 s: the sign-in was not finished\n`,
      );
      expect(await logins()).to.deep.equal([]);
    });

    it('reads the claims from userinfo when the ID token lacks them (OpenID Connect Core 5.4), and the groups from --groups-claim', async () => {
      const strict = await startIdp({claimsInIdToken: false, groupsClaim: 'teams'});
      try {
        const added = await runWithStdin(
          t,
          [
            'auth:providers:add',
            'core',
            '--issuer',
            strict.issuer,
            '--client-id',
            strict.clientId,
            '--client-secret-stdin',
            '--default-role',
            'viewer',
            '--groups-claim',
            'teams',
            '--map-group',
            'eng=operator',
          ],
          strict.clientSecret,
        );
        expect(added.exitCode, added.stderr).to.equal(0);
        strict.account('sub-ivy', {email: 'ivy@example.com', email_verified: true, groups: ['eng']});
        const pending = startLogin(t, 'core', '--json');
        const url = new URL(await pending.url);
        // The provider offers a scope named after the claim: it is asked for.
        expect(url.searchParams.get('scope')).to.equal('openid email profile teams');
        await signInWithBrowser(url.href, 'sub-ivy');
        const run = await pending.done;
        expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
        expect(await whoami()).to.deep.include({label: 'ivy@example.com', roles: ['operator', 'viewer']});
      } finally {
        await strict.close();
      }
    });
  }
});
