import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {LOCAL_ADMIN, resolveSystemPaths} from '@systemprompt/core';
import {Kernel, discoverModules} from '@systemprompt/core/kernel';
import {bootModuleKernel, describeEachEngine, expectFailure} from '@systemprompt/testing';
import type {QueueApi} from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CORE = {Kernel, discoverModules, resolveSystemPaths, LOCAL_ADMIN};

describeEachEngine('queue commands', {root}, (t) => {
  /** Jobs put straight into the database by a kernel of this process: a dead one, a ready one, a done one. */
  async function seed(): Promise<{dead: string; ready: string; done: string}> {
    const kernel = await bootModuleKernel(CORE, {root, boot: ['queue'], home: t.home, database: t.database});
    try {
      const {queue} = kernel.service<QueueApi>('queue');
      const [dead, ready, done] = await queue.enqueueMany('mail.send', [
        {payload: {to: 'a@example.com'}},
        {payload: {to: 'b@example.com'}, options: {delayMs: 3_600_000}},
        {payload: {to: 'c@example.com'}},
      ]);
      const source = await kernel
        .service<{dataSource(): Promise<{query(s: string, p: unknown[]): Promise<unknown>}>}>('database')
        .dataSource();
      await source.query(`UPDATE queue_jobs SET status = 'dead', attempts = 5, last_error = 'SMTP down' WHERE id = ?`, [
        dead!.id,
      ]);
      await source.query(`UPDATE queue_jobs SET status = 'done', attempts = 1, result = '{"sent":true}' WHERE id = ?`, [
        done!.id,
      ]);
      return {dead: dead!.id, ready: ready!.id, done: done!.id};
    } finally {
      await kernel.stop();
    }
  }

  it('queue:status counts the jobs per queue and state', async () => {
    await seed();
    const run = await t.cli('queue:status', '--json');
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.json().data).to.deep.equal([
      {queue: 'mail.send', ready: 1, due: 0, running: 0, done: 1, dead: 1, cancelled: 0},
    ]);
    const table = await t.cli('queue:status');
    expect(table.stdout).to.match(/mail\.send\s+1\s+0\s+0\s+1\s+1\s+0/);
  });

  it('queue:jobs lists and filters, queue:job shows one with its payload and result', async () => {
    const {dead, done} = await seed();
    const dead1 = await t.cli('queue:jobs', '--filter', 'status=dead', '--json');
    expect(dead1.exitCode, dead1.stderr).to.equal(0);
    expect(dead1.json().data.map((job: {id: string}) => job.id)).to.deep.equal([dead]);
    const all = await t.cli('queue:jobs', '--json');
    expect(all.json().data).to.have.length(3);
    expect(all.json().meta).to.include({total: 3});
    const one = await t.cli('queue:job', done, '--json');
    expect(one.json().data).to.include({id: done, status: 'done', attempts: 1});
    expect(one.json().data.payload).to.deep.equal({to: 'c@example.com'});
    expect(one.json().data.result).to.deep.equal({sent: true});
    expect((await t.cli('queue:jobs', '--filter', 'status=nope', '--json')).json().data).to.deep.equal([]);
    expect((await t.cli('queue:jobs', '--filter', 'payload=x', '--json')).exitCode).to.equal(2);
    expectFailure(await t.cli('queue:job', 'missing', '--json'), 3, 'JOB_NOT_FOUND');
  });

  it('queue:retry puts a dead job back; queue:cancel stops a ready one; wrong states are exit 5', async () => {
    const {dead, ready, done} = await seed();
    const retried = await t.cli('queue:retry', dead, '--json');
    expect(retried.exitCode, retried.stderr).to.equal(0);
    expect(retried.json().data).to.include({id: dead, status: 'ready', attempts: 0, lastError: 'SMTP down'});
    const cancelled = await t.cli('queue:cancel', ready, '--json');
    expect(cancelled.json().data).to.include({id: ready, status: 'cancelled'});
    expectFailure(await t.cli('queue:retry', done, '--json'), 5, 'JOB_STATE');
    expectFailure(await t.cli('queue:cancel', done, '--json'), 5, 'JOB_STATE');
    expectFailure(await t.cli('queue:retry', 'missing', '--json'), 3, 'JOB_NOT_FOUND');
  });
});
