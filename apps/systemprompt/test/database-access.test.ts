import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine, expectFailure, runCli, spawnCli, type CliRun} from '@systemprompt/testing';

// Every module of the app, as installed: the database module below, the users module's access above it.
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

interface AuditRow {
  actor: string;
  action: string;
  target: string | null;
  result: string;
  permission: string | null;
}

describeEachEngine('the database commands: raw queries, checks in the service, audit', {root}, (t) => {
  /** Runs a command as the owner of `key`, local trust off. */
  const as = (key: string, ...args: string[]): Promise<CliRun> =>
    runCli(args, {
      root,
      home: t.home.path,
      env: {
        SYSTEMPROMPT_DATABASE_URL: undefined,
        ...t.database.env,
        SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'false',
        SYSTEMPROMPT_API_KEY: key,
      },
    });

  /** The same as a child process: it sees linked plugins, as a user's shell does. */
  const binAs = (key: string, ...args: string[]) =>
    spawnCli(bin, args, {
      env: {
        SYSTEMPROMPT_DATABASE_URL: undefined,
        ...t.env,
        SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'false',
        SYSTEMPROMPT_API_KEY: key,
      },
      timeoutMs: 120_000,
    });

  async function ok(...args: string[]): Promise<CliRun> {
    const run = await t.cli(...args);
    expect(run.exitCode, `${args.join(' ')}: ${run.stderr}${run.stdout}`).to.equal(0);
    return run;
  }

  /** A user with `role` and an API key scoped to everything the role holds: it acts as its owner. */
  async function keyOf(email: string, role: string): Promise<string> {
    await ok('users:create', '--email', email, '--role', role);
    const roles = (await ok('permissions:list', '--roles', '--json')).json().data as Array<{
      name: string;
      permissions: string[];
    }>;
    const scopes = roles
      .find((entry) => entry.name === role)!
      .permissions.flatMap((permission) => ['--scope', permission]);
    return (await ok('api:keys:create', '--name', 'test', '--user', email, ...scopes, '--json')).json().data
      .key as string;
  }

  const audit = async (action: string): Promise<AuditRow[]> =>
    (await ok('permissions:audit', '--filter', `action=${action}`, '--limit', '1000', '--json')).json().data;

  it('gives raw queries to admins only: viewers and operators get exit 4 for any database:query, audited', async () => {
    const admin = await keyOf('admin@example.com', 'admin');
    for (const role of ['viewer', 'operator']) {
      const key = await keyOf(`${role}@example.com`, role);
      for (const sql of ['SELECT password_hash FROM users', 'SELECT 1']) {
        const run = await as(key, 'database:query', sql, '--json');
        expectFailure(run, 4, 'PERMISSION_DENIED', 'database:query is required');
      }
      // What *:read and database:read do give: the status and the schema, not the rows.
      expect((await as(key, 'database:status')).exitCode, role).to.equal(0);
      expect((await as(key, 'database:schema', '--module', 'users')).exitCode, role).to.equal(0);
    }
    const rows = await as(admin, 'database:query', 'SELECT COUNT(*) AS n FROM users', '--json');
    expect(rows.exitCode, rows.stderr).to.equal(0);
    expect(Number(rows.json().data[0].n)).to.equal(3);
    const denials = (await audit('database.query')).filter((row) => row.result === 'denied');
    expect(denials.map((row) => row.actor).sort()).to.deep.equal([
      'operator@example.com',
      'operator@example.com',
      'viewer@example.com',
      'viewer@example.com',
    ]);
    expect(denials.every((row) => row.permission === 'database:query')).to.equal(true);
  });

  it('needs database:write as well for --write, and refuses before anything is looked up or asked', async () => {
    await ok('auth:role:create', 'sql-reader', '--permission', 'database:query');
    const reader = await keyOf('reader@example.com', 'sql-reader');
    expect((await as(reader, 'database:query', 'SELECT email FROM users')).exitCode).to.equal(0);
    const write = await as(reader, 'database:query', 'DELETE FROM users', '--write', '--confirm', '--json');
    expectFailure(write, 4, 'PERMISSION_DENIED', 'database:write is required');
    // No --confirm and no terminal would be exit 2 "not confirmed": the refusal comes first.
    expectFailure(await as(reader, 'database:query', 'DELETE FROM users', '--write', '--json'), 4, 'PERMISSION_DENIED');
    // An unknown module would be exit 3: the refusal comes first.
    expectFailure(await as(reader, 'database:migrate', '--module', 'nope', '--json'), 4, 'PERMISSION_DENIED');
    expectFailure(
      await as(reader, 'database:rollback', '--module', 'nope', '--confirm', '--json'),
      4,
      'PERMISSION_DENIED',
    );
    expect((await ok('users:list', '--json')).json().data).to.have.length(1);
  });

  it('audits query --write, migrate and rollback with the signed-in actor', async () => {
    const admin = await keyOf('admin@example.com', 'admin');
    const write = await as(
      admin,
      'database:query',
      'UPDATE users SET name = ? WHERE email = ?',
      '--param',
      'Root',
      '--param',
      'admin@example.com',
      '--write',
      '--confirm',
      '--json',
    );
    expect(write.exitCode, write.stderr).to.equal(0);
    // A module of its own, so that what migrates and reverts does not depend on what others booted.
    const link = await spawnCli(bin, ['plugins:link', fixture('acme-notes'), '--no-install'], {
      env: t.env,
      timeoutMs: 120_000,
    });
    expect(link.exitCode, link.stderr).to.equal(0);
    const migrate = await binAs(admin, 'database:migrate', '--module', 'acme-notes', '--json');
    expect(migrate.exitCode, migrate.stdout).to.equal(0);
    expect(JSON.parse(migrate.stdout).data.map((row: {module: string}) => row.module)).to.include('acme-notes');
    const rollback = await binAs(admin, 'database:rollback', '--module', 'acme-notes', '--confirm', '--json');
    expect(rollback.exitCode, rollback.stdout).to.equal(0);
    const reverted = 'acme-notes/20261128140000-create-acme-notes';

    const [query] = await audit('database.query');
    expect(query).to.include({actor: 'admin@example.com', result: 'ok', permission: 'database:write'});
    const rollbacks = await audit('database.rollback');
    expect(rollbacks.map((row) => [row.actor, row.target, row.result])).to.deep.equal([
      ['admin@example.com', 'acme-notes', 'ok'],
    ]);
    const migrations = await audit('database.migrate');
    expect(migrations.map((row) => [row.actor, row.target, row.result])).to.deep.equal([
      ['admin@example.com', 'acme-notes', 'ok'],
    ]);
    const details = JSON.parse(
      (await ok('database:query', "SELECT details FROM users_audit WHERE action = 'database.rollback'", '--json'))
        .stdout,
    ).data[0].details as string;
    expect(JSON.parse(details)).to.deep.equal({reverted: [reverted]});
  });

  it('refuses a rollback that would drop the audit log unless the users module is named, saying how many records are lost', async () => {
    await ok('users:create', '--email', 'someone@example.com');
    const count = Number(
      (await ok('database:query', 'SELECT COUNT(*) AS n FROM users_audit', '--json')).json().data[0].n,
    );
    expect(count).to.be.greaterThan(0);
    for (const args of [
      ['--steps', '99', '--confirm'],
      ['--steps', '99', '--dry-run'],
    ]) {
      const refused = await t.cli('database:rollback', ...args, '--json');
      expectFailure(
        refused,
        2,
        'ROLLBACK_DESTROYS_RECORDS',
        `users/20261128110000-create-users drops users_audit (${count} record${count === 1 ? '' : 's'})`,
      );
    }
    // Nothing was reverted, and the log is whole.
    expect(
      Number((await ok('database:query', 'SELECT COUNT(*) AS n FROM users_audit', '--json')).json().data[0].n),
    ).to.be.at.least(count);
    expect(
      (await ok('database:status', '--json'))
        .json()
        .data.pendingMigrations.filter((name: string) => name.startsWith('users/')),
    ).to.deep.equal([]);
    const plan = await ok('database:rollback', '--module', 'users', '--steps', '99', '--dry-run', '--json');
    const create = plan.json().data.find((row: {name: string}) => row.name === '20261128110000-create-users');
    expect(create.destroys.users_audit).to.be.at.least(count);
  });
});
