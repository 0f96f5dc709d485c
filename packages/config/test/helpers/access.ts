import {expect} from 'chai';
import {PASSWORD, TRUST_OFF, appCli, runWithStdin, type EngineFixture, type CliRun} from '@systemprompt/testing';

// Shared with every package's tests: the app, its bin, running as the local operator, SQL and the audit log.
export {
  APP_ROOT,
  PASSWORD,
  TRUST_OFF,
  asLocalOperator,
  auditLog,
  expectFailure,
  ok,
  runWithStdin,
  sql,
  type AuditRow,
} from '@systemprompt/testing';

/** A command of the app in this process with extra environment (`undefined` removes a variable). */
export const cliWith = appCli;

/** The command as the signed-in user, local trust off. */
export const asUser = (t: EngineFixture, ...args: string[]): Promise<CliRun> => appCli(t, TRUST_OFF, ...args);

/** A user with a password and these roles, created by the local operator. */
export async function createUser(t: EngineFixture, email: string, role: string): Promise<string> {
  const run = await runWithStdin(
    t,
    ['users:create', '--email', email, '--role', role, '--password-stdin', '--json'],
    PASSWORD,
    {SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true'},
  );
  expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
  return run.json().data.id as string;
}

/** Creates a user with `role` and signs in as them (the session file of the test's home). */
export async function signIn(t: EngineFixture, role: string, email = `${role}@example.com`): Promise<string> {
  await createUser(t, email, role);
  const run = await runWithStdin(
    t,
    ['auth:login', '--email', email, '--password-stdin', '--json'],
    PASSWORD,
    TRUST_OFF,
  );
  expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
  return email;
}
