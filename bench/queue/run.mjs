#!/usr/bin/env node
// Queue benchmark: jobs enqueued and processed per second by the durable queue, on SQLite and on
// MySQL/MariaDB, with BullMQ on the local Redis as the reference in the same run. Each case: one
// process enqueues JOBS jobs (enqueueMany / addBulk, chunks of 1,000), then 1 or 2 processes with 4
// workers each run them all with a handler that only records the job id; the clock stops when every
// job has run. Each round checks that every job ran exactly once (0 duplicates, 0 lost) and, for our
// queue, that the database holds every job as done.
// Targets (issue 15): >= 30,000 jobs/s processed on SQLite (one process x 4 workers) and >= 6,500 on
// MariaDB (2 processes x 4 workers).
// Usage: node bench/queue/run.mjs [rounds] [jobs]   (default 3 rounds of 20,000 jobs; build first)
// MySQL/MariaDB at SYSTEMPROMPT_TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306/test), Redis at
// SYSTEMPROMPT_BENCH_REDIS_URL (default redis://127.0.0.1:6379); a case whose server is unreachable is skipped.
// Exit status: 0 whether or not targets are met (a bench is no test); 1 when a round fails or loses or repeats a job.
import {fork} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {median, say} from '../lib/measure.mjs';

const ROUNDS = Number(process.argv[2] ?? 3);
const JOBS = Number(process.argv[3] ?? 20_000);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || !Number.isInteger(JOBS) || JOBS < 100) {
  process.stderr.write('usage: node bench/queue/run.mjs [rounds] [jobs]   (whole numbers; jobs >= 100)\n');
  process.exit(2);
}
const CHUNK = 1000;
const TARGETS = {sqlite: 30_000, mysql: 6_500};

