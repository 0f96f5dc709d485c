#!/usr/bin/env node
// One process of the queue bench's reference: a BullMQ worker (concurrency 4) on the local Redis,
// started over IPC once the jobs are in; reports the job ids it ran. Spawned by run.mjs.
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';

const require = createRequire(fileURLToPath(new URL('../../package.json', import.meta.url)));
const {Worker} = require('bullmq');
const [queueName, redisUrl] = process.argv.slice(2);
const redis = new URL(redisUrl);
const connection = {host: redis.hostname, port: Number(redis.port || 6379), maxRetriesPerRequest: null};
const ran = [];
let worker;
const progress = setInterval(() => process.send({type: 'progress', n: ran.length}), 5);

process.on('message', async (message) => {
  if (message.type === 'work') {
    worker = new Worker(queueName, async (job) => void ran.push(job.id), {connection, concurrency: 4});
    await worker.waitUntilReady();
    process.send({type: 'working'});
  } else if (message.type === 'report') {
    await worker?.close();
    clearInterval(progress);
    process.send({type: 'report', ran});
  } else if (message.type === 'exit') process.exit(0);
});
process.send({type: 'ready'});
