import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {describeEachEngine} from '@systemprompt/testing';
import {
  APP_ROOT,
  asLocalOperator,
  asUser,
  auditLog,
  cliWith,
  expectFailure,
  ok,
  signIn,
  sql,
  TRUST_OFF,
} from '../helpers/access.js';

// Signed in with the built-in roles and local trust off, as the reporter was.
describeEachEngine('security settings (config:security, host-only auth.localTrust)', {root: APP_ROOT}, (t) => {
  const configDir = () => join(t.home.path, 'config');
  const history = async () =>
    (await asLocalOperator(t, () => ok(t, 'config:history', '--json'))).json().data as Array<{
      key: string;
      actor: string;
    }>;

  it('refuses an operator (config:write) every route to auth.localTrust and other security settings: exit 4, audited, nothing changed', async () => {
    await ok(t, 'config:set', 'auth.sessionTtlHours', '24'); // version 1, by the local administrator
    const operator = await signIn(t, 'operator');
    const routes: string[][] = [
      ['config:set', 'auth.localTrust', 'true'],
      ['config:set', 'auth.localTrust', 'true', '--dry-run'],
      ['config:rollback', '--to', '0', '--confirm'],
      ['config:set', 'auth.sessionTtlHours', '9000'],
      ['config:set', 'database.url', 'mysql://evil@attacker:3306/x'],
      ['config:unset', 'auth.loginMaxFailures'],
      ['config:env:set', 'SYSTEMPROMPT_AUTH_LOCAL_TRUST', 'true'],
      ['config:env:set', 'database_url', 'mysql://evil@attacker:3306/x'],
      ['config:env:unset', 'SYSTEMPROMPT_AUTH_LOCAL_TRUST'],
    ];
    for (const args of routes) {
      const run = await asUser(t, ...args, '--json');
      expectFailure(run, 4, 'PERMISSION_DENIED');
      expect(run.json().error.details.permission, args.join(' ')).to.equal('config:security');
    }
    const file = join(t.home.path, 'import.yaml');
    await writeFile(file, 'auth:\n  loginMaxFailures: 1000\nlogger:\n  level: debug\n');
    expectFailure(await asUser(t, 'config:import', file, '--json'), 4, 'PERMISSION_DENIED');

    expect((await history()).map((row) => row.key)).to.deep.equal(['auth.sessionTtlHours']);
    await readFile(join(configDir(), 'systemprompt.env'), 'utf8').then(
      (text) => expect(text).to.not.include('AUTH_LOCAL_TRUST'),
      () => undefined,
    );
    const denials = (await auditLog(t)).filter(
      (row) => row.result === 'denied' && row.permission === 'config:security',
    );
    expect(denials.map((row) => [row.actor, row.action])).to.deep.include.members([
      [operator, 'config.set'],
      [operator, 'config.unset'],
      [operator, 'config.env.set'],
      [operator, 'config.env.unset'],
      [operator, 'config.import'],
      [operator, 'config.rollback'],
    ]);
    expect(denials.find((row) => row.target === 'auth.localTrust')).to.not.equal(undefined);
    // Still the operator: logging out leaves nobody (local trust off), not the administrator.
    const whoami = await cliWith(t, TRUST_OFF, 'auth:whoami', '--json');
    expect(whoami.json().data).to.include({kind: 'user', label: operator});
  });

  it('lets an operator change other settings, and config:history and the audit log name the operator', async () => {
    const operator = await signIn(t, 'operator');
    expect((await asUser(t, 'config:set', 'logger.level', 'debug')).exitCode).to.equal(0);
    expect((await history())[0]).to.include({key: 'logger.level', actor: operator});
    const record = (await auditLog(t)).find((row) => row.action === 'config.set' && row.result === 'ok');
    expect(record).to.include({actor: operator, target: 'logger.level', permission: 'config:write'});
  });

  it('refuses auth.localTrust as host-only (exit 2) even to an administrator, with the way to set it', async () => {
    await signIn(t, 'admin');
    for (const run of [
      await asUser(t, 'config:set', 'auth.localTrust', 'true', '--json'),
      await asLocalOperator(t, () => t.cli('config:set', 'auth.localTrust', 'false', '--json')),
    ]) {
      expectFailure(run, 2, 'CONFIG_HOST_ONLY');
      expect(run.json().error.hint).to.include('config:env:set SYSTEMPROMPT_AUTH_LOCAL_TRUST');
    }
    const file = join(t.home.path, 'import.yaml');
    await writeFile(file, 'auth:\n  localTrust: true\n');
    expectFailure(await asUser(t, 'config:import', file, '--json'), 2, 'CONFIG_HOST_ONLY');
    expect(await history()).to.deep.equal([]);
    // An administrator (*) holds config:security: other auth settings may change.
    expect((await asUser(t, 'config:set', 'auth.sessionTtlHours', '24')).exitCode).to.equal(0);
    const record = (await auditLog(t)).find((row) => row.action === 'config.set' && row.result === 'ok');
    expect(record).to.include({actor: 'admin@example.com', permission: 'config:security'});
    // and the env file takes it, as the hint says.
    expect((await asUser(t, 'config:env:set', 'SYSTEMPROMPT_AUTH_LOCAL_TRUST', 'false')).exitCode).to.equal(0);
    // An export leaves this host's own settings out, so it imports back (on this host or another).
    const exported = join(t.home.path, 'export.yaml');
    expect((await asUser(t, 'config:export', '--all', '--output', exported)).exitCode).to.equal(0);
    expect(await readFile(exported, 'utf8'))
      .to.include('sessionTtlHours')
      .and.not.include('localTrust');
    const imported = await asUser(t, 'config:import', exported);
    expect(imported.exitCode, imported.stderr).to.equal(0);
  });

  it('ignores a runtime auth.localTrust written into the shared database by hand: auth:whoami stays nobody', async () => {
    await ok(t, 'config:list'); // creates the config module's tables
    await sql(
      t,
      'INSERT INTO config_values (module, config_key, value_json, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)',
      'auth',
      'localTrust',
      'true',
      '2026-12-01T00:00:00.000Z',
      'intruder',
    );
    await sql(
      t,
      'INSERT INTO config_history (module, config_key, old_value_json, new_value_json, action, actor, changed_at) VALUES (?, ?, NULL, ?, ?, ?, ?)',
      'auth',
      'localTrust',
      'true',
      'set',
      'intruder',
      '2026-12-01T00:00:00.000Z',
    );
    // Any config command refreshes this host's copy of the runtime layer from the database...
    await ok(t, 'config:list');
    const cache = JSON.parse(await readFile(join(configDir(), 'runtime-config.json'), 'utf8'));
    expect(cache.values.auth).to.deep.equal({localTrust: true});
    // ...and the layering leaves it out.
    const whoami = await cliWith(t, TRUST_OFF, 'auth:whoami', '--json');
    expect(whoami.json().data).to.include({kind: 'anonymous'});
    const source = await cliWith(t, TRUST_OFF, 'config:get', 'auth.localTrust', '--show-source', '--json');
    expectFailure(source, 4, 'PERMISSION_DENIED');
    expect((await t.cli('config:get', 'auth.localTrust', '--show-source', '--json')).json().data).to.deep.equal({
      key: 'auth.localTrust',
      value: true,
      source: 'env',
    });
    // It can be cleaned away (config:unset is allowed for a host-only key).
    expect((await t.cli('config:unset', 'auth.localTrust')).exitCode).to.equal(0);
    expect(JSON.parse(await readFile(join(configDir(), 'runtime-config.json'), 'utf8')).values.auth).to.equal(
      undefined,
    );
  });

  it('refuses a viewer any configuration change (config:write) and still lets it read, secrets masked', async () => {
    await signIn(t, 'viewer');
    expectFailure(await asUser(t, 'config:set', 'logger.level', 'debug', '--json'), 4, 'PERMISSION_DENIED');
    expectFailure(await asUser(t, 'config:set', 'logger.nope', 'debug', '--json'), 4, 'PERMISSION_DENIED');
    // The permission comes before "not found" and before "not confirmed".
    expectFailure(await asUser(t, 'config:rollback', '--to', '99', '--json'), 4, 'PERMISSION_DENIED');
    expectFailure(await asUser(t, 'config:provider:remove', 'nope', '--json'), 4, 'PERMISSION_DENIED');
    expectFailure(await asUser(t, 'config:model:default', 'nope', 'nothing', '--json'), 4, 'PERMISSION_DENIED');
    expectFailure(await asUser(t, 'config:env:set', 'NOTSYSTEMPROMPT', 'x', '--json'), 4, 'PERMISSION_DENIED');
    expectFailure(await asUser(t, 'config:export', '--include-secrets', '--json'), 4, 'PERMISSION_DENIED');
    expect((await asUser(t, 'config:list', '--json')).exitCode).to.equal(0);
    expect((await asUser(t, 'config:validate', '--json')).exitCode).to.equal(0);
    const nobody = await cliWith(t, {...TRUST_OFF, SYSTEMPROMPT_API_KEY: undefined}, 'auth:logout');
    expect(nobody.exitCode).to.equal(0);
    expectFailure(await asUser(t, 'config:list', '--json'), 4, 'PERMISSION_DENIED');
    expectFailure(await asUser(t, 'config:validate', '--json'), 4, 'PERMISSION_DENIED');
    expectFailure(await asUser(t, 'config:env', '--json'), 4, 'PERMISSION_DENIED');
  });

  it('audits every change of config, env, providers and models with the signed-in actor, never a secret value', async () => {
    const admin = await signIn(t, 'admin');
    const file = join(t.home.path, 'import.yaml');
    await writeFile(file, 'logger:\n  maxFiles: 3\n');
    const steps: string[][] = [
      ['config:set', 'logger.level', 'debug'],
      ['config:unset', 'logger.level'],
      ['config:import', file],
      ['config:rollback', '--to', '0', '--confirm'],
      // A URL with a password that keeps this test's database usable: on MySQL the process environment
      // wins over the env file; on SQLite a sqlite:// URL names the same file.
      [
        'config:env:set',
        'database_url',
        t.engine === 'mysql'
          ? 'mysql://app:pa55word@db.internal:3306/sp'
          : `sqlite://app:pa55word@localhost${join(t.home.path, 'data/modules/database/systemprompt.sqlite')}`,
      ],
      ['config:env:unset', 'database_url'],
      ['config:provider:add', 'local', '--kind', 'openai', '--base-url', 'http://127.0.0.1:9/v1'],
      ['config:provider:update', 'local', '--base-url', 'http://127.0.0.1:8/v1'],
      ['config:model:add', 'local', 'llama3'],
      ['config:model:default', 'local', 'llama3'],
      ['config:model:remove', 'local', 'llama3'],
      ['config:provider:remove', 'local', '--confirm'],
    ];
    for (const args of steps) expect((await asUser(t, ...args)).exitCode, args.join(' ')).to.equal(0);
    const log = await auditLog(t);
    const mine = log.filter((row) => row.actor === admin && row.result === 'ok' && row.action.startsWith('config.'));
    expect(mine.map((row) => row.action)).to.deep.equal([
      'config.set',
      'config.unset',
      'config.import',
      'config.rollback',
      'config.env.set',
      'config.env.unset',
      'config.provider.added',
      'config.provider.updated',
      'config.model.added',
      'config.model.default',
      'config.model.removed',
      'config.provider.removed',
    ]);
    expect(mine.find((row) => row.action === 'config.env.set')!.details!.value).to.match(
      /^(mysql|sqlite):\/\/app:\*{8}@/,
    );
    expect(JSON.stringify(log)).to.not.include('pa55word');
    // Every change of the steps above is in the history, each by the administrator (an empty history fails).
    expect([...new Set((await history()).map((row) => row.actor))]).to.deep.equal([admin]);
  });
});
