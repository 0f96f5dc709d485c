import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {expect} from 'chai';
import {Secret, TOTP} from 'otpauth';
import {describeEachEngine, expectFailure} from '@systemprompt/testing';
import {ALL_TABLES, createUser, databaseDump, filesContaining, login, ok, root, sql} from '../helpers/cli.js';

/** The code an authenticator app shows for `secret`, `offsetSteps` 30-second steps from now. */
function codeFor(secret: string, offsetSteps = 0): string {
  return new TOTP({secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30}).generate({
    timestamp: Date.now() + offsetSteps * 30_000,
  });
}

/** A code that is none of the right ones around now. */
function wrongCode(secret: string): string {
  const right = new Set([-1, 0, 1].map((offset) => codeFor(secret, offset)));
  let code = 123_456;
  while (right.has(String(code).padStart(6, '0'))) code += 1;
  return String(code).padStart(6, '0');
}

describeEachEngine('two-factor sign-in: auth:mfa, auth:mfa:enroll, auth:mfa:verify, auth:mfa:disable', {root}, (t) => {
  const sessionFile = () => join(t.home.path, 'config', 'session.json');
  const status = async () => (await ok(t, 'auth:mfa', '--json')).json().data;

  /** ana, signed in, enrolled and verified; the secret. */
  async function enrolled(): Promise<string> {
    await createUser(t, 'ana@example.com', 'viewer');
    expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
    const secret = (await ok(t, 'auth:mfa:enroll', '--json')).json().data.secret as string;
    await ok(t, 'auth:mfa:verify', codeFor(secret));
    return secret;
  }

  it('enrolls, verifies, and then sign-in needs a right code that works once', async () => {
    await createUser(t, 'ana@example.com', 'viewer');
    expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
    expect(await status()).to.deep.equal({email: 'ana@example.com', mfa: 'off', enrolledAt: null, activatedAt: null});

    const enroll = await ok(t, 'auth:mfa:enroll', '--json');
    const {secret, uri, status: pending} = enroll.json().data;
    expect(pending).to.equal('pending');
    expect(secret).to.match(/^[A-Z2-7]{32}$/);
    expect(uri).to.equal(
      `otpauth://totp/SystemPrompt%20OS:ana%40example.com?issuer=SystemPrompt%20OS&secret=${secret}&algorithm=SHA1&digits=6&period=30`,
    );
    expect((await status()).mfa).to.equal('pending');
    // Stored encrypted only: not in the database or any file in clear.
    const [row] = await sql(t, 'SELECT secret, status FROM auth_mfa');
    expect(row.status).to.equal('pending');
    expect(row.secret)
      .to.match(/^enc:v1:/)
      .and.not.include(secret);
    expect(await databaseDump(t, ALL_TABLES)).not.to.include(secret);
    expect(await filesContaining(t.home.path, secret)).to.deep.equal([]);

    // Sign-in needs no code while it is pending.
    expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);

    const wrong = await t.cli('auth:mfa:verify', wrongCode(secret), '--json');
    expectFailure(wrong, 4, 'MFA_CODE_INVALID');
    expectFailure(await t.cli('auth:mfa:verify', '12345', '--json'), 2, 'MFA_CODE_FORMAT');
    expect((await status()).mfa).to.equal('pending');
    const verified = await ok(t, 'auth:mfa:verify', codeFor(secret), '--json');
    expect(verified.json().data).to.include({email: 'ana@example.com', mfa: 'on'});
    expect((await ok(t, 'auth:whoami', '--json')).json().data.mfa).to.equal('on');

    await ok(t, 'auth:logout');
    const without = await login(t, 'ana@example.com');
    expect(expectFailure(without, 4, 'MFA_CODE_REQUIRED').hint).to.equal(
      'Add --code with the 6 digits your app shows.',
    );
    expect(existsSync(sessionFile())).to.equal(false);
    const badCode = await login(t, 'ana@example.com', undefined, '--code', wrongCode(secret));
    expectFailure(badCode, 4, 'MFA_CODE_INVALID');
    expect(existsSync(sessionFile())).to.equal(false);

    // The code verify used is spent; the next one (within the allowed clock skew) signs in, once.
    const code = codeFor(secret, 1);
    const signedIn = await login(t, 'ana@example.com', undefined, '--code', code);
    expect(signedIn.exitCode, signedIn.stdout).to.equal(0);
    expect(signedIn.json().data).to.include({email: 'ana@example.com', mfa: true});
    await ok(t, 'auth:logout');
    const replay = await login(t, 'ana@example.com', undefined, '--code', code);
    expectFailure(replay, 4, 'MFA_CODE_INVALID');

    const reasons = (await ok(t, 'users:activity', 'ana@example.com', '--limit', '0', '--json'))
      .json()
      .data.filter((entry: {action: string}) => entry.action.startsWith('auth.'))
      .map((entry: {action: string; result: string}) => `${entry.action}:${entry.result}`);
    expect(reasons).to.include.members([
      'auth.enroll-mfa:ok',
      'auth.verify-mfa:failed',
      'auth.verify-mfa:ok',
      'auth.login:failed',
    ]);
  });

  it('shows the secret and the URI in table mode too (the QR code only on a terminal)', async () => {
    await createUser(t, 'ana@example.com', 'viewer');
    expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
    const run = await ok(t, 'auth:mfa:enroll');
    expect(run.stdout)
      .to.match(/^secret\s+[A-Z2-7]{32}$/m)
      .and.match(/^uri\s+otpauth:\/\/totp\//m);
    expect(run.stderr).to.include('auth:mfa:verify CODE');
    // Enrolling again replaces the pending secret.
    const again = (await ok(t, 'auth:mfa:enroll', '--json')).json().data.secret;
    expect(run.stdout).not.to.include(again);
    expect(await sql(t, 'SELECT user_id FROM auth_mfa')).to.have.length(1);
  });

  it('refuses to enroll twice (exit 5) and needs a signed-in user (exit 4)', async () => {
    await ok(t, 'auth:whoami');
    const local = await t.cli('auth:mfa:enroll', '--json');
    expect(expectFailure(local, 4, 'NOT_SIGNED_IN').hint).to.equal('Sign in with auth:login.');
    expectFailure(await t.cli('auth:mfa', '--json'), 4, 'NOT_SIGNED_IN');
    await enrolled();
    const twice = await t.cli('auth:mfa:enroll', '--json');
    expectFailure(twice, 5, 'MFA_ACTIVE');
    expectFailure(await t.cli('auth:mfa:verify', '000000', '--json'), 5, 'MFA_ACTIVE');
  });

  it('turns off with confirmation and a current code; an administrator can turn it off for someone else', async () => {
    const secret = await enrolled();
    const unconfirmed = await t.cli('auth:mfa:disable', codeFor(secret, 1), '--json');
    expectFailure(
      unconfirmed,
      2,
      'CONFIRMATION_REQUIRED',
      'Not confirmed: Turn off two-factor sign-in for ana@example.com',
    );
    const noCode = await t.cli('auth:mfa:disable', '--confirm', '--json');
    expectFailure(noCode, 4, 'MFA_CODE_REQUIRED');
    expectFailure(await t.cli('auth:mfa:disable', wrongCode(secret), '--confirm', '--json'), 4, 'MFA_CODE_INVALID');
    expect((await status()).mfa).to.equal('on');
    const off = await ok(t, 'auth:mfa:disable', codeFor(secret, 1), '--confirm', '--json');
    expect(off.json().data.mfa).to.equal('off');
    expect(await sql(t, 'SELECT user_id FROM auth_mfa')).to.deep.equal([]);
    expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);

    // Someone who lost their phone: an administrator (here the local operator) turns it off without a code.
    const secret2 = (await ok(t, 'auth:mfa:enroll', '--json')).json().data.secret;
    await ok(t, 'auth:mfa:verify', codeFor(secret2));
    await ok(t, 'auth:logout');
    await createUser(t, 'bo@example.com', 'viewer');
    expect((await login(t, 'bo@example.com')).exitCode).to.equal(0);
    expectFailure(
      await t.cli('auth:mfa:disable', '--user', 'ana@example.com', '--confirm', '--json'),
      4,
      'PERMISSION_DENIED',
    );
    await ok(t, 'auth:logout');
    const admin = await ok(t, 'auth:mfa:disable', '--user', 'ana@example.com', '--confirm', '--json');
    expect(admin.json().data).to.include({email: 'ana@example.com', mfa: 'off'});
    expect((await login(t, 'ana@example.com')).exitCode).to.equal(0);
  });
});
