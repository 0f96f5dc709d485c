import {expect} from 'chai';
import {LOCAL_ADMIN, parseListQuery, type Actor} from '@systemprompt/core';
import {createTempHome, createTestDatabase, testEngines, type TempHome, type TestDatabase} from '@systemprompt/testing';
import type {QueueApi} from '@systemprompt/queue';
import {AUDIT_LIST_FIELDS, type UsersApi} from '@systemprompt/users';
import {SCHEDULE_LIST_FIELDS, TICK_LIST_FIELDS, type ScheduleTarget} from '../../src/index.js';
import {bootScheduler, rejects, type SchedulerKernel} from '../helpers.js';

const ALL = parseListQuery({limit: 0}, {fields: SCHEDULE_LIST_FIELDS});
const TICKS = parseListQuery({limit: 0}, {fields: TICK_LIST_FIELDS});
const MINUTE = 60_000;

/** A workflow runner as the workflows module would register it, recording its calls. */
function fakeWorkflows() {
  const calls: Array<{method: string; name: string; input: unknown; actor: string; tick?: unknown}> = [];
  const target: ScheduleTarget = {
    async validate(name, input, actor) {
      calls.push({method: 'validate', name, input, actor: actor.label});
      if (name === 'missing')
        throw Object.assign(new Error(`No workflow ${name}`), {code: 'WORKFLOW_NOT_FOUND', exitCode: 3});
    },
    async start(name, input, actor, tick) {
      calls.push({method: 'start', name, input, actor: actor.label, tick});
      return {reference: `run-${calls.length}`};
    },
  };
  return {target, calls};
}

