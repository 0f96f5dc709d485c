import {expect} from 'chai';
import {APP_BIN, describeEachEngine, expectFailure, runCli, sql, type EngineFixture} from '@systemprompt/testing';
import {ROOT} from '../helpers.js';

/** The scheduler's commands in this process, on the fixture's home and database, as the local operator. */
const cli = (t: EngineFixture, ...args: string[]) =>
  runCli(args, {
    root: ROOT,
    home: t.home.path,
    // This process is mocha: command targets run the built app's CLI.
    env: {
      SYSTEMPROMPT_DATABASE_URL: undefined,
      SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true',
      SYSTEMPROMPT_SCHEDULER_CLI: APP_BIN,
      ...t.database.env,
    },
  });

async function ok(t: EngineFixture, ...args: string[]) {
  const run = await cli(t, ...args);
  expect(run.exitCode, `${args.join(' ')}: ${run.stderr}${run.stdout}`).to.equal(0);
  return run;
}

/** A failed run in table mode: one line, then a hint line at most, on stderr. */
async function failsWith(t: EngineFixture, exitCode: number, code: string, ...args: string[]) {
  const table = await cli(t, ...args);
  expect(table.exitCode, table.stderr).to.equal(exitCode);
  const lines = table.stderr.trimEnd().split('\n');
  expect(lines.length, table.stderr).to.be.at.most(2);
  if (lines[1]) expect(lines[1]).to.match(/^Hint: /);
  return expectFailure(await cli(t, ...args, '--json'), exitCode, code);
}

