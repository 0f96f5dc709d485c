import {expect} from 'chai';
import {Secret, TOTP} from 'otpauth';
import {describeEachEngine, expectFailure, spawnCli} from '@systemprompt/testing';
import {BIN, createUser, login, ok, root, sql} from '../helpers/cli.js';

describeEachEngine('sign-in throttling with concurrent attempts', {root}, (t) => {
  it('20 wrong passwords at once against a limit of 5: exactly 5 are checked and fail, 15 are refused as locked', async function () {
    this.timeout(300_000);
    await createUser(t, 'ana@example.com', 'viewer');
    // Migrates the auth module's tables first, so the processes below race only for sign-in.
    await ok(t, 'auth:db');
    const env = {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env, SYSTEMPROMPT_AUTH_LOGIN_MAX_FAILURES: '5'};
    const runs = await Promise.all(
      Array.from({length: 20}, (_, index) =>
        spawnCli(BIN, ['auth:login', '--email', 'ana@example.com', '--password-stdin', '--json'], {
          env,
          input: `wrong password ${index}`,
          timeoutMs: 240_000,
        }),
      ),
    );
    const codes = runs.map((run) => {
      expect(run.exitCode, run.stdout + run.stderr).to.equal(4);
      return JSON.parse(run.stdout).error.code as string;
    });
    expect(codes.filter((code) => code === 'LOGIN_FAILED')).to.have.length(5);
    expect(codes.filter((code) => code === 'LOGIN_LOCKED')).to.have.length(15);

    const attempts = await sql(
      t,
      'SELECT result, COUNT(*) AS n FROM auth_login_attempts GROUP BY result ORDER BY result',
    );
    expect(attempts.map((row) => `${row.result}:${Number(row.n)}`)).to.deep.equal(['failed:5', 'locked:15']);
    const audit = await sql(
      t,
      "SELECT details FROM users_audit WHERE action = 'auth.login' AND target = 'ana@example.com' AND result = 'failed'",
    );
    const reasons = audit.map((row) => JSON.parse(row.details).reason as string);
    expect(reasons.filter((reason) => reason === 'wrong email or password')).to.have.length(5);
    expect(reasons.filter((reason) => reason === 'locked')).to.have.length(15);

    // Locked now, even for the right password.
    const right = await login(t, 'ana@example.com');
    expectFailure(right, 4, 'LOGIN_LOCKED');
  });

  it('a slot is settled: failed and ok stay, an attempt without its MFA code leaves none', async () => {
    await createUser(t, 'bo@example.com', 'viewer');
    expectFailure(await login(t, 'bo@example.com', 'wrong'), 4, 'LOGIN_FAILED');
    expect((await login(t, 'bo@example.com')).exitCode).to.equal(0);
    const secret = (await ok(t, 'auth:mfa:enroll', '--json')).json().data.secret as string;
    await ok(
      t,
      'auth:mfa:verify',
      new TOTP({secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30}).generate(),
    );
    const noCode = await login(t, 'bo@example.com');
    expectFailure(noCode, 4, 'MFA_CODE_REQUIRED');
    const rows = await sql(t, "SELECT result FROM auth_login_attempts WHERE email = 'bo@example.com' ORDER BY id");
    expect(rows.map((row) => row.result)).to.deep.equal(['failed', 'ok']);
    expect(await sql(t, "SELECT email FROM auth_login_locks WHERE email = 'bo@example.com'")).to.have.length(1);
  });
});
