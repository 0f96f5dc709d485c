import {expect} from 'chai';
import {APP_ROOT, describeEachEngine, expectFailure, ok} from '@systemprompt/testing';
import {define} from './helpers.js';

/** workflows:schedule makes a scheduler schedule whose ticks start runs of the workflow, as its owner. */
describeEachEngine('workflows:schedule', {root: APP_ROOT}, (t) => {
  beforeEach(async () => {
    await define(t, {name: 'nightly_report', steps: [{id: 'rest', type: 'delay', duration: '1s'}]});
  });

  it('creates a schedule named after the workflow that scheduler:* then manage', async () => {
    const made = await ok(
      t,
      'workflows:schedule',
      'nightly_report',
      '--cron',
      '0 2 * * *',
      '--tz',
      'Europe/Berlin',
      '--json',
    );
    expect(made.json().data).to.include({name: 'workflow-nightly-report', paused: false});
    const listed = (await ok(t, 'scheduler:list', '--json')).json().data as Array<{name: string}>;
    expect(listed.map((schedule) => schedule.name)).to.deep.equal(['workflow-nightly-report']);
    const named = await ok(
      t,
      'workflows:schedule',
      'nightly_report',
      '--at',
      '2031-01-31T09:00:00Z',
      '--name',
      'launch',
      '--json',
    );
    expect(named.json().data).to.include({name: 'launch'});
  });

  it('refuses an unknown workflow (exit 3), bad input (exit 2) and bad timing (exit 2); creates nothing', async () => {
    expectFailure(
      await t.cli('workflows:schedule', 'missing', '--cron', '* * * * *', '--json'),
      3,
      'WORKFLOW_NOT_FOUND',
    );
    expectFailure(
      await t.cli('workflows:schedule', 'nightly_report', '--cron', '* * * * *', '--input', '[1]', '--json'),
      2,
      'WORKFLOW_INPUT_INVALID',
    );
    const badCron = await t.cli('workflows:schedule', 'nightly_report', '--cron', 'every day', '--json');
    expect(badCron.exitCode, badCron.stdout).to.equal(2);
    expect((await ok(t, 'scheduler:list', '--json')).json().data).to.deep.equal([]);
  });

  it('a tick fired by hand starts one run of the workflow, shown in the tick and the run history', async () => {
    await ok(t, 'workflows:schedule', 'nightly_report', '--cron', '0 2 * * *', '--json');
    // No server runs: --wait works the tick in this process; the run it starts is queued for a server.
    const fired = await ok(t, 'scheduler:run', 'workflow-nightly-report', '--wait', '--json');
    const tick = fired.json().data as {status: string; reference: string};
    expect(tick.status, JSON.stringify(tick)).to.equal('ok');
    const runs = (await ok(t, 'workflows:history', 'nightly_report', '--json')).json().data as Array<{
      id: string;
      trigger: string;
      actor: string;
    }>;
    expect(runs).to.have.length(1);
    expect(runs[0]).to.include({id: tick.reference, trigger: 'schedule:workflow-nightly-report', actor: 'local-admin'});
  });
});
