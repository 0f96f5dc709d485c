import {expect} from 'chai';
import {LOCAL_ADMIN, parseListQuery, type Actor} from '@systemprompt/core';
import type {ApiModuleApi} from '@systemprompt/api';
import type {QueueService} from '@systemprompt/queue';
import {createTempHome, createTestDatabase, testEngines, type TempHome, type TestDatabase} from '@systemprompt/testing';
import type {UsersApi} from '@systemprompt/users';
import {TICK_LIST_FIELDS} from '../../src/index.js';
import {bootScheduler, type SchedulerKernel} from '../helpers.js';

const TICKS = parseListQuery({limit: 0}, {fields: TICK_LIST_FIELDS});

/**
 * Command targets run the built CLI as a child process, as the schedule's owner. The scheduler runs
 * in this process (its kernel on the test home and database); `run --wait` with `runHere` makes this
 * process the worker, as scheduler:run --wait does when no server runs.
 */
for (const engine of testEngines()) {
  describe(`command targets [${engine}]`, function () {
    let home: TempHome;
    let database: TestDatabase;
    let t: SchedulerKernel;
    let operator: Actor;
    let viewer: Actor;
    const saved: Record<string, string | undefined> = {};

    before(async () => {
      home = await createTempHome();
      database = await createTestDatabase(engine);
      // What the children need to reach this installation: its database, and local trust for the local operator.
      const env = {SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true', SYSTEMPROMPT_DATABASE_URL: database.url};
      for (const [name, value] of Object.entries(env)) {
        saved[name] = process.env[name];
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      t = await bootScheduler(home, database);
      operator = await t.user('operator@example.com', ['operator']);
      viewer = await t.user('viewer@example.com', ['viewer']);
    });
    after(async () => {
      await t?.stop();
      await database?.drop();
      await home?.remove();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });

    const runNow = (actor: Actor, name: string) => t.scheduler.schedules.run(actor, name, {wait: true, runHere: true});
    const job = (id: string) => t.kernel.service<{queue: QueueService}>('queue').queue.find(id);

    it('runs the command as the local operator and records its exit code and output', async () => {
      await t.scheduler.schedules.create(LOCAL_ADMIN, {name: 'version', cron: '@yearly', command: '--version'});
      const tick = await runNow(LOCAL_ADMIN, 'version');
      expect(tick).to.include({
        schedule: 'version',
        status: 'ok',
        exitCode: 0,
        error: null,
        manual: true,
        waited: true,
      });
      expect(tick.output).to.match(/^systemprompt\/\d+\.\d+\.\d+ /);
      expect(tick.durationMs).to.be.a('number');
      expect(await job(tick.jobId!)).to.include({status: 'done', attempts: 1});
    });

    it('fails the tick on a non-zero exit, keeps the output head, and never retries a command that ran', async () => {
      await t.scheduler.schedules.create(LOCAL_ADMIN, {
        name: 'missing-user',
        cron: '@yearly',
        command: 'users:get nobody@example.com --json',
      });
      const tick = await runNow(LOCAL_ADMIN, 'missing-user');
      expect(tick).to.include({status: 'failed', exitCode: 3, error: 'The command exited with 3'});
      expect(JSON.parse(tick.output!).error.code).to.equal('USER_NOT_FOUND');
      expect(await job(tick.jobId!)).to.include({status: 'dead', attempts: 1, maxAttempts: 1});
      expect((await t.scheduler.schedules.get(LOCAL_ADMIN, 'missing-user')).lastStatus).to.equal('failed');
    });

    it("runs as a user owner through a temporary API key of the user's permissions, revoked when it ends", async () => {
      await t.scheduler.schedules.create(operator, {name: 'whoami', cron: '@yearly', command: 'auth:whoami --json'});
      const tick = await runNow(operator, 'whoami');
      expect(tick, tick.output ?? '').to.include({status: 'ok', exitCode: 0});
      const me = JSON.parse(tick.output!).data;
      expect(me).to.include({kind: 'user', label: 'operator@example.com', via: 'api-key'});
      const {keys} = t.kernel.service<ApiModuleApi>('api');
      const issued = (await keys.list(LOCAL_ADMIN, {user: 'operator@example.com'})).items;
      expect(issued).to.have.length(1);
      expect(issued[0]).to.include({status: 'revoked'});
      expect(issued[0]!.name).to.match(/^scheduler whoami \d{4}-\d\d-\d\dT[\d:.]+Z [0-9a-f]{6}$/);
      expect(Date.parse(issued[0]!.expiresAt!) - Date.now()).to.be.at.most(86_400_000);
      // The operator role's permissions, not more (the api module refuses a scope the owner lacks).
      expect(issued[0]!.scopes).to.include('scheduler:*').and.not.include('*');
    });

    it('decides permissions when the tick runs: a command its owner may not run fails with exit 4', async () => {
      await t.scheduler.schedules.create(operator, {
        name: 'sneaky',
        cron: '@yearly',
        command: 'users:create --email sneaky@example.com --json',
      });
      // Someone who may change schedules but not create users takes the schedule over by changing its target.
      const changed = await t.scheduler.schedules
        .update(viewer, 'sneaky', {command: 'users:create --email sneaky@example.com --json'})
        .catch((error: {code?: string}) => error);
      expect(changed).to.include({code: 'PERMISSION_DENIED'});
      const {users, roles} = t.kernel.service<UsersApi>('users');
      await roles.grant(LOCAL_ADMIN, 'scheduler:write', {user: 'viewer@example.com'});
      expect(
        await t.scheduler.schedules.update(viewer, 'sneaky', {
          command: 'users:create --email sneaky@example.com --json',
        }),
      ).to.include({
        owner: 'viewer@example.com',
      });
      const tick = await runNow(viewer, 'sneaky');
      expect(tick).to.include({status: 'failed', exitCode: 4});
      expect(JSON.parse(tick.output!).error.code).to.equal('PERMISSION_DENIED');
      await users.setStatus(LOCAL_ADMIN, 'viewer@example.com', 'disabled');
      const refused = await runNow(operator, 'sneaky');
      expect(refused).to.include({status: 'failed', exitCode: null});
      expect(refused.error).to.match(/^SCOPE_NOT_HELD: .*disabled/);
      const history = await t.scheduler.schedules.history(operator, 'sneaky', TICKS);
      expect(history.items.map((item) => item.status)).to.deep.equal(['failed', 'failed']);
    });
  });
}