for (const engine of testEngines()) {
  describe(`ScheduleService [${engine}]`, function () {
    let home: TempHome;
    let database: TestDatabase;
    let t: SchedulerKernel;
    let viewer: Actor;
    let operator: Actor;

    before(async () => {
      home = await createTempHome();
      database = await createTestDatabase(engine);
      t = await bootScheduler(home, database);
      viewer = await t.user('viewer@example.com', ['viewer']);
      operator = await t.user('operator@example.com', ['operator']);
    });
    after(async () => {
      await t?.stop();
      await database?.drop();
      await home?.remove();
    });

    const audit = async (action: string) => {
      const {audit: log} = t.kernel.service<UsersApi>('users');
      const page = await log.permissionUses(
        parseListQuery({limit: 0, filter: [`action=${action}`]}, {fields: AUDIT_LIST_FIELDS}),
      );
      return page.items as Array<{actor: string; target: string | null; result: string}>;
    };

    it('creates a cron schedule owned by its creator, with its next run, audited', async () => {
      const before = Date.now();
      const view = await t.scheduler.schedules.create(operator, {
        name: 'report',
        cron: '*/5 * * * *',
        tz: 'Europe/Berlin',
        command: 'users:list --json',
        description: 'Mail the users',
      });
      expect(view).to.include({
        name: 'report',
        schedule: '*/5 * * * * (Europe/Berlin)',
        target: 'command: users:list --json',
        targetKind: 'command',
        command: 'users:list --json',
        missed: 'skip',
        paused: false,
        state: 'scheduled',
        owner: 'operator@example.com',
        lastRunAt: null,
        description: 'Mail the users',
      });
      const next = Date.parse(view.nextRunAt!);
      expect(next)
        .to.be.greaterThan(before)
        .and.at.most(before + 5 * MINUTE);
      expect(new Date(next).getUTCMinutes() % 5).to.equal(0);
      expect((await audit('scheduler.create')).map((row) => [row.actor, row.target, row.result])).to.deep.include([
        'operator@example.com',
        'report',
        'ok',
      ]);
      expect((await t.scheduler.schedules.list(viewer, ALL)).items.map((item) => item.name)).to.include('report');
    });

    it('refuses bad input with exit 2 and its own code, before creating anything', async () => {
      const {schedules} = t.scheduler;
      const base = {name: 'bad', cron: '* * * * *', command: 'users:list'};
      await rejects(schedules.create(operator, {...base, name: 'Bad Name'}), 2, 'SCHEDULE_NAME_INVALID');
      await rejects(schedules.create(operator, {...base, at: '2099-01-01T00:00:00Z'}), 2, 'SCHEDULE_TIMING_INVALID');
      await rejects(schedules.create(operator, {name: 'bad', command: 'users:list'}), 2, 'SCHEDULE_TIMING_INVALID');
      await rejects(schedules.create(operator, {...base, cron: '* * *'}), 2, 'SCHEDULE_CRON_INVALID');
      await rejects(schedules.create(operator, {...base, tz: 'Nowhere/Atlantis'}), 2, 'SCHEDULE_ZONE_INVALID');
      await rejects(
        schedules.create(operator, {name: 'bad', at: '2001-01-01T00:00:00Z', command: 'x'}),
        2,
        'SCHEDULE_AT_INVALID',
      );
      await rejects(schedules.create(operator, {...base, workflow: 'w'}), 2, 'SCHEDULE_TARGET_INVALID');
      await rejects(schedules.create(operator, {name: 'bad', cron: '* * * * *'}), 2, 'SCHEDULE_TARGET_INVALID');
      await rejects(schedules.create(operator, {...base, command: '  '}), 2, 'SCHEDULE_TARGET_INVALID');
      await rejects(schedules.create(operator, {...base, command: 'users:list "open'}), 2, 'COMMAND_LINE_INVALID');
      await rejects(schedules.create(operator, {...base, missed: 'always' as never}), 2, 'SCHEDULE_MISSED_INVALID');
      await rejects(
        schedules.create(operator, {...base, description: 'x'.repeat(501)}),
        2,
        'SCHEDULE_DESCRIPTION_INVALID',
      );
      expect((await schedules.list(operator, ALL)).items.map((item) => item.name)).not.to.include('bad');
    });

    it('answers exit 3 for an unknown schedule and exit 5 for a name taken', async () => {
      const {schedules} = t.scheduler;
      await schedules.create(operator, {name: 'taken', cron: '@daily', command: 'users:list'});
      await rejects(
        schedules.create(operator, {name: 'taken', cron: '@daily', command: 'users:list'}),
        5,
        'SCHEDULE_EXISTS',
      );
      for (const attempt of [
        () => schedules.get(operator, 'nope'),
        () => schedules.update(operator, 'nope', {description: 'x'}),
        () => schedules.pause(operator, 'nope'),
        () => schedules.resume(operator, 'nope'),
        () => schedules.delete(operator, 'nope'),
        () => schedules.run(operator, 'nope'),
        () => schedules.history(operator, 'nope', TICKS),
      ])
        await rejects(attempt(), 3, 'SCHEDULE_NOT_FOUND');
    });

    it('reads with scheduler:read and changes with scheduler:write, refusing others (audited) before any look-up', async () => {
      const {schedules} = t.scheduler;
      const nobody = await t.user('nobody@example.com', []);
      await rejects(schedules.list(nobody, ALL), 4, 'PERMISSION_DENIED');
      await rejects(schedules.get(nobody, 'does-not-exist'), 4, 'PERMISSION_DENIED');
      await rejects(
        schedules.create(viewer, {name: 'mine', cron: '@daily', command: 'users:list'}),
        4,
        'PERMISSION_DENIED',
      );
      await rejects(schedules.run(viewer, 'does-not-exist'), 4, 'PERMISSION_DENIED');
      expect(
        (await audit('scheduler.create')).filter((row) => row.result === 'denied').map((row) => row.actor),
      ).to.include('viewer@example.com');
    });

    it('a workflow target needs the workflows module (exit 6); registered, it validates and starts as the owner', async () => {
      const {schedules, planner} = t.scheduler;
      await rejects(
        schedules.create(operator, {name: 'flow', cron: '* * * * * *', workflow: 'nightly'}),
        6,
        'SCHEDULE_TARGET_UNAVAILABLE',
      );
      const workflows = fakeWorkflows();
      t.scheduler.registerTarget('workflow', workflows.target);
      await rejects(
        schedules.create(operator, {name: 'flow', cron: '* * * * * *', workflow: 'missing'}),
        3,
        'WORKFLOW_NOT_FOUND',
      );
      const view = await schedules.create(operator, {
        name: 'flow',
        cron: '* * * * * *',
        workflow: 'nightly',
        input: {days: 7},
      });
      expect(view).to.include({target: 'workflow: nightly', workflow: 'nightly'});
      expect(view.input).to.deep.equal({days: 7});
      expect(workflows.calls.at(-1)).to.deep.equal({
        method: 'validate',
        name: 'nightly',
        input: {days: 7},
        actor: 'operator@example.com',
      });
      const pass = await planner.tick(Date.parse(view.nextRunAt!));
      const claimed = pass.claimed.filter((tick) => tick.schedule === 'flow');
      expect(claimed).to.have.length(1);
      const {queue} = t.kernel.service<QueueApi>('queue');
      queue.startWorkers(['scheduler.fire']);
      try {
        const job = await queue.waitFor(claimed[0]!.jobId);
        expect(job).to.include({status: 'done', attempts: 1});
      } finally {
        await queue.stopWorkers();
      }
      expect(workflows.calls.at(-1)).to.deep.equal({
        method: 'start',
        name: 'nightly',
        input: {days: 7},
        actor: 'operator@example.com',
        tick: {schedule: 'flow', tickAt: view.nextRunAt},
      });
      const [tick] = (await schedules.history(viewer, 'flow', TICKS)).items;
      expect(tick).to.include({
        schedule: 'flow',
        tickAt: view.nextRunAt,
        status: 'ok',
        jobId: claimed[0]!.jobId,
        manual: false,
      });
      expect(tick!.reference).to.match(/^run-\d+$/);
      expect((await schedules.get(viewer, 'flow')).lastStatus).to.equal('ok');
      await schedules.pause(operator, 'flow');
      expect(() => t.scheduler.registerTarget('workflow', workflows.target))
        .to.throw()
        .with.property('code', 'SCHEDULE_TARGET_TAKEN');
    });

    it('update changes what is given; a new target makes the actor the owner, other changes keep the owner', async () => {
      const {schedules} = t.scheduler;
      await schedules.create(operator, {name: 'change-me', cron: '0 3 * * *', tz: 'UTC', command: 'users:list'});
      const described = await schedules.update(LOCAL_ADMIN, 'change-me', {description: 'nightly'});
      expect(described).to.include({description: 'nightly', owner: 'operator@example.com', updatedBy: 'local-admin'});
      const retimed = await schedules.update(operator, 'change-me', {cron: '0 4 * * *', missed: 'run-once'});
      expect(retimed).to.include({cron: '0 4 * * *', missed: 'run-once', owner: 'operator@example.com'});
      expect(new Date(retimed.nextRunAt!).getUTCHours()).to.equal(4);
      const retargeted = await schedules.update(LOCAL_ADMIN, 'change-me', {command: 'system:health'});
      expect(retargeted).to.include({command: 'system:health', owner: 'local-admin'});
      await rejects(schedules.update(operator, 'change-me', {input: {x: 1}}), 2, 'SCHEDULE_TARGET_INVALID');
      await rejects(
        schedules.update(operator, 'change-me', {cron: '0 5 * * *', at: '2099-01-01T00:00:00Z'}),
        2,
        'SCHEDULE_TIMING_INVALID',
      );
      const preview = await schedules.update(operator, 'change-me', {cron: '0 6 * * *'}, {dryRun: true});
      expect(preview.cron).to.equal('0 6 * * *');
      expect((await schedules.get(operator, 'change-me')).cron).to.equal('0 4 * * *');
    });

    it('pause stops firing; resume fires again from the next tick after now, never the ticks due meanwhile', async () => {
      const {schedules, planner} = t.scheduler;
      const created = await schedules.create(operator, {
        name: 'pausable',
        cron: '* * * * *',
        tz: 'UTC',
        command: 'users:list',
        missed: 'run-once',
      });
      const paused = await schedules.pause(operator, 'pausable');
      expect(paused).to.include({paused: true, state: 'paused', nextRunAt: null});
      expect(await schedules.pause(operator, 'pausable')).to.deep.equal(paused);
      const later = Date.parse(created.nextRunAt!) + 10 * MINUTE;
      expect((await planner.tick(later)).claimed.filter((tick) => tick.schedule === 'pausable')).to.deep.equal([]);
      const resumed = await schedules.resume(operator, 'pausable');
      expect(resumed).to.include({paused: false, state: 'scheduled'});
      expect(Date.parse(resumed.nextRunAt!))
        .to.be.greaterThan(Date.now())
        .and.at.most(Date.now() + MINUTE);
      expect((await schedules.history(operator, 'pausable', TICKS)).total).to.equal(0);
    });

    it('claims a tick once at its time, however many planners try at once, and moves on to the next', async () => {
      const {schedules, planner} = t.scheduler;
      const view = await schedules.create(operator, {
        name: 'once',
        cron: '*/10 * * * * *',
        tz: 'UTC',
        command: 'users:list',
      });
      const due = Date.parse(view.nextRunAt!);
      expect((await planner.tick(due - 1)).claimed.filter((tick) => tick.schedule === 'once')).to.deep.equal([]);
      // Two passes that both read the schedule as due, and a second server on the same database at the
      // same instant. (Two SQLite connections of one process would block each other's event loop: there
      // the second server plans just after.)
      const other = await bootScheduler(home, database);
      try {
        const passes = [
          ...(await Promise.all([
            planner.tick(due + 200),
            planner.tick(due + 300),
            ...(engine === 'mysql' ? [other.scheduler.planner.tick(due + 200)] : []),
          ])),
          await other.scheduler.planner.tick(due + 400),
        ];
        const claimed = passes.flatMap((pass) => pass.claimed).filter((tick) => tick.schedule === 'once');
        expect(claimed.map((tick) => tick.tickAt)).to.deep.equal([due]);
      } finally {
        await other.stop();
      }
      const after = await schedules.get(operator, 'once');
      expect(after.nextRunAt).to.equal(new Date(due + 10_000).toISOString());
      expect(after).to.include({lastRunAt: view.nextRunAt, lastStatus: 'pending'});
      const [tick] = (await schedules.history(operator, 'once', TICKS)).items;
      expect(tick).to.include({tickAt: view.nextRunAt, status: 'pending', manual: false});
      await schedules.pause(operator, 'once');
    });

    it('ticks missed while no server ran: skip fires none, run-once fires the latest once', async () => {
      const {schedules, planner} = t.scheduler;
      const skip = await schedules.create(operator, {
        name: 'missed-skip',
        cron: '* * * * *',
        tz: 'UTC',
        command: 'users:list',
      });
      await schedules.create(operator, {
        name: 'missed-once',
        cron: '* * * * *',
        tz: 'UTC',
        command: 'users:list',
        missed: 'run-once',
      });
      // Three hours later, 30 s past a minute: every tick since is older than the grace (10 s).
      const back = Date.parse(skip.nextRunAt!) + 3 * 60 * MINUTE + 30_000;
      const pass = await planner.tick(back);
      const mine = pass.claimed.filter((tick) => tick.schedule.startsWith('missed-'));
      expect(mine.map((tick) => [tick.schedule, new Date(tick.tickAt).toISOString()])).to.deep.equal([
        ['missed-once', new Date(back - 30_000).toISOString()],
      ]);
      for (const name of ['missed-skip', 'missed-once']) {
        expect((await schedules.get(operator, name)).nextRunAt).to.equal(new Date(back + 30_000).toISOString());
        await schedules.pause(operator, name);
      }
      expect((await schedules.history(operator, 'missed-skip', TICKS)).total).to.equal(0);
    });

    it('a one-off fires once and is then finished, kept with its history', async () => {
      const {schedules, planner} = t.scheduler;
      const at = new Date(Math.ceil((Date.now() + MINUTE) / 1000) * 1000).toISOString();
      const view = await schedules.create(operator, {name: 'one-off', at, command: 'users:list'});
      expect(view).to.include({schedule: `at ${at}`, at, nextRunAt: at});
      const first = await planner.tick(Date.parse(at) + 100);
      expect(first.claimed.filter((tick) => tick.schedule === 'one-off')).to.have.length(1);
      expect(
        (await planner.tick(Date.parse(at) + MINUTE)).claimed.filter((tick) => tick.schedule === 'one-off'),
      ).to.deep.equal([]);
      expect(await schedules.get(operator, 'one-off')).to.include({state: 'finished', nextRunAt: null, lastRunAt: at});
      expect(
        (
          await schedules.list(operator, parseListQuery({filter: ['state=finished']}, {fields: SCHEDULE_LIST_FIELDS}))
        ).items.map((item) => item.name),
      ).to.deep.equal(['one-off']);
    });

    it('fails a tick whose job was cancelled, and delete removes a schedule with its history (dry run first)', async () => {
      const {schedules, planner} = t.scheduler;
      await schedules.create(operator, {name: 'doomed', cron: '@yearly', command: 'users:list'});
      const manual = await schedules.run(operator, 'doomed');
      expect(manual).to.include({
        schedule: 'doomed',
        status: 'pending',
        manual: true,
        requestedBy: 'operator@example.com',
        waited: false,
      });
      const {queue} = t.kernel.service<QueueApi>('queue');
      await queue.cancel(LOCAL_ADMIN, manual.jobId!);
      expect(await planner.reconcile(Date.now() + MINUTE)).to.be.at.least(1);
      const [tick] = (await schedules.history(operator, 'doomed', TICKS)).items;
      expect(tick).to.include({status: 'failed', error: 'Its job was cancelled.'});
      expect(await schedules.delete(operator, 'doomed', {dryRun: true})).to.deep.equal({
        name: 'doomed',
        deleted: false,
        ticks: 1,
        dryRun: true,
      });
      let asked = '';
      expect(
        await schedules.delete(operator, 'doomed', {confirm: async (question) => void (asked = question)}),
      ).to.deep.equal({
        name: 'doomed',
        deleted: true,
        ticks: 1,
      });
      expect(asked).to.equal('Delete schedule doomed and its 1 tick of history? It stops firing at once.');
      await rejects(schedules.get(operator, 'doomed'), 3, 'SCHEDULE_NOT_FOUND');
      const all = await schedules.history(operator, undefined, TICKS);
      expect(all.items.map((item) => item.schedule)).not.to.include('doomed');
    });
  });
}
