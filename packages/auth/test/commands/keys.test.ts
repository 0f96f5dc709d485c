import {existsSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {
  SignJWT,
  createLocalJWKSet,
  decodeProtectedHeader,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type JSONWebKeySet,
} from 'jose';
import {describeEachEngine, expectFailure} from '@systemprompt/testing';
import {ALL_TABLES, createUser, databaseDump, login, modeOf, ok, root, sql} from '../helpers/cli.js';
import {withAuthService} from '../helpers/kernel.js';

describeEachEngine('signing keys and tokens: auth:generatekey, auth:token', {root}, (t) => {
  const keyFile = (kid: string) => join(t.home.path, 'config', 'keys', `${kid}.json`);
  const jwks = async (): Promise<JSONWebKeySet> => (await ok(t, 'auth:generatekey', '--jwks', '--json')).json().data;
  const generate = async (...args: string[]) => (await ok(t, 'auth:generatekey', ...args, '--json')).json().data;
  const token = async (...args: string[]) => (await ok(t, 'auth:token', ...args, '--json')).json().data;
  const verify = async (jwt: string, set?: JSONWebKeySet) =>
    jwtVerify(jwt, createLocalJWKSet(set ?? (await jwks())), {issuer: 'systemprompt'});

  beforeEach(async () => {
    await createUser(t, 'ana@example.com', 'viewer');
  });

  it('without a key, auth:token is exit 6 with a hint to generate one', async () => {
    const run = await t.cli('auth:token', '--user', 'ana@example.com');
    expect(run.exitCode).to.equal(6);
    expect(run.stderr).to.equal('There is no signing key\nHint: Generate one with auth:generatekey.\n');
    expectFailure(await t.cli('auth:token', '--user', 'ana@example.com', '--json'), 6, 'NO_SIGNING_KEY');
    expect(await jwks()).to.deep.equal({keys: []});
    expect((await ok(t, 'auth:generatekey', '--list')).stderr).to.include('No signing keys yet');
  });

  it('generates an EdDSA key: private JWK in a mode-600 file, public JWK in the database and the JWKS', async () => {
    const key = await generate();
    expect(key).to.include({alg: 'EdDSA', status: 'active', retiredAt: null, privateKey: true});
    expect(key.kid).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(await modeOf(keyFile(key.kid))).to.equal(0o600);
    expect(await modeOf(join(t.home.path, 'config', 'keys'))).to.equal(0o700);
    const privateJwk = JSON.parse(await readFile(keyFile(key.kid), 'utf8'));
    expect(privateJwk).to.include({kty: 'OKP', crv: 'Ed25519', kid: key.kid, alg: 'EdDSA'});
    expect(privateJwk.d).to.be.a('string');

    const published = await jwks();
    expect(published.keys).to.have.length(1);
    expect(published.keys[0]).to.deep.equal({
      kty: 'OKP',
      crv: 'Ed25519',
      x: privateJwk.x,
      kid: key.kid,
      alg: 'EdDSA',
      use: 'sig',
    });
    const listed = await ok(t, 'auth:generatekey', '--list', '--json');
    expect(listed.json().data).to.deep.equal([key]);
    // The private part is nowhere but in its file.
    expect(listed.stdout).not.to.include(privateJwk.d);
    expect(await databaseDump(t, ALL_TABLES)).not.to.include(privateJwk.d);
    const [row] = await sql(t, 'SELECT kid, alg, status, public_jwk FROM auth_signing_keys');
    expect(JSON.parse(row.public_jwk)).to.deep.equal(published.keys[0]);
    const table = await ok(t, 'auth:generatekey', '--jwks');
    expect(JSON.parse(table.stdout)).to.deep.equal(published);
    expectFailure(await t.cli('auth:generatekey', '--list', '--jwks', '--json'), 2, 'INVALID_USAGE');
    expectFailure(await t.cli('auth:generatekey', '--alg', 'HS256', '--json'), 2, 'INVALID_USAGE');
  });

  it('issues a token that verifies with the JWKS, until its key is retired; older keys verify only', async () => {
    const first = await generate();
    const jwt = (await ok(t, 'auth:token', '--user', 'ana@example.com', '--scope', 'users:read')).stdout.trim();
    expect(jwt.split('.')).to.have.length(3);
    const {payload, protectedHeader} = await verify(jwt);
    expect(protectedHeader).to.deep.equal({alg: 'EdDSA', kid: first.kid, typ: 'JWT'});
    const [user] = await sql(t, "SELECT id FROM users WHERE email = 'ana@example.com'");
    expect(payload).to.include({sub: user.id, email: 'ana@example.com', scope: 'users:read', iss: 'systemprompt'});
    expect(payload.exp! - payload.iat!).to.equal(3600);
    expect(payload.jti).to.be.a('string');

    const second = await generate('--alg', 'RS256');
    expect(second).to.include({alg: 'RS256', status: 'active'});
    expect(
      (await ok(t, 'auth:generatekey', '--list', '--json'))
        .json()
        .data.map((key: {kid: string; status: string}) => [key.kid, key.status]),
    ).to.deep.equal([
      [second.kid, 'active'],
      [first.kid, 'verify-only'],
    ]);
    const newer = await token('--user', 'ana@example.com', '--expires-in', '5');
    expect(decodeProtectedHeader(newer.token)).to.deep.include({alg: 'RS256', kid: second.kid});
    expect((await verify(newer.token)).payload.exp! - (await verify(newer.token)).payload.iat!).to.equal(300);
    // Signed by the verify-only key: still good.
    expect((await verify(jwt)).payload.sub).to.equal(user.id);

    const unconfirmed = await t.cli('auth:generatekey', '--retire', first.kid, '--json');
    expectFailure(
      unconfirmed,
      2,
      'CONFIRMATION_REQUIRED',
      `Not confirmed: Retire verify-only signing key ${first.kid}`,
    );
    const retired = await generate('--retire', first.kid, '--confirm');
    expect(retired).to.include({kid: first.kid, status: 'retired', privateKey: false, signingKey: second.kid});
    expect(existsSync(keyFile(first.kid))).to.equal(false);
    const after = await jwks();
    expect(after.keys.map((key) => key.kid)).to.deep.equal([second.kid]);
    let failure: unknown;
    await verify(jwt, after).catch((error: unknown) => {
      failure = error;
    });
    expect((failure as {code?: string})?.code).to.equal('ERR_JWKS_NO_MATCHING_KEY');
    expect((await verify(newer.token, after)).payload.email).to.equal('ana@example.com');
    expectFailure(await t.cli('auth:generatekey', '--retire', first.kid, '--confirm', '--json'), 5, 'KEY_RETIRED');
    expectFailure(await t.cli('auth:generatekey', '--retire', 'nope', '--confirm', '--json'), 3, 'KEY_NOT_FOUND');

    // Retiring the signing key leaves none: a warning now, exit 6 for the next token.
    const last = await ok(t, 'auth:generatekey', '--retire', second.kid, '--confirm');
    expect(last.stderr).to.include('Warning: No key signs tokens now');
    expectFailure(await t.cli('auth:token', '--user', 'ana@example.com', '--json'), 6, 'NO_SIGNING_KEY');
    expect(await jwks()).to.deep.equal({keys: []});
  });

  it('keeps scopes within what the user holds; tokens for others need auth:tokens', async () => {
    await generate();
    await createUser(t, 'bo@example.com', 'admin');
    const viewer = await token('--user', 'ana@example.com');
    expect(viewer.scopes).to.deep.equal(['*:read']);
    expect((await verify(viewer.token)).payload.scope).to.equal('*:read');
    const beyond = await t.cli('auth:token', '--user', 'ana@example.com', '--scope', 'users:create', '--json');
    expect(expectFailure(beyond, 4, 'TOKEN_SCOPE_NOT_HELD').message).to.equal(
      'A token for ana@example.com cannot carry users:create: no role or grant gives it',
    );
    expectFailure(
      await t.cli('auth:token', '--user', 'ana@example.com', '--scope', 'users:*', '--json'),
      4,
      'TOKEN_SCOPE_NOT_HELD',
    );
    expectFailure(
      await t.cli('auth:token', '--user', 'ana@example.com', '--scope', 'not a permission', '--json'),
      2,
      'PERMISSION_INVALID',
    );
    expectFailure(
      await t.cli('auth:token', '--user', 'ana@example.com', '--expires-in', '0', '--json'),
      2,
      'INVALID_USAGE',
    );
    expectFailure(await t.cli('auth:token', '--user', 'nobody@example.com', '--json'), 3, 'USER_NOT_FOUND');
    expectFailure(await t.cli('auth:token', '--json'), 2, 'TOKEN_USER_REQUIRED');

    // Signed in: one's own token needs no permission; another's needs auth:tokens.
    expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
    const own = await ok(t, 'auth:token', '--scope', 'users:read');
    expect(own.stderr).to.include('Token for ana@example.com, scopes users:read');
    const other = await t.cli('auth:token', '--user', 'bo@example.com', '--json');
    expectFailure(
      other,
      4,
      'PERMISSION_DENIED',
      /^ana@example\.com may not issue token bo@example\.com: auth:tokens is required/,
    );
    const keys = await t.cli('auth:generatekey', '--json');
    expectFailure(keys, 4, 'PERMISSION_DENIED', /^ana@example\.com may not generate key: auth:keys is required/);
    await ok(t, 'auth:generatekey', '--list');
    await ok(t, 'auth:generatekey', '--jwks');
    expect((await login(t, 'bo@example.com')).exitCode).to.equal(0);
    expect((await token('--user', 'ana@example.com', '--scope', 'audit:read')).user).to.equal('ana@example.com');

    // The database never holds a token; the audit log names each one by its jti.
    const dump = await databaseDump(t, ALL_TABLES);
    expect(dump).not.to.include(viewer.token).and.not.to.include(own.stdout.trim());
    const issued = (
      await sql(
        t,
        "SELECT actor, target, result, permission, details FROM users_audit WHERE action = 'auth.issue-token' ORDER BY id",
      )
    ).map((row) => [row.actor, row.target, row.result, row.permission]);
    expect(issued).to.deep.equal([
      ['local-admin', 'ana@example.com', 'ok', 'auth:tokens'],
      ['local-admin', 'ana@example.com', 'denied', 'users:create'],
      ['local-admin', 'ana@example.com', 'denied', 'users:*'],
      ['ana@example.com', 'ana@example.com', 'ok', null],
      ['ana@example.com', 'bo@example.com', 'denied', 'auth:tokens'],
      ['bo@example.com', 'ana@example.com', 'ok', 'auth:tokens'],
    ]);
  });

  it("verifyToken (for the server) gives the token's actor, and refuses expired, foreign, retired and disabled ones", async () => {
    const key = await generate();
    const issued = await token('--user', 'ana@example.com', '--scope', 'users:read', '--scope', 'audit:read');
    const [user] = await sql(t, "SELECT id FROM users WHERE email = 'ana@example.com'");
    await withAuthService(t, async (auth) => {
      expect(await auth.verifyToken(issued.token)).to.deep.equal({
        kind: 'user',
        id: user.id,
        label: 'ana@example.com',
        via: 'token',
        scopes: ['users:read', 'audit:read'],
        credentialId: issued.jti,
      });
      const refused = async (jwt: string) => {
        const error = await auth.verifyToken(jwt).then(
          () => undefined,
          (caught: {exitCode?: number; message: string}) => caught,
        );
        expect(error?.exitCode).to.equal(4);
        return error!.message;
      };
      // Signed by a key this installation does not have, under a known kid.
      const foreign = await generateKeyPair('EdDSA');
      const forged = await new SignJWT({email: 'ana@example.com', scope: '*'})
        .setProtectedHeader({alg: 'EdDSA', kid: key.kid})
        .setSubject(user.id)
        .setIssuer('systemprompt')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(foreign.privateKey);
      expect(await refused(forged)).to.equal('The token is not valid: the signature does not match');
      expect(await refused('not.a.token')).to.match(/^The token is not valid/);
      const own = await importJWK(JSON.parse(await readFile(keyFile(key.kid), 'utf8')), 'EdDSA');
      const past = Math.floor(Date.now() / 1000) - 7200;
      const expired = await new SignJWT({email: 'ana@example.com', scope: 'users:read'})
        .setProtectedHeader({alg: 'EdDSA', kid: key.kid})
        .setSubject(user.id)
        .setIssuer('systemprompt')
        .setIssuedAt(past)
        .setExpirationTime(past + 60)
        .sign(own);
      expect(await refused(expired)).to.equal('The token is not valid: it has expired');
      const otherIssuer = await new SignJWT({scope: 'users:read'})
        .setProtectedHeader({alg: 'EdDSA', kid: key.kid})
        .setSubject(user.id)
        .setIssuer('elsewhere')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(own);
      expect(await refused(otherIssuer)).to.match(/^The token is not valid/);
      const [header, body, signature] = issued.token.split('.');
      const tampered = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      tampered.scope = '*';
      expect(
        await refused(`${header}.${Buffer.from(JSON.stringify(tampered)).toString('base64url')}.${signature}`),
      ).to.equal('The token is not valid: the signature does not match');
    });
    await ok(t, 'users:disable', 'ana@example.com');
    await withAuthService(t, async (auth) => {
      expect((await auth.verifyToken(issued.token).catch((error: Error) => error)) as Error).to.have.property(
        'message',
        'The token is not valid: its user is disabled',
      );
    });
    await ok(t, 'users:enable', 'ana@example.com');
    await ok(t, 'auth:generatekey', '--retire', key.kid, '--confirm');
    await withAuthService(t, async (auth) => {
      expect((await auth.verifyToken(issued.token).catch((error: Error) => error)) as Error).to.have.property(
        'message',
        'The token is not valid: its signing key is unknown or retired',
      );
    });
  });
});
