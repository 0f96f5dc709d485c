import {expect} from 'chai';
import {describeEachEngine, expectFailure} from '@systemprompt/testing';
import {
  ALL_TABLES,
  createUser,
  databaseDump,
  filesContaining,
  login,
  ok,
  root,
  runWithStdin,
  sql,
} from '../helpers/cli.js';
import {closedPort, startFakeIssuer, type FakeIssuer} from '../helpers/oidc-server.js';

const SECRET = 'oidc-client-secret-7f3a9c';

describeEachEngine('identity providers: auth:providers, :add, :remove, :test', {root}, (t) => {
  let issuer: FakeIssuer;
  before(async () => {
    issuer = await startFakeIssuer();
  });
  after(async () => {
    await issuer.close();
  });
  beforeEach(() => {
    issuer.requests.length = 0;
  });
  const providers = async () => (await ok(t, 'auth:providers', '--json')).json().data;

  it('adds a provider with its client secret from standard input, stored encrypted and never shown', async () => {
    const empty = await ok(t, 'auth:providers');
    expect(empty.stderr).to.include('No identity providers yet');
    const added = await runWithStdin(
      t,
      [
        'auth:providers:add',
        'keycloak',
        '--issuer',
        `${issuer.origin}/good`,
        '--client-id',
        'systemprompt',
        '--client-secret-stdin',
        '--json',
      ],
      `${SECRET}\n`,
    );
    expect(added.exitCode, added.stderr).to.equal(0);
    expect(added.json().data).to.include({
      name: 'keycloak',
      issuer: `${issuer.origin}/good`,
      clientId: 'systemprompt',
      clientSecret: 'stored',
    });
    expect(added.stdout + added.stderr).not.to.include(SECRET);
    await ok(t, 'auth:providers:add', 'public', '--issuer', 'https://accounts.example.com/', '--client-id', 'abc');
    const listed = await ok(t, 'auth:providers', '--json');
    expect(listed.stdout).not.to.include(SECRET);
    expect(
      listed.json().data.map((row: {name: string; clientSecret: string}) => [row.name, row.clientSecret]),
    ).to.deep.equal([
      ['keycloak', 'stored'],
      ['public', 'none'],
    ]);
    const table = await ok(t, 'auth:providers');
    expect(table.stdout.split('\n')[0]).to.match(
      /^NAME\s+ISSUER\s+CLIENT ID\s+CLIENT SECRET\s+DEFAULT ROLE\s+GROUPS CLAIM\s+GROUP ROLES\s+CREATED AT$/,
    );

    const rows = await sql(t, 'SELECT name, client_secret FROM auth_providers ORDER BY name');
    expect(rows[0].client_secret)
      .to.match(/^enc:v1:/)
      .and.not.include(SECRET);
    expect(rows[1].client_secret).to.equal(null);
    expect(await databaseDump(t, ALL_TABLES)).not.to.include(SECRET);
    expect(await filesContaining(t.home.path, SECRET)).to.deep.equal([]);
    const audit = (await ok(t, 'users:activity', '--json')).json();
    expect(JSON.stringify(audit)).not.to.include(SECRET);
  });

  it('refuses invalid input (2), an existing name (5), and needs auth:providers (4)', async () => {
    const invalid: Array<[string[], string]> = [
      [['Bad', '--issuer', 'https://a.example.com', '--client-id', 'x'], 'PROVIDER_NAME_INVALID'],
      [['ok', '--issuer', 'not a url', '--client-id', 'x'], 'PROVIDER_ISSUER_INVALID'],
      [['ok', '--issuer', 'ftp://a.example.com', '--client-id', 'x'], 'PROVIDER_ISSUER_INVALID'],
      [['ok', '--issuer', 'https://user:pw@a.example.com', '--client-id', 'x'], 'PROVIDER_ISSUER_INVALID'],
      [['ok', '--issuer', 'https://a.example.com', '--client-id', 'two words'], 'PROVIDER_CLIENT_ID_INVALID'],
      [['ok', '--issuer', 'https://a.example.com'], 'INVALID_USAGE'],
    ];
    for (const [args, code] of invalid) expectFailure(await t.cli('auth:providers:add', ...args, '--json'), 2, code);
    await ok(t, 'auth:providers:add', 'google', '--issuer', 'https://accounts.google.com', '--client-id', 'x');
    const duplicate = await t.cli(
      'auth:providers:add',
      'google',
      '--issuer',
      'https://accounts.google.com',
      '--client-id',
      'y',
      '--json',
    );
    expectFailure(duplicate, 5, 'PROVIDER_EXISTS');

    await createUser(t, 'ana@example.com', 'viewer');
    expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
    expect((await providers()).map((row: {name: string}) => row.name)).to.deep.equal(['google']);
    const denied = await t.cli(
      'auth:providers:add',
      'other',
      '--issuer',
      'https://a.example.com',
      '--client-id',
      'x',
      '--json',
    );
    expectFailure(denied, 4, 'PERMISSION_DENIED', 'auth:providers is required');
    expectFailure(await t.cli('auth:providers:remove', 'google', '--confirm', '--json'), 4, 'PERMISSION_DENIED');
  });

  it('removes a provider with confirmation; unknown is exit 3', async () => {
    await ok(t, 'auth:providers:add', 'google', '--issuer', 'https://accounts.google.com', '--client-id', 'x');
    const unconfirmed = await t.cli('auth:providers:remove', 'google', '--json');
    expectFailure(
      unconfirmed,
      2,
      'CONFIRMATION_REQUIRED',
      'Not confirmed: Remove identity provider google (https://accounts.google.com)',
    );
    expect(await providers()).to.have.length(1);
    expect((await ok(t, 'auth:providers:remove', 'google', '--confirm', '--json')).json().data).to.deep.equal({
      name: 'google',
      removed: true,
    });
    expect(await providers()).to.deep.equal([]);
    expectFailure(await t.cli('auth:providers:remove', 'google', '--confirm', '--json'), 3, 'PROVIDER_NOT_FOUND');
  });

  it('tests the discovery document: issuer and endpoints, with the latency', async () => {
    await ok(t, 'auth:providers:add', 'good', '--issuer', `${issuer.origin}/good`, '--client-id', 'x');
    const run = await ok(t, 'auth:providers:test', 'good', '--json');
    const data = run.json().data;
    expect(data).to.include({
      provider: 'good',
      ok: true,
      status: 200,
      url: `${issuer.origin}/good/.well-known/openid-configuration`,
      issuer: `${issuer.origin}/good`,
      authorizationEndpoint: `${issuer.origin}/good/authorize`,
      tokenEndpoint: `${issuer.origin}/good/token`,
      jwksUri: `${issuer.origin}/good/jwks`,
    });
    expect(data.latencyMs).to.be.a('number').and.at.least(0);
    expect(issuer.requests).to.have.length(1);
    expect(issuer.requests[0]).to.include({method: 'GET', url: '/good/.well-known/openid-configuration'});
    expect(issuer.requests[0]!.headers).not.to.have.property('authorization');
    const table = await ok(t, 'auth:providers:test', 'good');
    expect(table.stdout).to.match(/^latencyMs\s+[\d.]+$/m);
  });

  it('exit 6 for another issuer, a missing endpoint, HTML, HTTP 404, a closed port and a time-out; 3 for an unknown provider', async () => {
    const cases: Array<[string, string, string, RegExp]> = [
      [
        'wrong',
        `${issuer.origin}/wrong-issuer`,
        'PROVIDER_ISSUER_MISMATCH',
        /names the issuer "https:\/\/impostor\.example\.com"/,
      ],
      ['incomplete', `${issuer.origin}/incomplete`, 'PROVIDER_DISCOVERY_INCOMPLETE', /has no jwks_uri/],
      ['html', `${issuer.origin}/html`, 'PROVIDER_BAD_RESPONSE', /did not answer with JSON/],
      ['missing', `${issuer.origin}/missing`, 'PROVIDER_BAD_RESPONSE', /answered HTTP 404/],
      [
        'closed',
        `http://127.0.0.1:${await closedPort()}/realm`,
        'PROVIDER_UNREACHABLE',
        /cannot be reached \(ECONNREFUSED\)/,
      ],
    ];
    for (const [name, url, code, message] of cases) {
      await ok(t, 'auth:providers:add', name, '--issuer', url, '--client-id', 'x');
      expectFailure(await t.cli('auth:providers:test', name, '--json'), 6, code, message);
    }
    await ok(t, 'auth:providers:add', 'slow', '--issuer', `${issuer.origin}/slow`, '--client-id', 'x');
    const slow = await t.cli('auth:providers:test', 'slow', '--timeout', '200');
    expect(slow.exitCode).to.equal(6);
    expect(slow.stderr).to.match(/^Provider "slow": no answer from .* within 200 ms\nHint: /);
    expectFailure(await t.cli('auth:providers:test', 'slow', '--timeout', '200', '--json'), 6, 'PROVIDER_TIMEOUT');
    expectFailure(await t.cli('auth:providers:test', 'nope', '--json'), 3, 'PROVIDER_NOT_FOUND');
  });
});