describeEachEngine('scheduler commands', {root: ROOT}, (t) => {
  it('creates, lists, updates, pauses, resumes and deletes a schedule, audited', async () => {
    const created = await ok(
      t,
      'scheduler:create',
      'users-report',
      '--cron',
      '0 7 * * 1-5',
      '--tz',
      'Europe/Berlin',
      '--command',
      'users:list --json',
      '--description',
      'Weekday users',
      '--json',
    );
    expect(created.json().data).to.include({
      name: 'users-report',
      schedule: '0 7 * * 1-5 (Europe/Berlin)',
      target: 'command: users:list --json',
      owner: 'local-admin',
      state: 'scheduled',
      missed: 'skip',
    });
    const table = await ok(t, 'scheduler:list');
    expect(table.stdout.split('\n')[0]).to.match(
      /^NAME\s+SCHEDULE\s+TARGET\s+NEXT RUN AT\s+LAST RUN AT\s+LAST STATUS\s+PAUSED/,
    );
    expect(table.stdout).to.include('users-report').and.include('0 7 * * 1-5 (Europe/Berlin)');
    const updated = await ok(
      t,
      'scheduler:update',
      'users-report',
      '--cron',
      '30 6 * * *',
      '--missed',
      'run-once',
      '--json',
    );
    expect(updated.json().data).to.include({cron: '30 6 * * *', missed: 'run-once', tz: 'Europe/Berlin'});
    expect((await ok(t, 'scheduler:pause', 'users-report', '--json')).json().data).to.include({
      paused: true,
      nextRunAt: null,
    });
    const listed = await ok(t, 'scheduler:list', '--filter', 'paused=true', '--json');
    expect(listed.json().data.map((item: {name: string}) => item.name)).to.deep.equal(['users-report']);
    const resumed = (await ok(t, 'scheduler:resume', 'users-report', '--json')).json().data;
    expect(resumed).to.include({paused: false, state: 'scheduled'});
    expect(Date.parse(resumed.nextRunAt)).to.be.greaterThan(Date.now());
    const refused = await cli(t, 'scheduler:delete', 'users-report', '--json');
    expectFailure(refused, 2, 'CONFIRMATION_REQUIRED', 'Delete schedule users-report');
    expect((await ok(t, 'scheduler:delete', 'users-report', '--dry-run', '--json')).json().data).to.include({
      deleted: false,
    });
    expect((await ok(t, 'scheduler:delete', 'users-report', '--confirm', '--json')).json().data).to.deep.equal({
      name: 'users-report',
      deleted: true,
      ticks: 0,
    });
    expect((await ok(t, 'scheduler:list', '--json')).json().data).to.deep.equal([]);
    const audited = await sql(t, "SELECT action, result FROM users_audit WHERE action LIKE 'scheduler.%' ORDER BY id");
    expect(audited.map((row: {action: string; result: string}) => `${row.action} ${row.result}`)).to.deep.equal([
      'scheduler.create ok',
      'scheduler.update ok',
      'scheduler.pause ok',
      'scheduler.resume ok',
      'scheduler.delete ok',
    ]);
    const events = await sql(t, "SELECT type FROM events WHERE type LIKE 'schedule.%' ORDER BY id");
    expect(events.map((row: {type: string}) => row.type)).to.deep.equal([
      'schedule.created',
      'schedule.updated',
      'schedule.updated',
      'schedule.updated',
      'schedule.deleted',
    ]);
  });

  it('refuses bad timing, zones, targets and input with exit 2 and one line; an unknown schedule with exit 3', async () => {
    const command = ['--command', 'users:list'];
    await failsWith(t, 2, 'SCHEDULE_TIMING_INVALID', 'scheduler:create', 'x', ...command);
    await failsWith(
      t,
      2,
      'SCHEDULE_TIMING_INVALID',
      'scheduler:create',
      'x',
      '--cron',
      '@daily',
      '--at',
      '2099-01-01T00:00:00Z',
      ...command,
    );
    const cron = await failsWith(
      t,
      2,
      'SCHEDULE_CRON_INVALID',
      'scheduler:create',
      'x',
      '--cron',
      '* * * * * * * *',
      ...command,
    );
    expect(cron.message).to.match(/^Invalid cron pattern/);
    await failsWith(
      t,
      2,
      'SCHEDULE_ZONE_INVALID',
      'scheduler:create',
      'x',
      '--cron',
      '@daily',
      '--tz',
      'Moon/Base',
      ...command,
    );
    await failsWith(t, 2, 'SCHEDULE_AT_INVALID', 'scheduler:create', 'x', '--at', '2020-01-01T00:00:00Z', ...command);
    await failsWith(t, 2, 'SCHEDULE_TARGET_INVALID', 'scheduler:create', 'x', '--cron', '@daily');
    await failsWith(
      t,
      2,
      'SCHEDULE_TARGET_INVALID',
      'scheduler:create',
      'x',
      '--cron',
      '@daily',
      '--workflow',
      'w',
      ...command,
    );
    await failsWith(
      t,
      2,
      'SCHEDULE_TARGET_INVALID',
      'scheduler:create',
      'x',
      '--cron',
      '@daily',
      '--workflow',
      'w',
      '--input',
      '{nope',
    );
    await failsWith(
      t,
      2,
      'INVALID_USAGE',
      'scheduler:create',
      'x',
      '--cron',
      '@daily',
      '--missed',
      'sometimes',
      ...command,
    );
    // No workflows module among this package's plugins: a workflow target cannot be run here.
    await failsWith(
      t,
      6,
      'SCHEDULE_TARGET_UNAVAILABLE',
      'scheduler:create',
      'x',
      '--cron',
      '@daily',
      '--workflow',
      'nightly',
    );
    for (const args of [
      ['scheduler:update', 'ghost', '--description', 'x'],
      ['scheduler:pause', 'ghost'],
      ['scheduler:resume', 'ghost'],
      ['scheduler:delete', 'ghost', '--confirm'],
      ['scheduler:run', 'ghost'],
      ['scheduler:history', 'ghost'],
    ])
      await failsWith(t, 3, 'SCHEDULE_NOT_FOUND', ...args);
    expect((await ok(t, 'scheduler:list', '--json')).json().data).to.deep.equal([]);
  });

  it('run --wait runs the tick in this process when no server runs, and history shows it newest first', async () => {
    await ok(t, 'scheduler:create', 'version', '--cron', '@yearly', '--command', '--version');
    const first = await ok(t, 'scheduler:run', 'version', '--wait', '--json');
    expect(first.json().data).to.include({
      schedule: 'version',
      status: 'ok',
      exitCode: 0,
      manual: true,
      requestedBy: 'local-admin',
    });
    await ok(t, 'scheduler:create', 'broken', '--cron', '@yearly', '--command', 'no:such:command');
    const failed = await cli(t, 'scheduler:run', 'broken', '--wait', '--json');
    expect(failed.exitCode).to.equal(1);
    expect(failed.json().data).to.include({schedule: 'broken', status: 'failed'});
    expect(failed.json().data.exitCode).to.be.greaterThan(0);
    const queued = await ok(t, 'scheduler:run', 'version', '--json');
    expect(queued.json().data).to.include({status: 'pending', waited: false});
    const history = await ok(t, 'scheduler:history', '--json');
    expect(
      history.json().data.map((tick: {schedule: string; status: string}) => `${tick.schedule} ${tick.status}`),
    ).to.deep.equal(['version pending', 'broken failed', 'version ok']);
    const table = await ok(t, 'scheduler:history', 'version');
    expect(table.stdout.split('\n')[0]).to.match(
      /^SCHEDULE\s+TICK AT\s+JOB ID\s+STATUS\s+DURATION MS\s+EXIT CODE\s+ERROR/,
    );
    expect(
      (await ok(t, 'scheduler:list', '--json')).json().data.find((item: {name: string}) => item.name === 'broken'),
    ).to.include({
      lastStatus: 'failed',
    });
  });
});
