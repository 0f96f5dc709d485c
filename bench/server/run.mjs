#!/usr/bin/env node
// Requests per second of the server's GET /health against a bare fastify hello-world, measured by
// autocannon in this process in the same run (issue 13: target >= 80% of the bare server).
//
// Both servers run as their own processes on free loopback ports: the real one with
// `system:start --detach` in a temporary home on the embedded SQLite database (every module booted
// and started, the heartbeat and the event reader running), the bare one from bare-fastify.mjs.
// Rounds alternate between the two, so that what else the machine does weighs on both alike.
// Usage: node bench/server/run.mjs [rounds] [seconds]   (defaults 5 and 5; build first: pnpm run build)
// Exit status: 0 whether or not the target is met (a bench is no test); 1 when something fails.
import {spawn, spawnSync} from 'node:child_process';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';
import {bin, cliIn, median, say, temporaryHome} from '../lib/measure.mjs';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');

const ROUNDS = Number(process.argv[2] ?? 5);
const SECONDS = Number(process.argv[3] ?? 5);
const CONNECTIONS = 10;
const TARGET = 0.8;

function startBare() {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./bare-fastify.mjs', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (chunk) => resolve({child, url: `http://127.0.0.1:${String(chunk).trim()}/`}));
  });
}

function load(url) {
  return new Promise((resolve, reject) => {
    autocannon({url, connections: CONNECTIONS, duration: SECONDS}, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
}

const home = temporaryHome();
let bare;
try {
  const server = JSON.parse(cliIn(home.home, 'system:start', '--detach', '--port', '0', '--json')).data;
  bare = await startBare();
  const health = `${server.url}/health`;
  // Warm both up (JIT, connections) before measuring.
  await load(bare.url);
  await load(health);
  const rates = {bare: [], health: []};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, url] of [
      ['bare', bare.url],
      ['health', health],
    ]) {
      const result = await load(url);
      if (result.non2xx > 0 || result.errors > 0)
        throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
      rates[name].push(result.requests.average);
    }
  }
  const bareRate = median(rates.bare);
  const healthRate = median(rates.health);
  const ratio = healthRate / bareRate;
  say(`bench/server: ${ROUNDS} rounds of ${SECONDS} s, ${CONNECTIONS} connections (autocannon)`);
  say(`  bare fastify GET /        ${Math.round(bareRate)} req/s (rounds: ${rates.bare.map(Math.round).join(', ')})`);
  say(
    `  systemprompt GET /health  ${Math.round(healthRate)} req/s (rounds: ${rates.health.map(Math.round).join(', ')})`,
  );
  say(
    `  ratio ${(ratio * 100).toFixed(1)}% of bare (target >= ${TARGET * 100}%): ${ratio >= TARGET ? 'met' : 'NOT met'}`,
  );
} catch (error) {
  process.stderr.write(`bench/server failed: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  bare?.child.kill('SIGTERM');
  spawnSync(process.execPath, [bin, 'system:stop', '--timeout', '10'], {
    env: {...process.env, SYSTEMPROMPT_HOME: home.home},
  });
  home.remove();
}
