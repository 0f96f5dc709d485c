import {readdir, utimes, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {APP_ROOT, TRUST_OFF, appCli, describeEachEngine, expectFailure, ok} from '@systemprompt/testing';

const OLD = '2020-01-01T00:00:00.000Z';
const OLD_MS = Date.parse(OLD);

interface Outcome {
  module: string;
  name: string;
  removed: number;
  keepDays: number | null;
  setting: string;
  dryRun: boolean;
}

describeEachEngine('data:clean: every module’s retention policy', {root: APP_ROOT}, (t) => {
  const sql = async (statement: string) =>
    (await ok(t, 'database:query', statement, '--write', '--confirm', '--json')).json().data;
  const rows = async (statement: string) => (await sql(statement)) as Array<Record<string, unknown>>;
  const clean = async (...args: string[]) => {
    const run = await ok(t, 'data:clean', '--json', ...args);
    const outcomes = run.json().data as Outcome[];
    return (policy: string) => outcomes.find((outcome) => `${outcome.module}/${outcome.name}` === policy)!;
  };
  // Every module's tables exist once a command has booted them all (data:clean does).
  beforeEach(async () => {
    await ok(t, 'data:clean', '--dry-run');
  });
  const eventIds = async () => (await rows('SELECT id FROM events ORDER BY id')).map((row) => Number(row.id));

  it('lists each policy with its setting; a dry run counts and removes nothing', async () => {
    const outcome = await clean('--dry-run');
    for (const policy of [
      'system/events',
      'logger/logs',
      'webhooks/deliveries',
      'workflows/runs',
      'agents/tasks',
      'queue/jobs',
      'scheduler/ticks',
      'users/audit',
    ])
      expect(outcome(policy), policy).to.include({dryRun: true});
    expect(outcome('system/events')).to.include({keepDays: 30, setting: 'system.eventRetentionDays'});
    // The audit log is kept whole by default.
    expect(outcome('users/audit')).to.include({keepDays: null, removed: 0});

    await ok(t, 'users:create', '--email', 'ana@example.com');
    await sql(`UPDATE events SET occurred_at = '${OLD}'`);
    const before = await eventIds();
    expect((await clean('--dry-run', '--only', 'system/events'))('system/events').removed).to.equal(before.length);
    expect(await eventIds()).to.deep.equal(before);
  });

  it('keeps the events the webhook dispatcher has not read, whatever their age', async () => {
    await ok(t, 'users:create', '--email', 'ana@example.com');
    await ok(t, 'config:set', 'webhooks.allowNetworks', '["127.0.0.1/32"]');
    // The endpoint wants the events after the newest one now (no server ran: no cursor yet).
    await ok(t, 'webhooks:create', 'http://127.0.0.1:9/hook', '--events', 'user.*', '--json');
    const [{wanted}] = await rows('SELECT from_event_id AS wanted FROM webhook_endpoints');
    await ok(t, 'users:create', '--email', 'bo@example.com');
    await sql(`UPDATE events SET occurred_at = '${OLD}'`);

    const first = await clean('--older-than', '1d', '--only', 'system/events');
    const kept = await eventIds();
    expect(first('system/events').removed).to.be.greaterThan(0);
    expect(kept.length).to.be.greaterThan(0);
    expect(Math.min(...kept), 'no unread event removed').to.equal(Number(wanted) + 1);

    // Once the dispatcher has read them all, they may go.
    const [{newest}] = await rows('SELECT MAX(id) AS newest FROM events');
    await sql(`INSERT INTO webhook_state (name, value) VALUES ('events', ${Number(newest)})`);
    await sql(`UPDATE events SET occurred_at = '${OLD}'`);
    await clean('--older-than', '1d', '--only', 'system/events');
    expect(await eventIds()).to.deep.equal([]);
  });

  it('removes finished runs with their steps; running runs and the children of running parents stay', async () => {
    const run = (id: string, status: string, finishedAt: number | null, parent: string | null) =>
      sql(
        `INSERT INTO workflow_runs (id, workflow, version, status, definition, input, actor, actor_label, depth, parent_run_id, created_at, finished_at, updated_at)
         VALUES ('${id}', 'w', 1, '${status}', '{}', '{}', '{}', 'ana', ${parent ? 1 : 0}, ${parent ? `'${parent}'` : 'NULL'}, ${OLD_MS}, ${finishedAt ?? 'NULL'}, ${OLD_MS})`,
      );
    const step = (runId: string, path: string) =>
      sql(
        `INSERT INTO workflow_steps (run_id, path, step_id, type, status, attempts, updated_at)
         VALUES ('${runId}', '${path}', '${path}', 'http', 'completed', 1, ${OLD_MS})`,
      );
    await run('old-done', 'completed', OLD_MS, null);
    await step('old-done', 'a');
    await step('old-done', 'b');
    await run('old-failed', 'failed', OLD_MS, null);
    await run('still-running', 'running', null, null);
    await step('still-running', 'a');
    await run('child-of-running', 'completed', OLD_MS, 'still-running');
    await run('recent-done', 'completed', Date.now(), null);

    expect((await clean('--older-than', '1d', '--only', 'workflows'))('workflows/runs').removed).to.equal(2);
    const left = (await rows('SELECT id FROM workflow_runs ORDER BY id')).map((row) => row.id);
    expect(left).to.deep.equal(['child-of-running', 'recent-done', 'still-running']);
    const steps = (await rows('SELECT run_id FROM workflow_steps')).map((row) => row.run_id);
    expect(steps).to.deep.equal(['still-running']);
  });

  it('never shortens the audit log with --older-than; removes rotated log files by age', async () => {
    await ok(t, 'users:create', '--email', 'ana@example.com');
    const [{n: audited}] = await rows('SELECT COUNT(*) AS n FROM users_audit');
    const logs = join(t.home.path, 'data', 'logs');
    const current = (await readdir(logs)).find((name) => name.endsWith('.log'))!;
    expect(current, 'the current log file').to.be.a('string');
    await writeFile(join(logs, `${current}.1`), '{}\n');
    await writeFile(join(logs, `${current}.2`), '{}\n');
    const old = new Date(OLD);
    await utimes(join(logs, `${current}.2`), old, old);

    const outcome = await clean('--older-than', '1d');
    expect(outcome('users/audit')).to.include({removed: 0, keepDays: null});
    expect(outcome('logger/logs').removed).to.equal(1);
    expect((await readdir(logs)).sort()).to.include.members([current, `${current}.1`]);
    expect(await readdir(logs)).not.to.include(`${current}.2`);
    // The clean itself is audited; nothing was removed from the log.
    const [{n: after}] = await rows('SELECT COUNT(*) AS n FROM users_audit');
    expect(Number(after)).to.be.greaterThan(Number(audited));
    const [record] = await rows("SELECT details FROM users_audit WHERE action = 'data.clean'");
    expect(JSON.parse(String(record!.details)).removed['logger/logs']).to.equal(1);
  });

  it('refuses bad input (exit 2) and a viewer (exit 4), who may still count', async () => {
    expectFailure(await t.cli('data:clean', '--older-than', 'soon', '--json'), 2, 'AGE_INVALID');
    expectFailure(await t.cli('data:clean', '--older-than', '0', '--json'), 2, 'AGE_INVALID');
    expectFailure(await t.cli('data:clean', '--only', 'nothing/here', '--json'), 2, 'RETENTION_POLICY_UNKNOWN');
    await ok(t, 'users:create', '--email', 'viewer@example.com', '--role', 'viewer');
    const key = (
      await ok(t, 'api:keys:create', '--user', 'viewer@example.com', '--name', 'v', '--scope', '*:read', '--json')
    ).json().data.key;
    const viewer = (...args: string[]) => appCli(t, {...TRUST_OFF, SYSTEMPROMPT_API_KEY: key}, ...args, '--json');
    expectFailure(await viewer('data:clean', '--older-than', '1d'), 4, 'PERMISSION_DENIED');
    expect((await viewer('data:clean', '--dry-run')).exitCode).to.equal(0);
  });
});
