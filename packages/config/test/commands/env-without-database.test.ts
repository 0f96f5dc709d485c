import {mkdir, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {describeEachEngine, type EngineFixture} from '@systemprompt/testing';
import {APP_ROOT, asLocalOperator, cliWith, expectFailure, ok, signIn, TRUST_OFF} from '../helpers/access.js';

/**
 * A database URL that cannot be opened: on MySQL an account the server refuses, on SQLite a MySQL
 * server where nothing listens. Written into the env file, it is what the process reads (the test's
 * own SYSTEMPROMPT_DATABASE_URL is taken out of the environment so the file counts).
 */
const badUrl = (t: EngineFixture) =>
  t.engine === 'mysql' ? 'mysql://nobody:wrong@127.0.0.1:3306/sp_test_none' : 'mysql://nobody@127.0.0.1:1/none';
const FILE_ONLY = {SYSTEMPROMPT_DATABASE_URL: undefined};
/**
 * The error code of the outage: DATABASE_UNAVAILABLE where nothing listens; a MySQL server that refuses
 * the account is today reported as the users module failing to start (MODULE_PHASE_FAILED).
 */
const outage = (t: EngineFixture) => (t.engine === 'mysql' ? 'MODULE_PHASE_FAILED' : 'DATABASE_UNAVAILABLE');

describeEachEngine('the env file when the database cannot be opened', {root: APP_ROOT}, (t) => {
  const envFile = () => join(t.home.path, 'config', 'systemprompt.env');
  const breakDatabase = async () => {
    await mkdir(join(t.home.path, 'config'), {recursive: true});
    await writeFile(envFile(), `SYSTEMPROMPT_DATABASE_URL=${badUrl(t)}\n`, {mode: 0o600});
  };
  // On MySQL the fixture's URL lives in the environment; without it the env file decides.
  const run = (env: Record<string, string | undefined>, ...args: string[]) =>
    cliWith(t, {...FILE_ONLY, ...env}, ...args);
  const local = (...args: string[]) => run({SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true'}, ...args);

  it('lets the local operator see and remove a bad SYSTEMPROMPT_DATABASE_URL, after which everything works again', async () => {
    await ok(t, 'users:list'); // a working installation first
    await breakDatabase();
    expectFailure(await local('users:list', '--json'), 6, outage(t));

    const listed = await local('config:env', '--json');
    expect(listed.exitCode, listed.stdout).to.equal(0);
    expect(listed.json().data.map((entry: {name: string}) => entry.name)).to.deep.equal(['SYSTEMPROMPT_DATABASE_URL']);
    expect(listed.json().warnings.join('\n')).to.include('The database cannot be opened');
    const checked = await local('config:validate', '--json');
    expect(checked.exitCode, checked.stdout).to.equal(0);

    const removed = await local('config:env:unset', 'database_url', '--json');
    expect(removed.exitCode, removed.stdout).to.equal(0);
    expect(await readFile(envFile(), 'utf8')).to.not.include('DATABASE_URL');
    expect((await t.cli('users:list')).exitCode).to.equal(0);
  });

  it('refuses anyone but the local operator while the database is down: nobody with local trust off, a signed-in user', async () => {
    await signIn(t, 'admin');
    await breakDatabase();
    // A session cannot be checked without the database: the outage is the answer, with the way out.
    const signedIn = await run(TRUST_OFF, 'config:env:unset', 'database_url', '--json');
    expect(expectFailure(signedIn, 6, outage(t)).hint).to.include('only the local operator');
    await asLocalOperator(t, async () => {
      const nobody = await run(TRUST_OFF, 'config:env:unset', 'database_url', '--json');
      expect(expectFailure(nobody, 6, outage(t)).hint).to.include(envFile());
      expect(await readFile(envFile(), 'utf8')).to.include('DATABASE_URL');
      // With local trust on (this host's own environment), the local operator may.
      expect((await local('config:env:unset', 'database_url')).exitCode).to.equal(0);
    });
  });

  it('refuses a variable that feeds no setting, suggesting the closest one (exit 2), and a value the setting cannot take', async () => {
    const unknown = await t.cli('config:env:set', 'NOTSYSTEMPROMPT', 'x', '--json');
    expectFailure(unknown, 2, 'ENV_NAME_UNKNOWN');
    expect(unknown.json().error.message).to.equal(
      'SYSTEMPROMPT_NOTSYSTEMPROMPT is not a setting of any installed module',
    );
    expect(unknown.json().error.details.suggestion).to.match(/^SYSTEMPROMPT_[A-Z_]+$/);
    const typo = await t.cli('config:env:set', 'logger_levle', 'debug');
    expect(typo.exitCode).to.equal(2);
    expect(typo.stderr).to.equal(
      'SYSTEMPROMPT_LOGGER_LEVLE is not a setting of any installed module\nHint: Did you mean SYSTEMPROMPT_LOGGER_LEVEL?\n',
    );
    expect(
      expectFailure(await t.cli('config:env:set', 'logger_levle', 'debug', '--json'), 2, 'ENV_NAME_UNKNOWN').details,
    ).to.deep.equal({name: 'SYSTEMPROMPT_LOGGER_LEVLE', suggestion: 'SYSTEMPROMPT_LOGGER_LEVEL'});
    const invalid = await t.cli('config:env:set', 'logger_level', 'loud', '--json');
    expectFailure(invalid, 2, 'ENV_VALUE_INVALID');
    expect(invalid.json().error.message).to.include('/level: must be one of');
    expect((await t.cli('config:env', '--json')).json().data).to.deep.equal([]);
    // A stray variable already in the file may still be removed.
    await mkdir(join(t.home.path, 'config'), {recursive: true});
    await writeFile(envFile(), 'SYSTEMPROMPT_STRAY=1\n');
    expect((await t.cli('config:env:unset', 'stray')).exitCode).to.equal(0);
  });
});