const repo = fileURLToPath(new URL('../..', import.meta.url));
const requireFromRepo = createRequire(join(repo, 'packages/database/package.json'));
const mysql = requireFromRepo('mysql2/promise');
const mysqlServer = new URL(process.env.SYSTEMPROMPT_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');
const redisUrl = process.env.SYSTEMPROMPT_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A child speaking the workers' IPC protocol: `send` a message, `next(type)` waits for the next one of that type. */
function child(script, args) {
  const proc = fork(script, args, {stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
  const waiting = new Map();
  const inbox = new Map();
  let progress = 0;
  let failure;
  proc.on('message', (message) => {
    if (message.type === 'progress') return void (progress = message.n);
    if (message.type === 'error') failure = new Error(message.message);
    const resolve = waiting.get(message.type);
    if (resolve) {
      waiting.delete(message.type);
      resolve(message);
    } else inbox.set(message.type, message);
  });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  return {
    send: (message) => proc.send(message),
    next: (type) =>
      new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        const queued = inbox.get(type);
        if (queued) {
          inbox.delete(type);
          return resolve(queued);
        }
        waiting.set(type, resolve);
        exited.then((code) => reject(failure ?? new Error(`${script} exited (${code}) while this waited for ${type}`)));
      }),
    get progress() {
      if (failure) throw failure;
      return progress;
    },
    async close() {
      proc.send({type: 'exit'});
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      proc.kill('SIGKILL');
    },
  };
}

async function untilAllRan(workers, total) {
  while (workers.reduce((sum, worker) => sum + worker.progress, 0) < total)
    await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Every enqueued id ran exactly once, and no other id ran. */
function tally(enqueued, reports) {
  const ran = reports.flatMap((report) => report.ran.map(String));
  const counts = new Map();
  for (const id of ran) counts.set(id, (counts.get(id) ?? 0) + 1);
  const duplicates = [...counts.values()].filter((count) => count > 1).length;
  const lost = enqueued.filter((id) => !counts.has(String(id))).length;
  return {duplicates, lost, extra: counts.size - (enqueued.length - lost)};
}

async function ourRound(processes, url, home) {
  const workers = Array.from({length: processes}, (_, n) => {
    const processHome = join(home, `p${n}`);
    return child(fileURLToPath(new URL('./worker.mjs', import.meta.url)), [url, processHome]);
  });
  try {
    await Promise.all(workers.map((worker) => worker.next('ready')));
    workers[0].send({type: 'enqueue', count: JOBS, chunk: CHUNK});
    const {ms: enqueueMs, ids} = await workers[0].next('enqueued');
    const started = performance.now();
    for (const worker of workers) worker.send({type: 'work'});
    await untilAllRan(workers, JOBS);
    const processMs = performance.now() - started;
    for (const worker of workers) worker.send({type: 'report'});
    const reports = await Promise.all(workers.map((worker) => worker.next('report')));
    const check = tally(ids, reports);
    // Each worker counts after its own stop has written its last outcomes: the one that counted last
    // saw every worker's (another's count may precede that worker's final writes).
    const done = Math.max(...reports.map((report) => report.counts?.done ?? 0));
    return {enqueueRate: (JOBS / enqueueMs) * 1000, processRate: (JOBS / processMs) * 1000, ...check, stored: done};
  } finally {
    await Promise.all(workers.map((worker) => worker.close()));
  }
}

async function bullRound(processes) {
  const {Queue} = createRequire(join(repo, 'package.json'))('bullmq');
  const redis = new URL(redisUrl);
  const name = `systemprompt-bench-${process.pid}-${Date.now()}`;
  const queue = new Queue(name, {connection: {host: redis.hostname, port: Number(redis.port || 6379)}});
  const workers = Array.from({length: processes}, () =>
    child(fileURLToPath(new URL('./bull-worker.mjs', import.meta.url)), [name, redisUrl]),
  );
  try {
    await Promise.all(workers.map((worker) => worker.next('ready')));
    const enqueueStarted = performance.now();
    const ids = [];
    for (let done = 0; done < JOBS; done += CHUNK) {
      const size = Math.min(CHUNK, JOBS - done);
      const jobs = await queue.addBulk(Array.from({length: size}, (_, n) => ({name: 'bench', data: {n: done + n}})));
      for (const job of jobs) ids.push(job.id);
    }
    const enqueueMs = performance.now() - enqueueStarted;
    const started = performance.now();
    for (const worker of workers) worker.send({type: 'work'});
    await untilAllRan(workers, JOBS);
    const processMs = performance.now() - started;
    for (const worker of workers) worker.send({type: 'report'});
    const reports = await Promise.all(workers.map((worker) => worker.next('report')));
    const check = tally(ids, reports);
    const completed = await queue.getJobCountByTypes('completed');
    return {
      enqueueRate: (JOBS / enqueueMs) * 1000,
      processRate: (JOBS / processMs) * 1000,
      ...check,
      stored: completed,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.close()));
    await queue.obliterate({force: true}).catch(() => {});
    await queue.close();
  }
}

async function reachable(check) {
  try {
    await check();
    return true;
  } catch {
    return false;
  }
}

const admin = () =>
  mysql.createConnection({
    host: mysqlServer.hostname,
    port: Number(mysqlServer.port || 3306),
    user: decodeURIComponent(mysqlServer.username || 'root'),
    password: decodeURIComponent(mysqlServer.password),
  });

async function redisUp() {
  const net = await import('node:net');
  const redis = new URL(redisUrl);
  await new Promise((resolve, reject) => {
    const socket = net.connect(Number(redis.port || 6379), redis.hostname, () => {
      socket.write('PING\r\n');
    });
    socket.once('data', (data) => {
      socket.end();
      return String(data).startsWith('+PONG') ? resolve() : reject(new Error(String(data)));
    });
    socket.once('error', reject);
    socket.setTimeout(1000, () => reject(new Error('timeout')));
  });
}

// SQLite has one writer: the embedded default runs one server, so its target is one process; two
// processes on one file are shown for comparison (they take turns at the write lock).
const mysqlUp = async () => (await admin()).end();
const cases = [
  {name: 'sqlite', engine: 'sqlite', processes: 1, label: 'systemprompt, SQLite, 1 x 4'},
  {name: 'sqlite2', engine: 'sqlite', processes: 2, label: 'systemprompt, SQLite, 2 x 4'},
  {name: 'mysql', engine: 'mysql', processes: 2, label: 'systemprompt, MariaDB, 2 x 4', up: mysqlUp},
  {name: 'bullmq', engine: 'bullmq', processes: 2, label: 'BullMQ, Redis, 2 x 4 (reference)', up: redisUp},
];

say(`Queue bench: ${JOBS} jobs per round, processes x 4 workers each, ${ROUNDS} round(s)`);
const results = {};
let failed = false;
for (const entry of cases) {
  if (entry.up && !(await reachable(entry.up))) {
    say(`  ${entry.label}: skipped (server unreachable)`);
    continue;
  }
  results[entry.name] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const home = mkdtempSync(join(tmpdir(), 'systemprompt-bench-queue-'));
    const database = `sp_bench_queue_${process.pid}_${round}`;
    try {
      let result;
      if (entry.engine === 'bullmq') result = await bullRound(entry.processes);
      else if (entry.engine === 'sqlite')
        result = await ourRound(entry.processes, `sqlite://${join(home, 'queue.sqlite')}`, home);
      else {
        const connection = await admin();
        await connection.query(`CREATE DATABASE \`${database}\``);
        await connection.end();
        const url = new URL(mysqlServer);
        url.pathname = `/${database}`;
        result = await ourRound(entry.processes, url.toString(), home);
      }
      results[entry.name].push(result);
      const bad = result.duplicates > 0 || result.lost > 0 || result.extra > 0 || result.stored !== JOBS;
      if (bad) failed = true;
      say(
        `  ${entry.label} round ${round}: enqueued ${Math.round(result.enqueueRate)}/s, processed ${Math.round(result.processRate)}/s; ` +
          `duplicates ${result.duplicates}, lost ${result.lost}, stored as done ${result.stored}${bad ? '  <-- WRONG' : ''}`,
      );
    } catch (error) {
      failed = true;
      say(`  ${entry.label} round ${round}: FAILED ${error?.stack ?? error}`);
    } finally {
      if (entry.engine === 'mysql') {
        const connection = await admin().catch(() => undefined);
        await connection?.query(`DROP DATABASE IF EXISTS \`${database}\``);
        await connection?.end();
      }
      rmSync(home, {recursive: true, force: true});
    }
  }
}

say();
say('| case | enqueued jobs/s | processed jobs/s | vs BullMQ (processed) | target |');
say('|---|---|---|---|---|');
const bull = results.bullmq?.length ? median(results.bullmq.map((result) => result.processRate)) : undefined;
for (const entry of cases) {
  const rounds = results[entry.name];
  if (!rounds?.length) continue;
  const enqueue = median(rounds.map((result) => result.enqueueRate));
  const processed = median(rounds.map((result) => result.processRate));
  const target = TARGETS[entry.name];
  say(
    `| ${entry.label} | ${Math.round(enqueue)} | ${Math.round(processed)} | ${bull ? `${Math.round((processed / bull) * 100)}%` : 'n/a'} | ${
      target ? `>= ${target} ${processed >= target ? 'met' : 'NOT met'}` : ''
    } |`,
  );
}
process.exit(failed ? 1 : 0);
