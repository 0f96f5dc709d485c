#!/usr/bin/env node
// Webhooks benchmark: signed deliveries per second to a receiver on loopback, through the whole path
// a server takes: stored events → the dispatcher (deliveries and their jobs, one transaction per batch)
// → the queue's workers → a Standard Webhooks signature per delivery → POST over keep-alive
// connections → each attempt logged and its delivery marked succeeded. EVENTS events are emitted
// first (not timed); the clock runs from the first dispatch until the receiver has every delivery and
// the database says each succeeded. Every 50th delivery is verified with the standardwebhooks package,
// and the round fails if a delivery is lost, repeated or badly signed.
// Target (issue 17): >= 1,000 deliveries/s with signing on.
// Usage: node bench/webhooks/run.mjs [rounds] [events]   (default 3 rounds of 5,000; build first)
// MySQL/MariaDB too when SYSTEMPROMPT_TEST_MYSQL_URL is set (a database of its own, dropped after).
// Exit status: 0 whether or not the target is met (a bench is no test); 1 when a round loses or repeats a delivery.
import {createServer} from 'node:http';
import {mkdtempSync, rmSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {median, say} from '../lib/measure.mjs';

const ROUNDS = Number(process.argv[2] ?? 3);
const EVENTS = Number(process.argv[3] ?? 5000);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || !Number.isInteger(EVENTS) || EVENTS < 10) {
  process.stderr.write('usage: node bench/webhooks/run.mjs [rounds] [events]   (whole numbers; events >= 10)\n');
  process.exit(2);
}
const TARGET = 1000;

const repo = fileURLToPath(new URL('../..', import.meta.url));
const webhooksPackage = join(repo, 'packages/webhooks');
const requireFromWebhooks = createRequire(join(webhooksPackage, 'package.json'));
const {Webhook} = requireFromWebhooks('standardwebhooks');
const mysql = createRequire(join(repo, 'packages/database/package.json'))('mysql2/promise');
const {Kernel, discoverModules} = await import(join(repo, 'packages/core/dist/bundle/kernel/index.js'));
const {LOCAL_ADMIN, resolveSystemPaths} = await import(join(repo, 'packages/core/dist/bundle/index.js'));
const {bootModuleKernel} = await import(join(repo, 'packages/testing/dist/index.js'));

/** The receiver: counts webhook-ids, verifies every 50th delivery's signature. */
async function startReceiver() {
  const seen = new Map();
  let secret;
  let badSignatures = 0;
  let waiter;
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const id = request.headers['webhook-id'];
      seen.set(id, (seen.get(id) ?? 0) + 1);
      if (seen.size % 50 === 0) {
        try {
          new Webhook(secret).verify(Buffer.concat(chunks).toString(), request.headers);
        } catch {
          badSignatures++;
        }
      }
      response.writeHead(204).end();
      if (waiter && seen.size >= waiter.count) waiter.resolve();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    seen,
    setSecret: (value) => (secret = value),
    badSignatures: () => badSignatures,
    until: (count) => new Promise((resolve) => (seen.size >= count ? resolve() : (waiter = {count, resolve}))),
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))),
  };
}

async function round(engine, databaseUrl) {
  const home = mkdtempSync(join(tmpdir(), 'sp-bench-webhooks-'));
  const receiver = await startReceiver();
  const kernel = await bootModuleKernel(
    {Kernel, discoverModules, resolveSystemPaths, LOCAL_ADMIN},
    {
      root: webhooksPackage,
      boot: ['webhooks'],
      home: {path: home},
      database: {url: databaseUrl},
      config: {webhooks: {allowNetworks: ['127.0.0.1/32'], concurrency: 64}, queue: {concurrency: 64}},
    },
  );
  try {
    const {endpoints, deliveries, dispatcher} = kernel.service('webhooks');
    const {queue} = kernel.service('queue');
    const created = await endpoints.create(LOCAL_ADMIN, {url: receiver.url, events: ['bench.*']});
    receiver.setSecret(created.secret);
    for (let n = 0; n < EVENTS; n += 500)
      await Promise.all(
        Array.from({length: Math.min(500, EVENTS - n)}, (_, i) => kernel.events.emit('bench.ping', {n: n + i})),
      );
    const started = performance.now();
    queue.startWorkers(['webhooks.deliver']);
    await dispatcher.drain();
    if (process.env.BENCH_DEBUG) say(`  dispatched in ${Math.round(performance.now() - started)} ms`);
    await receiver.until(EVENTS);
    // The last outcomes are written after the answers: wait until the log says every one succeeded.
    for (;;) {
      const page = await deliveries.list(LOCAL_ADMIN, {
        page: 1,
        limit: 1,
        filters: [{field: 'status', value: 'succeeded'}],
        search: undefined,
        sort: undefined,
        order: 'asc',
      });
      if (page.total >= EVENTS) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const seconds = (performance.now() - started) / 1000;
    await queue.stopWorkers();
    const repeated = [...receiver.seen.values()].filter((count) => count > 1).length;
    const lost = EVENTS - receiver.seen.size;
    const bad = receiver.badSignatures();
    if (repeated || lost || bad) throw new Error(`${engine}: ${lost} lost, ${repeated} repeated, ${bad} badly signed`);
    return EVENTS / seconds;
  } finally {
    await kernel.stop();
    await receiver.close();
    rmSync(home, {recursive: true, force: true});
  }
}

async function mysqlDatabase() {
  const server = process.env.SYSTEMPROMPT_TEST_MYSQL_URL;
  if (!server) return undefined;
  const name = `sp_bench_webhooks_${process.pid}`;
  const url = new URL(server);
  const connection = await mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  });
  await connection.query(`CREATE DATABASE ${name}`);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    reset: async () => {
      await connection.query(`DROP DATABASE IF EXISTS ${name}`);
      await connection.query(`CREATE DATABASE ${name}`);
    },
    drop: async () => {
      await connection.query(`DROP DATABASE IF EXISTS ${name}`);
      await connection.end();
    },
  };
}

say(`webhooks bench: ${ROUNDS} round(s) of ${EVENTS} signed deliveries to a loopback receiver (target >= ${TARGET}/s)`);
let failed = false;
const engines = [['sqlite', undefined]];
const maria = await mysqlDatabase().catch((error) => say(`MariaDB skipped: ${error.message}`));
if (maria) engines.push(['mysql', maria]);
for (const [engine, database] of engines) {
  const rates = [];
  for (let n = 0; n < ROUNDS; n++) {
    try {
      if (database) await database.reset();
      rates.push(await round(engine, database?.url));
    } catch (error) {
      failed = true;
      say(`  ${engine}: round ${n + 1} failed: ${error.message}`);
    }
  }
  if (rates.length) {
    const best = median(rates);
    say(
      `  ${engine}: ${Math.round(best).toLocaleString('en')} deliveries/s (median; rounds ${rates.map((rate) => Math.round(rate)).join(', ')}) ${best >= TARGET ? 'meets' : 'misses'} the target`,
    );
  }
}
await maria?.drop();
process.exit(failed ? 1 : 0);
