import {randomBytes} from 'node:crypto';
import {readFile, readdir} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {createTempHome, describeEachEngine, expectFailure, runCli, type TempHome} from '@systemprompt/testing';
import {createUser, login, ok, root, runWithStdin, sql} from '../helpers/cli.js';

const CLIENT_SECRET = 'oidc-client-secret-4b1d';

describeEachEngine('auth:db and stored secrets on several hosts of one database', {root}, (t) => {
  let other: TempHome;
  beforeEach(async () => {
    other = await createTempHome();
  });
  afterEach(async () => {
    await other.remove();
  });

  /** The same database as t, seen from another host: its own home, so its own secret key (or none). */
  async function otherHost(env: Record<string, string | undefined>, ...args: string[]) {
    let url = t.database.url;
    if (!url) {
      const data = join(t.home.path, 'data');
      const file = (await readdir(data, {recursive: true})).find((entry) => entry.endsWith('systemprompt.sqlite'));
      url = `sqlite://${join(data, file!)}`;
    }
    return runCli(args, {
      root,
      home: other.path,
      env: {
        SYSTEMPROMPT_DATABASE_URL: url,
        SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true',
        SYSTEMPROMPT_SECRET_KEY: undefined,
        SYSTEMPROMPT_SECRET_KEY_FILE: undefined,
        ...env,
      },
    });
  }

  /** ana with MFA on and a provider with a client secret, both encrypted with this home's key; ana's MFA secret. */
  async function secretsOnFirstHost(): Promise<{mfaSecret: string; userId: string}> {
    const added = await runWithStdin(
      t,
      [
        'auth:providers:add',
        'corp',
        '--issuer',
        'https://login.example.com',
        '--client-id',
        'sp',
        '--client-secret-stdin',
      ],
      CLIENT_SECRET,
    );
    expect(added.exitCode, added.stderr).to.equal(0);
    const userId = await createUser(t, 'ana@example.com', 'viewer');
    expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
    const mfaSecret = (await ok(t, 'auth:mfa:enroll', '--json')).json().data.secret as string;
    await ok(t, 'auth:logout');
    return {mfaSecret, userId};
  }

  it('names every secret this host cannot decrypt (exit 6), never the secret; the shared key reads them all', async () => {
    const {mfaSecret, userId} = await secretsOnFirstHost();
    const stored = await sql(t, 'SELECT secret FROM auth_mfa');
    const firstHost = await ok(t, 'auth:db', '--json');
    expect(firstHost.json().data).to.include({secretsReadable: 2});

    // A second host without any key.
    const none = await otherHost({}, 'auth:db', '--json');
    const error = expectFailure(none, 6, 'SECRETS_UNREADABLE');
    expect(error.message).to.equal(
      `2 of 2 stored secrets cannot be decrypted with this host's secret key (${join(other.path, 'config', 'secret.key')}): the MFA secret of ana@example.com, the client secret of identity provider corp`,
    );
    expect(error.hint).to.include('SYSTEMPROMPT_SECRET_KEY');
    expect(error.details!.unreadable).to.deep.equal([
      {
        table: 'auth_mfa',
        column: 'secret',
        row: userId,
        what: 'the MFA secret of ana@example.com',
        reason: 'no secret key on this host',
      },
      {
        table: 'auth_providers',
        column: 'client_secret',
        row: 'corp',
        what: 'the client secret of identity provider corp',
        reason: 'no secret key on this host',
      },
    ]);
    expect(error.details!.statistics).to.include({providers: 1, secretsReadable: 0});
    for (const text of [none.stdout, none.stderr])
      expect(text).not.to.include(mfaSecret).and.not.include(CLIENT_SECRET).and.not.include(stored[0].secret);
    // Asking did not create a key on the second host (a new key would split the hosts for good).
    expect(await readdir(join(other.path, 'config')).catch(() => [])).not.to.include('secret.key');

    // A second host with a key of its own.
    const own = await otherHost({SYSTEMPROMPT_SECRET_KEY: randomBytes(32).toString('base64')}, 'auth:db');
    expect(own.exitCode).to.equal(6);
    expect(own.stderr).to.match(
      /^2 of 2 stored secrets cannot be decrypted with this host's secret key \(SYSTEMPROMPT_SECRET_KEY\): the MFA secret of ana@example\.com, the client secret of identity provider corp\nHint: /,
    );
    const ownJson = expectFailure(
      await otherHost({SYSTEMPROMPT_SECRET_KEY: randomBytes(32).toString('base64')}, 'auth:db', '--json'),
      6,
      'SECRETS_UNREADABLE',
    );
    expect(ownJson.details!.unreadable.map((secret: {reason: string}) => secret.reason)).to.deep.equal([
      'encrypted with another key',
      'encrypted with another key',
    ]);

    // The key the secrets were written with, shared: everything reads.
    const key = (await readFile(join(t.home.path, 'config', 'secret.key'), 'utf8')).trim();
    const shared = await otherHost({SYSTEMPROMPT_SECRET_KEY: key}, 'auth:db', '--json');
    expect(shared.exitCode, shared.stdout).to.equal(0);
    expect(shared.json().data).to.include({secretsReadable: 2, providers: 1});
  });

  it('an invalid key is its own error (exit 2), not a list of secrets; auth:db still needs auth:read first', async () => {
    await secretsOnFirstHost();
    const invalid = await otherHost({SYSTEMPROMPT_SECRET_KEY: 'too-short'}, 'auth:db', '--json');
    expectFailure(invalid, 2, 'SECRET_KEY_INVALID');
    const anonymous = await otherHost(
      {SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'false', SYSTEMPROMPT_SECRET_KEY: 'too-short'},
      'auth:db',
      '--json',
    );
    expectFailure(anonymous, 4, 'PERMISSION_DENIED');
  });
});
