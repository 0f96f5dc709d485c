#!/usr/bin/env node
// One process of the queue bench: boots the queue module (built code) on the database at argv[2] and,
// told so over IPC, enqueues jobs or works the `bench` queue with 4 workers, reporting what it ran.
// Spawned by run.mjs; not meant to be run by hand.
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const queuePackage = join(repo, 'packages/queue');
const {Kernel, discoverModules} = await import(join(repo, 'packages/core/dist/bundle/kernel/index.js'));
const {LOCAL_ADMIN, resolveSystemPaths} = await import(join(repo, 'packages/core/dist/bundle/index.js'));
const {bootModuleKernel} = await import(join(repo, 'packages/testing/dist/index.js'));

const [url, home] = process.argv.slice(2);
const kernel = await bootModuleKernel(
  {Kernel, discoverModules, resolveSystemPaths, LOCAL_ADMIN},
  {
    root: queuePackage,
    boot: ['queue'],
    home: {path: home},
    database: {url},
    // The shipped defaults (batchSize, pollMs, leaseSeconds), 4 workers.
    config: {queue: {concurrency: 4}},
  },
);
const {queue} = kernel.service('queue');

/** Every job id this process ran, in order (duplicates included), sent to the parent at the end. */
const ran = [];
queue.register('bench', (job) => void ran.push(job.id), {concurrency: 4});
const progress = setInterval(() => process.send({type: 'progress', n: ran.length}), 5);

process.on('message', async (message) => {
  try {
    if (message.type === 'enqueue') {
      const started = performance.now();
      const ids = [];
      for (let done = 0; done < message.count; done += message.chunk) {
        const size = Math.min(message.chunk, message.count - done);
        const jobs = Array.from({length: size}, (_, n) => ({payload: {n: done + n}}));
        for (const job of await queue.enqueueMany('bench', jobs)) ids.push(job.id);
      }
      process.send({type: 'enqueued', ms: performance.now() - started, ids});
    } else if (message.type === 'work') {
      queue.startWorkers(['bench']);
      process.send({type: 'working'});
    } else if (message.type === 'report') {
      await queue.stopWorkers();
      clearInterval(progress);
      const counts = await queue.counts(LOCAL_ADMIN);
      process.send({type: 'report', ran, counts: counts.find((entry) => entry.queue === 'bench')});
    } else if (message.type === 'exit') {
      await kernel.stop();
      process.exit(0);
    }
  } catch (error) {
    process.send({type: 'error', message: String(error?.stack ?? error)});
  }
});
process.send({type: 'ready'});
