import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {LOCAL_ADMIN, resolveSystemPaths} from '@systemprompt/core';
import {Kernel, discoverModules} from '@systemprompt/core/kernel';
import {
  bootModuleKernel,
  createTempHome,
  createTestDatabase,
  testEngines,
  type TempHome,
  type TestDatabase,
} from '@systemprompt/testing';
import {
  cliWith,
  eventually,
  processGone,
  startDetached,
  type StartedServer,
} from '../../../system/test/helpers/server.js';
import type {QueueApi} from '../../src/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const probe = fileURLToPath(new URL('../fixtures/probe', import.meta.url));
const CORE = {Kernel, discoverModules, resolveSystemPaths, LOCAL_ADMIN};
const JOBS = 5000;
// Long enough that a server starved of CPU on a loaded 2-core machine still renews in time.
const LEASE_SECONDS = 10;

type SqlRunner = (statement: string, params?: unknown[]) => Promise<any[]>;

/**
 * Two servers (two installations, as on two hosts) on one database, each with the probe module, whose
 * queue handler writes a row per execution: 5,000 jobs run exactly once between them; one server is
 * killed mid-run and the other takes over its leased jobs once their leases expire.
 */
for (const engine of testEngines()) {
  describe(`the queue with two servers on one database [${engine}]`, function () {
    this.timeout(240_000);
    let database: TestDatabase;
    let shared: TempHome;
    const homes: TempHome[] = [];
    const clis: Array<ReturnType<typeof cliWith>> = [];
    const servers: StartedServer[] = [];
    let enqueuer: Awaited<ReturnType<typeof bootModuleKernel>>;
    let sql: SqlRunner;

    before(async () => {
      database = await createTestDatabase(engine);
      shared = await createTempHome();
      const url = database.url ?? `sqlite://${join(shared.path, 'shared.sqlite')}`;
      enqueuer = await bootModuleKernel(CORE, {root, boot: ['queue'], home: shared, database: {...database, url}});
      const service = enqueuer.service<{dataSource(): Promise<{query: SqlRunner}>}>('database');
      const source = await service.dataSource();
      sql = (statement, params = []) => source.query(statement, params);
      for (let n = 0; n < 2; n++) {
        const home = await createTempHome();
        homes.push(home);
        const cli = cliWith({
          SYSTEMPROMPT_HOME: home.path,
          SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true',
          SYSTEMPROMPT_DATABASE_URL: url,
          SYSTEMPROMPT_QUEUE_LEASE_SECONDS: String(LEASE_SECONDS),
          SYSTEMPROMPT_QUEUE_POLL_MS: '50',
        });
        clis.push(cli);
        const link = await cli('plugins:link', probe, '--no-install');
        expect(link.exitCode, link.stderr).to.equal(0);
      }
    });
    after(async () => {
      for (const cli of clis) await cli('system:stop', '--timeout', '5');
      for (const server of servers) if (!processGone(server.pid)) process.kill(server.pid, 'SIGKILL');
      await enqueuer?.stop();
      for (const home of [...homes, shared]) await home?.remove();
      await database?.drop();
    });

    it('runs 5,000 jobs exactly once across both servers, and none is lost when one is killed mid-run', async () => {
      for (const cli of clis) servers.push(await startDetached(cli));
      const [first, second] = servers as [StartedServer, StartedServer];
      // The probe table exists once a server booted the probe module.
      await eventually(
        async () => (await sql('SELECT COUNT(*) AS n FROM queue_probe_effects').catch(() => undefined)) !== undefined,
      );

      const {queue} = enqueuer.service<QueueApi>('queue');
      const jobs = await queue.enqueueMany(
        'probe.work',
        Array.from({length: JOBS}, (_, n) => ({payload: {n, sleepMs: 2}})),
      );
      const effects = async () => Number((await sql('SELECT COUNT(*) AS n FROM queue_probe_effects'))[0].n);
      await eventually(async () => (await effects()) >= JOBS / 5, 60_000, 'a fifth of the jobs to run');
      // What the killed server holds at this moment: leased, unfinished.
      process.kill(first.pid, 'SIGKILL');
      await eventually(async () => processGone(first.pid), 10_000, 'the killed server to be gone');
      const orphaned = (await sql(
        `SELECT id FROM queue_jobs WHERE queue = 'probe.work' AND status = 'running' AND lease_owner LIKE ?`,
        [`%:${first.pid}:%`],
      )) as Array<{id: string}>;
      // The kill came mid-run: the killed server held jobs (run or not yet) it never finished.
      expect(orphaned.length, 'jobs the killed server held').to.be.greaterThan(0);

      await eventually(
        async () => {
          const [row] = await sql(
            `SELECT COUNT(*) AS n FROM queue_jobs WHERE queue = 'probe.work' AND status = 'done'`,
          );
          return Number(row.n) === JOBS;
        },
        120_000,
        'every job to be done',
      );
      const runs = (await sql('SELECT job_id AS id, pid FROM queue_probe_effects')) as Array<{id: string; pid: number}>;
      const byJob = new Map<string, number[]>();
      for (const run of runs) byJob.set(run.id, [...(byJob.get(run.id) ?? []), Number(run.pid)]);
      // None lost: every job ran, and is done.
      expect(jobs.filter((job) => !byJob.has(job.id))).to.deep.equal([]);
      // Both servers worked.
      const pids = new Set(runs.map((run) => Number(run.pid)));
      expect([...pids]).to.have.members([first.pid, second.pid]);
      // Exactly once, except a job the killed server ran but did not finish (its outcome was not written
      // when it died, or its lease ran out first on this loaded machine): that one ran again on the
      // survivor once its lease expired — once on each server, never twice on one. Which jobs those are
      // is read from what ran, not from a look at the leases after the kill: by then the survivor may
      // already have taken some of them back.
      const finishedBy = new Map(
        (
          (await sql(`SELECT id, result FROM queue_jobs WHERE queue = 'probe.work'`)) as Array<{
            id: string;
            result: string;
          }>
        ).map((row) => [String(row.id), (JSON.parse(row.result) as {pid: number}).pid]),
      );
      const unfinishedByKilled = [...byJob]
        .filter(([id, ranOn]) => ranOn.includes(first.pid) && finishedBy.get(id) !== first.pid)
        .map(([id]) => id);
      const repeated = [...byJob].filter(([, ranOn]) => ranOn.length > 1);
      for (const [id, ranOn] of repeated) {
        expect(unfinishedByKilled, `${id} ran ${ranOn.length} times (${ranOn.join(', ')})`).to.include(id);
        expect(ranOn, `${id} ran once on each server`).to.have.members([first.pid, second.pid]);
      }
      // The orphans went back to the queue only after their lease: a later attempt, on the survivor.
      const retaken = (
        unfinishedByKilled.length === 0
          ? []
          : await sql(
              `SELECT id, attempts, result FROM queue_jobs WHERE id IN (${unfinishedByKilled.map(() => '?').join(', ')})`,
              unfinishedByKilled,
            )
      ) as Array<{id: string; attempts: number; result: string}>;
      for (const row of retaken) {
        expect(Number(row.attempts), row.id).to.be.greaterThan(1);
        expect(JSON.parse(row.result), row.id).to.deep.equal({pid: second.pid});
      }
    });
  });
}
