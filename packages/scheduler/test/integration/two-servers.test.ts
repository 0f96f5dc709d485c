import {expect} from 'chai';
import {createTempHome, createTestDatabase, type TempHome, type TestDatabase} from '@systemprompt/testing';
import {cliWith, startDetached} from '../../../system/test/helpers/server.js';
import {eventually} from '../helpers.js';

type Cli = ReturnType<typeof cliWith>;

interface Tick {
  schedule: string;
  tickAt: string;
  jobId: string | null;
  status: string;
  exitCode: number | null;
  manual: boolean;
  claimedBy: string;
}

/** The data of a command that must succeed with --json. */
async function data<T>(cli: Cli, ...args: string[]): Promise<T> {
  const run = await cli(...args, '--json');
  expect(run.exitCode, `${args.join(' ')}: ${run.stderr}${run.stdout}`).to.equal(0);
  return JSON.parse(run.stdout).data as T;
}

const ticksOf = (cli: Cli, name: string) => data<Tick[]>(cli, 'scheduler:history', name, '--limit', '0');
const seconds = (ticks: readonly Tick[]) => ticks.map((tick) => Date.parse(tick.tickAt)).sort((a, b) => a - b);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until no tick of `name` is pending or running (the last ones may still be running their command). */
const settled = (cli: Cli, name: string) =>
  eventually(
    async () => (await ticksOf(cli, name)).every((tick) => tick.status === 'ok' || tick.status === 'failed'),
    30_000,
    `the ticks of ${name} to finish`,
  );

/**
 * Two installations (two homes, as on two hosts) on one MariaDB database, each with its server and
 * its planner: each tick of a schedule is fired by one of them, once.
 */
(process.env.SYSTEMPROMPT_TEST_MYSQL_URL ? describe : describe.skip)(
  'scheduler on two servers on one MariaDB database [mysql]',
  function () {
    this.timeout(240_000);
    let database: TestDatabase;
    const homes: TempHome[] = [];
    let cliA: Cli;
    let cliB: Cli;

    before(async () => {
      database = await createTestDatabase('mysql');
      homes.push(await createTempHome(), await createTempHome());
      const env = (home: TempHome) => ({
        SYSTEMPROMPT_HOME: home.path,
        SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true',
        // A tick more than 2 s late counts as missed (the default is 10 s): keeps the missed-ticks test short.
        SYSTEMPROMPT_SCHEDULER_GRACE_SECONDS: '2',
        ...database.env,
      });
      cliA = cliWith(env(homes[0]!));
      cliB = cliWith(env(homes[1]!));
      await startDetached(cliA);
      await startDetached(cliB);
    });
    after(async () => {
      await cliA?.('system:stop', '--timeout', '10');
      await cliB?.('system:stop', '--timeout', '10');
      for (const home of homes) await home.remove();
      await database?.drop();
    });

    it('fires each tick of an every-second schedule exactly once over 20 s', async () => {
      await data(
        cliA,
        'scheduler:create',
        'every-second',
        '--cron',
        '* * * * * *',
        '--tz',
        'UTC',
        '--command',
        '--version',
      );
      await sleep(20_000);
      await data(cliB, 'scheduler:pause', 'every-second');
      await settled(cliA, 'every-second');

      const ticks = await ticksOf(cliA, 'every-second');
      const times = seconds(ticks);
      expect(times.length, 'ticks in 20 s').to.be.within(18, 22);
      // One row per second, no gaps (the primary key already forbids two rows of one tick).
      for (let index = 1; index < times.length; index++)
        expect(times[index]! - times[index - 1]!, new Date(times[index]!).toISOString()).to.equal(1000);
      for (const tick of ticks)
        expect(tick, JSON.stringify(tick)).to.include({status: 'ok', exitCode: 0, manual: false});
      // Which server claimed which tick (both usually do; either may take all).
      const byProcess = new Map<string, number>();
      for (const tick of ticks) byProcess.set(tick.claimedBy, (byProcess.get(tick.claimedBy) ?? 0) + 1);
      process.stdout.write(`      ticks claimed per server: ${JSON.stringify(Object.fromEntries(byProcess))}\n`);

      // One schedule.fired per tick, whichever server wrote it.
      const events = await data<Array<{subject: string; payload: {tickAt: string; jobId: string}}>>(
        cliB,
        'system:events',
        '--type',
        'schedule.fired',
        '--limit',
        '10000',
      );
      const fired = events
        .filter((event) => event.subject === 'every-second')
        .map((event) => event.payload.tickAt)
        .sort();
      expect(fired).to.deep.equal(ticks.map((tick) => tick.tickAt).sort());

      // One job per tick, run once.
      const jobs = await data<Array<{id: string; status: string; attempts: number; idempotencyKey: string}>>(
        cliA,
        'queue:jobs',
        '--filter',
        'queue=scheduler.fire',
        '--limit',
        '0',
      );
      expect(jobs.map((job) => job.id).sort()).to.deep.equal(ticks.map((tick) => tick.jobId).sort());
      for (const job of jobs) expect(job, JSON.stringify(job)).to.include({status: 'done', attempts: 1});
    });

    it('fires no missed tick under skip and the latest one under run-once when a server comes back', async () => {
      await cliA('system:stop', '--timeout', '10');
      await cliB('system:stop', '--timeout', '10');
      const first: number[] = [];
      for (const policy of ['skip', 'run-once']) {
        const view = await data<{nextRunAt: string}>(
          cliA,
          'scheduler:create',
          `gap-${policy}`,
          '--cron',
          '* * * * * *',
          '--tz',
          'UTC',
          '--command',
          '--version',
          '--missed',
          policy,
        );
        first.push(Date.parse(view.nextRunAt));
      }
      // No server for 5 s (plus the start-up): the first ticks are more than 2 s late when the planner comes back.
      await sleep(5000);
      await startDetached(cliA);
      await sleep(3000);
      for (const policy of ['skip', 'run-once']) await data(cliA, 'scheduler:pause', `gap-${policy}`);
      for (const policy of ['skip', 'run-once']) await settled(cliA, `gap-${policy}`);

      const skipped = seconds(await ticksOf(cliA, 'gap-skip'));
      const once = seconds(await ticksOf(cliA, 'gap-run-once'));
      // The first pass planned both at one instant: skip started at the first tick on time, run-once one
      // second before it (the latest missed tick), and both ran every second after that.
      expect(skipped[0]! - first[0]!, 'the ticks missed while no server ran').to.be.at.least(3000);
      expect(once[0]).to.equal(skipped[0]! - 1000);
      const both = Math.min(skipped.length, once.length - 1);
      expect(once.slice(1, 1 + both)).to.deep.equal(skipped.slice(0, both));
      for (const times of [skipped, once])
        for (let index = 1; index < times.length; index++) expect(times[index]! - times[index - 1]!).to.equal(1000);
    });
  },
);
