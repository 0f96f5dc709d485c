import {request as httpRequest} from 'node:http';
import {expect} from 'chai';
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  discoverAuthorizationServerMetadata,
  refreshAuthorization,
} from '@modelcontextprotocol/client';
import {
  APP_ROOT,
  PASSWORD,
  TRUST_OFF,
  describeEachEngine,
  expectFailure,
  ok,
  runWithStdin,
  sql,
} from '@systemprompt/testing';
import {
  Browser,
  MemoryOAuthClient,
  REDIRECT_URI,
  cliWith,
  eventually,
  processGone,
  startDetached,
  type StartedServer,
} from './helpers.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';

/**
 * The official MCP client's OAuth flow against the real server: discovery from /mcp's 401,
 * dynamic registration, PKCE, sign-in and consent driven by hand as a browser would, the token,
 * then tools/list; rotating refresh tokens and the revocation of a chain whose old token is reused.
 */
describeEachEngine('the OAuth 2.1 authorization server for MCP clients', {root: APP_ROOT}, (t) => {
  let server: StartedServer;
  let browser: Browser;

  // Each test starts on an empty home and database: a key, two viewers and a detached server.
  beforeEach(async function () {
    this.timeout(120_000);
    browser = new Browser();
    await ok(t, 'auth:generatekey');
    for (const [email, role] of [
      [ALICE, 'viewer'],
      [BOB, 'viewer'],
    ] as const) {
      const created = await runWithStdin(
        t,
        ['users:create', '--email', email, '--role', role, '--password-stdin', '--json'],
        PASSWORD,
      );
      expect(created.exitCode, created.stderr).to.equal(0);
    }
    server = await startDetached(cliWith(t.env));
  });
  afterEach(async function () {
    this.timeout(30_000);
    if (!server || processGone(server.pid)) return;
    process.kill(server.pid, 'SIGTERM');
    await eventually(async () => processGone(server.pid), 15_000, 'the server to stop').catch(() =>
      process.kill(server.pid, 'SIGKILL'),
    );
  });

  const mcpUrl = () => new URL(`${server.url}/mcp`);
  const connect = async (oauth: MemoryOAuthClient) => {
    const client = new Client({name: 'oauth-test', version: '1.0.0'});
    await client.connect(new StreamableHTTPClientTransport(mcpUrl(), {authProvider: oauth}));
    return client;
  };

  /** The refresh-token grant of `oauth`'s client, for /mcp, as the SDK sends it. */
  const refresher = async (oauth: MemoryOAuthClient) => {
    const metadata = await discoverAuthorizationServerMetadata(server.url);
    return (refreshToken: string) =>
      refreshAuthorization(server.url, {
        metadata,
        clientInformation: oauth.information!,
        refreshToken,
        resource: mcpUrl(),
      });
  };

  /** Runs the whole authorization as `email`: returns the client's redirect with its code. */
  async function authorize(oauth: MemoryOAuthClient, email: string): Promise<URL> {
    const transport = new StreamableHTTPClientTransport(mcpUrl(), {authProvider: oauth});
    const error = await new Client({name: 'oauth-test', version: '1.0.0'}).connect(transport).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error, 'the first connection needs authorization').to.be.instanceOf(UnauthorizedError);
    expect(oauth.information?.client_id, 'registered through /oauth/register').to.be.a('string');
    const url = oauth.authorizationUrl!;
    expect(url.origin).to.equal(server.url);
    expect(url.searchParams.get('code_challenge_method')).to.equal('S256');
    expect(url.searchParams.get('resource')).to.equal(mcpUrl().toString());

    let page = await browser.open(url.toString());
    if (page.html.includes('<h1>Sign in</h1>')) {
      const wrong = await browser.submit(page.url, page.html, /\/login$/, {email, password: 'not the password'});
      expect(wrong.status).to.equal(401);
      expect(wrong.html).to.include('Wrong email or password');
      page = await browser.submit(page.url, page.html, /\/login$/, {email, password: PASSWORD});
    }
    expect(page.html, page.url).to.include('<h1>Allow access</h1>');
    expect(page.html).to.include('Test MCP client').and.to.include('<code>users:read</code>');
    // A viewer is asked for users:create too (the client asks for every permission); it is not given.
    expect(page.html.slice(page.html.indexOf('Not given'))).to.include('<code>users:create</code>');
    const done = await browser.submit(page.url, page.html, /\/consent$/, {decision: 'allow'});
    expect(done.url.startsWith(REDIRECT_URI), done.url).to.equal(true);
    const redirect = new URL(done.url);
    expect(redirect.searchParams.get('iss')).to.equal(server.url);
    await transport.finishAuth(redirect.searchParams);
    return redirect;
  }

  it('authorizes an MCP client from the 401 to tools/list with only the permissions the user holds', async function () {
    this.timeout(120_000);
    const oauth = new MemoryOAuthClient();
    await authorize(oauth, ALICE);
    const token = oauth.saved!;
    expect(token.refresh_token, 'a refresh token').to.be.a('string');
    const [, payload] = token.access_token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims).to.include({iss: server.url, aud: mcpUrl().toString(), client_id: oauth.information!.client_id});
    expect(String(claims.scope).split(' ')).to.include('users:read').and.not.to.include('users:create');

    // The table holds no credential: codes, tokens and sessions are stored by a hash of their id.
    const stored = (await ok(t, 'database:query', 'SELECT model, id, payload FROM oauth_records', '--json')).json()
      .data as Array<{model: string; id: string; payload: string}>;
    expect(stored.map((row) => row.model)).to.include.members(['Client', 'Grant', 'RefreshToken', 'Session']);
    const dump = JSON.stringify(stored);
    expect(dump).not.to.include(token.refresh_token!);
    expect(stored.filter((row) => row.model === 'RefreshToken').every((row) => row.id.startsWith('sha256:'))).to.equal(
      true,
    );

    const client = await connect(oauth);
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).to.include('users_list');
    const listed = await client.callTool({name: 'users_list', arguments: {}});
    expect(listed.isError ?? false, JSON.stringify(listed)).to.equal(false);
    const refused = await client.callTool({name: 'users_create', arguments: {email: 'mallory@example.com'}});
    expect(refused.isError).to.equal(true);
    await client.close();

    // The registered client and the grant, as the operator and the user see them.
    const clients = (await ok(t, 'auth:clients', '--json')).json().data as Array<Record<string, unknown>>;
    expect(clients.find((row) => row.clientId === oauth.information!.client_id)).to.include({
      name: 'Test MCP client',
      authMethod: 'none',
    });
    const grants = (await ok(t, 'auth:grants', '--user', ALICE, '--json')).json().data as Array<Record<string, string>>;
    expect(grants).to.have.length(1);
    expect(grants[0]!.scopes.split(' ')).to.include('users:read').and.not.to.include('users:create');
  });

  it('rotates refresh tokens; reusing a rotated one revokes the whole chain and its access tokens', async function () {
    this.timeout(120_000);
    const oauth = new MemoryOAuthClient();
    await authorize(oauth, BOB);
    const metadata = await discoverAuthorizationServerMetadata(server.url);
    expect(metadata?.registration_endpoint).to.equal(`${server.url}/oauth/register`);
    const refresh = await refresher(oauth);
    const first = oauth.saved!.refresh_token!;
    const second = await refresh(first);
    expect(second.refresh_token).to.be.a('string').and.not.equal(first);
    oauth.saveTokens(second);
    const client = await connect(oauth);
    expect((await client.listTools()).tools.length).to.be.above(0);
    await client.close();

    // The rotated-out token comes back (stolen, say): refused, and everything of the grant goes.
    const reuse = await refresh(first).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((reuse as {code?: string}).code).to.equal('invalid_grant');
    const latest = await refresh(second.refresh_token!).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((latest as {code?: string}).code, 'the newest refresh token of the chain is revoked too').to.equal(
      'invalid_grant',
    );
    const answer = await fetch(mcpUrl(), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${second.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({jsonrpc: '2.0', id: 1, method: 'tools/list'}),
    });
    expect(answer.status, 'the access token of the revoked grant').to.equal(401);
    expect(answer.headers.get('www-authenticate')).to.include('invalid_token');
    const grants = (await ok(t, 'auth:grants', '--user', BOB, '--json')).json().data;
    expect(grants).to.deep.equal([]);
  });

  it('auth:grants:revoke stops a client at once; another viewer can neither list nor revoke it', async function () {
    this.timeout(120_000);
    const oauth = new MemoryOAuthClient();
    await authorize(oauth, ALICE);
    const grants = (await ok(t, 'auth:grants', '--user', ALICE, '--json')).json().data as Array<{id: string}>;
    const grant = grants.at(-1)!.id;

    // Bob, signed in with trust off, holds no auth:clients.
    const asBob = {...TRUST_OFF};
    const login = await runWithStdin(t, ['auth:login', '--email', BOB, '--password-stdin', '--json'], PASSWORD, asBob);
    expect(login.exitCode, login.stderr).to.equal(0);
    expectFailure(await runWithStdin(t, ['auth:grants:revoke', grant, '--json'], '', asBob), 4, 'PERMISSION_DENIED');
    expectFailure(await runWithStdin(t, ['auth:grants', '--all', '--json'], '', asBob), 4, 'PERMISSION_DENIED');
    expectFailure(await runWithStdin(t, ['auth:clients', '--json'], '', asBob), 4, 'PERMISSION_DENIED');
    const own = await runWithStdin(t, ['auth:grants', '--json'], '', asBob);
    expect(own.exitCode, own.stderr).to.equal(0);
    expect(own.json().data.map((row: {user: string}) => row.user)).not.to.include(ALICE);
    await runWithStdin(t, ['auth:logout'], '', asBob);

    const client = await connect(oauth);
    expect((await client.listTools()).tools.length).to.be.above(0);
    const revoked = (await ok(t, 'auth:grants:revoke', grant, '--json')).json().data;
    expect(revoked).to.include({id: grant, revoked: true, user: ALICE});
    const after = await client.listTools().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(after, 'the next request is refused').to.be.instanceOf(Error);
    await client.close().catch(() => undefined);
    expectFailure(await t.cli('auth:grants:revoke', grant, '--json'), 3, 'OAUTH_GRANT_NOT_FOUND');
  });

  it('refuses an authorization request without PKCE, and a token for another resource', async function () {
    this.timeout(60_000);
    const oauth = new MemoryOAuthClient();
    await authorize(oauth, ALICE);
    const clientId = oauth.information!.client_id;
    const plain = new URL(`${server.url}/oauth/authorize`);
    for (const [key, value] of Object.entries({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'users:read',
      state: 'x',
    }))
      plain.searchParams.set(key, value);
    const noPkce = await browser.open(plain.toString());
    expect(noPkce.url).to.include('error=invalid_request');
    const other = new URL(plain);
    other.searchParams.set('resource', 'http://127.0.0.1:9/elsewhere');
    other.searchParams.set('code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    other.searchParams.set('code_challenge_method', 'S256');
    const wrongResource = await browser.open(other.toString());
    expect(wrongResource.url).to.include('error=invalid_target');
  });

  it('revokes a refresh token at /oauth/revoke (RFC 7009): it and the grant stop working', async function () {
    this.timeout(60_000);
    const oauth = new MemoryOAuthClient();
    await authorize(oauth, ALICE);
    const revoked = await fetch(`${server.url}/oauth/revoke`, {
      method: 'POST',
      headers: {'content-type': 'application/x-www-form-urlencoded'},
      body: new URLSearchParams({
        token: oauth.saved!.refresh_token!,
        token_type_hint: 'refresh_token',
        client_id: oauth.information!.client_id,
      }).toString(),
    });
    expect(revoked.status).to.equal(200);
    const refresh = await refresher(oauth);
    const after = await refresh(oauth.saved!.refresh_token!).then(
      () => 'refreshed',
      (error: {code?: string}) => error.code,
    );
    expect(after).to.equal('invalid_grant');
    expect((await ok(t, 'auth:grants', '--user', ALICE, '--json')).json().data).to.deep.equal([]);
  });

  it('data:clean deletes registered clients no grant names once they are older than oauth.unusedClientDays', async function () {
    this.timeout(60_000);
    const oauth = new MemoryOAuthClient();
    await authorize(oauth, ALICE);
    const registered = await fetch(`${server.url}/oauth/register`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({
        client_name: 'never allowed',
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'none',
      }),
    });
    const {client_id: unused} = (await registered.json()) as {client_id: string};
    const old = String(Date.now() - 40 * 86_400_000);
    await sql(t, "UPDATE oauth_records SET created_at = ? WHERE model = 'Client'", old);
    const planned = (await ok(t, 'data:clean', '--only', 'oauth/unused-clients', '--dry-run', '--json')).json().data;
    expect(JSON.stringify(planned)).to.include('"removed":1');
    await ok(t, 'data:clean', '--only', 'oauth/unused-clients', '--json');
    const left = ((await ok(t, 'auth:clients', '--json')).json().data as Array<{clientId: string}>).map(
      (client) => client.clientId,
    );
    expect(left).to.deep.equal([oauth.information!.client_id]);
    expect(left).not.to.include(unused);
  });

  it('two refreshes with one token at the same moment never yield two chains', async function () {
    this.timeout(60_000);
    const oauth = new MemoryOAuthClient();
    await authorize(oauth, ALICE);
    const refresh = await refresher(oauth);
    const outcomes = await Promise.allSettled([
      refresh(oauth.saved!.refresh_token!),
      refresh(oauth.saved!.refresh_token!),
    ]);
    const won = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    expect(won, JSON.stringify(outcomes.map((outcome) => outcome.status))).to.have.length(1);
    // The loser either found the token consumed (a reuse: the grant goes, the winner's token with it)
    // or lost the race to consume it; never does the winner's chain and another both go on.
    const next = await refresh(won[0]!.refresh_token!).then(
      () => 'refreshed',
      (error: {code?: string}) => error.code,
    );
    expect(next).to.be.oneOf(['refreshed', 'invalid_grant']);
    const grants = (await ok(t, 'auth:grants', '--user', ALICE, '--json')).json().data as unknown[];
    expect(grants).to.have.length(next === 'refreshed' ? 1 : 0);
  });

  it('refuses a forged Host, an unregistered redirect, markup in a client name, and works only with a signing key', async function () {
    this.timeout(60_000);
    const {port} = new URL(server.url);
    const forged = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        {host: '127.0.0.1', port, path: '/.well-known/oauth-authorization-server', headers: {host: 'evil.example'}},
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', reject);
      request.end();
    });
    expect(forged, 'an issuer for a host /mcp does not answer').to.equal(403);

    const registered = await fetch(`${server.url}/oauth/register`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({
        client_name: '<script>alert(1)</script>',
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'none',
      }),
    });
    expect(registered.status).to.equal(201);
    const {client_id: clientId} = (await registered.json()) as {client_id: string};
    const authorizeUrl = (redirectUri: string) => {
      const url = new URL(`${server.url}/oauth/authorize`);
      for (const [key, value] of Object.entries({
        client_id: clientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: 'users:read',
        resource: mcpUrl().toString(),
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        state: 'x',
      }))
        url.searchParams.set(key, value);
      return url.toString();
    };
    // Another redirect URI: an error page here, never a redirect to the attacker's address.
    const elsewhere = await browser.open(authorizeUrl('http://127.0.0.1:9/steal'));
    expect(elsewhere.status).to.equal(400);
    expect(elsewhere.url.startsWith(server.url)).to.equal(true);
    expect(elsewhere.html).to.include('redirect_uri');

    const signIn = await browser.open(authorizeUrl(REDIRECT_URI));
    expect(signIn.html).to.include('<h1>Sign in</h1>');
    expect(signIn.html).not.to.include('<script>alert(1)</script>');
    expect(signIn.html).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');

    const kid = (await ok(t, 'auth:generatekey', '--list', '--json')).json().data[0].kid as string;
    await ok(t, 'auth:generatekey', '--retire', kid, '--confirm');
    const noKey = await fetch(`${server.url}/.well-known/oauth-authorization-server`);
    expect(noKey.status).to.equal(503);
    expect(await noKey.text()).to.include('no signing key');
  });
});
