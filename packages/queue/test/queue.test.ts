import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {LOCAL_ADMIN, resolveSystemPaths} from '@systemprompt/core';
import {Kernel, discoverModules} from '@systemprompt/core/kernel';
import {refusal, testEngines, useModuleKernel} from '@systemprompt/testing';
import {PermanentJobError, backoffDelay, type JobContext, type QueueApi} from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CORE = {Kernel, discoverModules, resolveSystemPaths, LOCAL_ADMIN};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => Promise<boolean> | boolean, ms = 10_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('backoffDelay', () => {
  it('doubles per attempt within [half, all] of the ceiling, and stops at the cap', () => {
    expect(backoffDelay(1, {baseMs: 100}, () => 0)).to.equal(50);
    expect(backoffDelay(1, {baseMs: 100}, () => 1)).to.equal(100);
    expect(backoffDelay(4, {baseMs: 100}, () => 1)).to.equal(800);
    expect(backoffDelay(30, {baseMs: 100, maxMs: 5000}, () => 1)).to.equal(5000);
  });
});

for (const engine of testEngines()) {
  describe(`QueueService [${engine}]`, function () {
    const fixture = useModuleKernel(CORE, engine, {
      root,
      boot: ['queue'],
      config: {
        queue: {
          pollMs: 20,
          leaseSeconds: 2,
          batchSize: 16,
          shutdownGraceSeconds: 1,
          queueConcurrency: {'test.capped': 2},
        },
      },
    });
    let api: QueueApi;
    let queueName: string;
    let counter = 0;

    const sql = async (statement: string, params: unknown[] = []): Promise<any[]> => {
      const service = fixture.kernel.service<{dataSource(): Promise<{query(s: string, p: unknown[]): Promise<any[]>}>}>(
        'database',
      );
      return (await service.dataSource()).query(statement, params);
    };

    before(() => {
      api = fixture.kernel.service<QueueApi>('queue');
    });
    beforeEach(() => {
      // A queue of its own per test: handlers cannot be unregistered.
      queueName = `test.q${++counter}`;
    });
    afterEach(async () => {
      await api.queue.stopWorkers();
    });

    it('runs a job once and stores its result, payload and who enqueued it', async () => {
      const seen: JobContext[] = [];
      api.queue.register(queueName, (job) => {
        seen.push(job);
        return {doubled: (job.payload as {n: number}).n * 2};
      });
      api.queue.startWorkers();
      const {id, created} = await api.queue.enqueue(queueName, {n: 21}, {actor: LOCAL_ADMIN});
      expect(created).to.equal(true);
      const job = await api.queue.waitFor(id, {pollMs: 10});
      expect(job).to.include({status: 'done', attempts: 1, createdBy: 'local-admin', leaseOwner: null});
      expect(job.result).to.deep.equal({doubled: 42});
      expect(seen.map((entry) => [entry.id, entry.attempt])).to.deep.equal([[id, 1]]);
    });

    it('adds a job once per idempotency key, in enqueue and in enqueueMany', async () => {
      const first = await api.queue.enqueue(queueName, {a: 1}, {idempotencyKey: 'order-7'});
      const again = await api.queue.enqueue(queueName, {a: 2}, {idempotencyKey: 'order-7'});
      expect(again).to.deep.equal({id: first.id, created: false});
      const many = await api.queue.enqueueMany(queueName, [
        {payload: 1, options: {idempotencyKey: 'order-7'}},
        {payload: 2, options: {idempotencyKey: 'order-8'}},
        {payload: 3},
      ]);
      expect(many[0]).to.deep.equal({id: first.id, created: false});
      expect(many[1]!.created).to.equal(true);
      expect(many[2]!.created).to.equal(true);
      const [row] = await sql(`SELECT COUNT(*) AS n FROM queue_jobs WHERE queue = ?`, [queueName]);
      expect(Number(row.n)).to.equal(3);
      // The same key in another queue is another job.
      expect((await api.queue.enqueue(`${queueName}.other`, {}, {idempotencyKey: 'order-7'})).created).to.equal(true);
    });

    it('retries a failing job with backoff and keeps the last error, then succeeds', async () => {
      let calls = 0;
      api.queue.register(
        queueName,
        () => {
          calls++;
          if (calls < 3) throw new Error(`flaky ${calls}`);
          return 'ok';
        },
        {backoff: {baseMs: 20, maxMs: 40}},
      );
      api.queue.startWorkers();
      const {id} = await api.queue.enqueue(queueName, null);
      const job = await api.queue.waitFor(id, {pollMs: 10});
      expect(job).to.include({status: 'done', attempts: 3, lastError: 'flaky 2'});
      expect(calls).to.equal(3);
    });

    it('dead-letters a job after its last attempt and emits job.failed; queue:retry puts it back', async () => {
      let fail = true;
      api.queue.register(
        queueName,
        () => {
          if (fail) throw new Error('always broken');
          return 'fixed';
        },
        {backoff: {baseMs: 5, maxMs: 5}},
      );
      api.queue.startWorkers();
      const {id} = await api.queue.enqueue(queueName, null, {maxAttempts: 2});
      const dead = await api.queue.waitFor(id, {pollMs: 10});
      expect(dead).to.include({status: 'dead', attempts: 2, lastError: 'always broken'});
      await eventually(
        async () => (await sql(`SELECT id FROM events WHERE type = 'job.failed' AND subject = ?`, [id])).length === 1,
      );
      const [event] = await sql(`SELECT payload FROM events WHERE type = 'job.failed' AND subject = ?`, [id]);
      expect(JSON.parse(event.payload)).to.deep.equal({id, queue: queueName, attempts: 2, error: 'always broken'});

      fail = false;
      const retried = await api.queue.retry(LOCAL_ADMIN, id);
      expect(retried).to.include({status: 'ready', attempts: 0});
      expect(await api.queue.waitFor(id, {pollMs: 10})).to.include({status: 'done', attempts: 1});
      const again = await refusal(api.queue.retry(LOCAL_ADMIN, id));
      expect(again).to.include({code: 'JOB_STATE', exitCode: 5});
    });

    it('fails at once, without retrying, on a PermanentJobError or a permission denied', async () => {
      api.queue.register(queueName, (job) => {
        if (job.payload === 'permanent') throw new PermanentJobError('bad payload');
        throw Object.assign(new Error('no'), {code: 'PERMISSION_DENIED', exitCode: 4});
      });
      api.queue.startWorkers();
      const permanent = await api.queue.enqueue(queueName, 'permanent');
      const denied = await api.queue.enqueue(queueName, 'denied');
      expect(await api.queue.waitFor(permanent.id, {pollMs: 10})).to.include({
        status: 'dead',
        attempts: 1,
        lastError: 'bad payload',
      });
      expect(await api.queue.waitFor(denied.id, {pollMs: 10})).to.include({
        status: 'dead',
        attempts: 1,
        lastError: 'PERMISSION_DENIED: no',
      });
    });

    it('runs no job before its time, and runs lower priority numbers first', async () => {
      const order: string[] = [];
      api.queue.register(queueName, (job) => void order.push(job.payload as string), {concurrency: 1});
      const later = await api.queue.enqueue(queueName, 'later', {delayMs: 400});
      await api.queue.enqueue(queueName, 'low', {priority: 5});
      await api.queue.enqueue(queueName, 'high', {priority: -5});
      await api.queue.enqueue(queueName, 'normal');
      api.queue.startWorkers();
      await eventually(() => order.length === 3);
      expect(order).to.deep.equal(['high', 'normal', 'low']);
      expect((await api.queue.find(later.id))!.status).to.equal('ready');
      expect((await api.queue.waitFor(later.id, {pollMs: 20})).status).to.equal('done');
      expect(order).to.deep.equal(['high', 'normal', 'low', 'later']);
    });

    it('aborts an attempt past its timeout and fails it', async () => {
      api.queue.register(
        queueName,
        (job) =>
          new Promise((_resolve, reject) =>
            job.signal.addEventListener('abort', () => reject(job.signal.reason as Error)),
          ),
        {timeoutMs: 100, maxAttempts: 1},
      );
      api.queue.startWorkers();
      const {id} = await api.queue.enqueue(queueName, null);
      const job = await api.queue.waitFor(id, {pollMs: 10});
      expect(job.status).to.equal('dead');
      expect(job.lastError).to.include('100 ms timeout');
    });

    it('takes back the jobs of a worker that died (expired lease) and runs them again', async () => {
      const ran: string[] = [];
      api.queue.register(queueName, (job) => void ran.push(`${job.id}:${job.attempt}`));
      const jobs = await api.queue.enqueueMany(queueName, [
        {payload: 1},
        {payload: 2},
        {payload: 3, options: {maxAttempts: 1}},
      ]);
      // What a server that claimed them and was then killed leaves behind.
      await sql(
        `UPDATE queue_jobs SET status = 'running', attempts = 1, lease_owner = 'gone:1:dead', lease_expires_at = ? WHERE queue = ?`,
        [Date.now() - 1, queueName],
      );
      api.queue.startWorkers();
      const [first, second, last] = await Promise.all(jobs.map((job) => api.queue.waitFor(job.id, {pollMs: 20})));
      expect(first).to.include({status: 'done', attempts: 2});
      expect(second).to.include({status: 'done', attempts: 2});
      // Its one attempt was the one that died with the server.
      expect(last!.status).to.equal('dead');
      expect(last!.lastError).to.include('lease expired');
      await eventually(
        async () =>
          (await sql(`SELECT id FROM events WHERE type = 'job.failed' AND subject = ?`, [last!.id])).length === 1,
      );
      expect(ran.sort()).to.deep.equal([`${jobs[0]!.id}:2`, `${jobs[1]!.id}:2`].sort());
    });

    it('cancels a ready job (it never runs) and aborts a running one at its next lease renewal', async () => {
      let aborted = false;
      const started: string[] = [];
      api.queue.register(
        queueName,
        (job) =>
          new Promise<void>((resolve) => {
            started.push(job.id);
            job.signal.addEventListener('abort', () => {
              aborted = true;
              resolve();
            });
          }),
        {concurrency: 1},
      );
      const running = await api.queue.enqueue(queueName, null);
      const waiting = await api.queue.enqueue(queueName, null, {delayMs: 60_000});
      api.queue.startWorkers();
      await eventually(() => started.length === 1);
      expect((await api.queue.cancel(LOCAL_ADMIN, waiting.id)).status).to.equal('cancelled');
      expect((await api.queue.cancel(LOCAL_ADMIN, running.id)).status).to.equal('cancelled');
      // Leases are renewed every leaseSeconds / 3 (2 s here).
      await eventually(() => aborted, 5000, 'the running job to see the abort');
      expect((await api.queue.find(running.id))!.status).to.equal('cancelled');
      expect(started).to.deep.equal([running.id]);
      expect(await refusal(api.queue.cancel(LOCAL_ADMIN, running.id))).to.include({code: 'JOB_STATE', exitCode: 5});
    });

    it('hands unfinished jobs back on stop, their attempt not counted', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      api.queue.register(queueName, async (job) => {
        await Promise.race([gate, new Promise((resolve) => job.signal.addEventListener('abort', resolve))]);
        job.signal.throwIfAborted();
      });
      const {id} = await api.queue.enqueue(queueName, null);
      api.queue.startWorkers();
      await eventually(async () => (await api.queue.find(id))!.status === 'running');
      await api.queue.stopWorkers();
      release();
      expect(await api.queue.find(id)).to.include({status: 'ready', attempts: 0, leaseOwner: null});
    });

    it('runs 2,000 jobs exactly once each with 4 at a time', async () => {
      const runs = new Map<string, number>();
      let active = 0;
      let most = 0;
      api.queue.register(
        queueName,
        async (job) => {
          most = Math.max(most, ++active);
          runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
          await new Promise((resolve) => setImmediate(resolve));
          active--;
        },
        {concurrency: 4},
      );
      const jobs = await api.queue.enqueueMany(
        queueName,
        Array.from({length: 2000}, (_, n) => ({payload: n})),
      );
      api.queue.startWorkers();
      await eventually(async () => {
        const [row] = await sql(`SELECT COUNT(*) AS n FROM queue_jobs WHERE queue = ? AND status = 'done'`, [
          queueName,
        ]);
        return Number(row.n) === 2000;
      }, 60_000);
      expect(runs.size).to.equal(2000);
      expect([...runs.values()].every((count) => count === 1)).to.equal(true);
      expect(jobs.every((job) => runs.has(job.id))).to.equal(true);
      expect(most).to.equal(4);
    });

    it("runs no more at once than the operator's queueConcurrency, over the owner's concurrency", async () => {
      let active = 0;
      let most = 0;
      api.queue.register(
        'test.capped',
        async () => {
          most = Math.max(most, ++active);
          await sleep(5);
          active--;
        },
        {concurrency: 8},
      );
      const jobs = await api.queue.enqueueMany(
        'test.capped',
        Array.from({length: 40}, (_, n) => ({payload: n})),
      );
      api.queue.startWorkers();
      for (const job of jobs) await api.queue.waitFor(job.id, {pollMs: 10});
      expect(most).to.equal(2);
    });

    it('checks queue:read and queue:write in the service', async () => {
      const nobody = await fixture.user(`nobody-${engine}@example.com`, []);
      const viewer = await fixture.user(`viewer-${engine}@example.com`, ['viewer']);
      const {id} = await api.queue.enqueue(queueName, null);
      const everything = {page: 1, limit: 10, filters: [], search: undefined, sort: undefined, order: 'asc'} as const;
      for (const attempt of [
        () => api.queue.list(nobody, everything),
        () => api.queue.get(nobody, id),
        () => api.queue.counts(nobody),
      ])
        expect(await refusal(attempt())).to.include({exitCode: 4});
      // A viewer reads (*:read) but changes nothing.
      expect((await api.queue.get(viewer, id)).id).to.equal(id);
      expect(await refusal(api.queue.cancel(viewer, id))).to.include({exitCode: 4});
      expect((await api.queue.find(id))!.status).to.equal('ready');
    });

    it('refuses bad names, options and oversized payloads with exit 2', async () => {
      expect(await refusal(api.queue.enqueue('Bad Name', null))).to.include({code: 'QUEUE_NAME_INVALID', exitCode: 2});
      expect(await refusal(api.queue.enqueue(queueName, null, {maxAttempts: 0}))).to.include({
        code: 'JOB_OPTIONS_INVALID',
      });
      expect(await refusal(api.queue.enqueue(queueName, 'x'.repeat(70_000)))).to.include({
        code: 'JOB_PAYLOAD_TOO_LARGE',
      });
      expect(await refusal(api.queue.get(LOCAL_ADMIN, 'nope'))).to.include({code: 'JOB_NOT_FOUND', exitCode: 3});
    });
  });
}
