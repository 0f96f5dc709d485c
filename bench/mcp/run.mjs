#!/usr/bin/env node
// tools/call of `system_ping` per second through the real server's /mcp (API key, RBAC, rate limits,
// audit record and metrics on every call) against a bare official-SDK server with bearer auth, both
// driven by the official client in this process, sequentially and with 8 calls in flight, in both
// protocol eras (issue 14: target >= 90% of the bare server's throughput).
//
// The real server runs with `system:start --detach` in a temporary home on the embedded SQLite
// database; the bare one from bare-mcp.mjs. Rounds alternate between the two.
// Usage: node bench/mcp/run.mjs [rounds] [seconds]   (defaults 5 and 3; build first: pnpm run build)
// Exit status: 0 whether or not the target is met (a bench is no test); 1 when something fails.
import {spawn, spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client';
import {bin, cliIn, median, say, temporaryHome} from '../lib/measure.mjs';

const ROUNDS = Number(process.argv[2] ?? 5);
const SECONDS = Number(process.argv[3] ?? 3);
const TARGET = 0.9;
const BARE_TOKEN = 'bench-token-0123456789abcdef';

function startBare() {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./bare-mcp.mjs', import.meta.url)), BARE_TOKEN], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (chunk) => resolve({child, url: `http://127.0.0.1:${String(chunk).trim()}/mcp`}));
  });
}

async function connect(url, credential, era) {
  const client = new Client(
    {name: 'bench', version: '1.0.0'},
    {versionNegotiation: {mode: era === 'modern' ? {pin: '2026-07-28'} : 'legacy'}},
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {requestInit: {headers: {authorization: `Bearer ${credential}`}}}),
  );
  return client;
}

/** Calls per second of `tool` with `inFlight` loops sharing one client, for SECONDS. */
async function rate(client, inFlight, tool = 'system_ping') {
  const until = performance.now() + SECONDS * 1000;
  let calls = 0;
  const loop = async () => {
    while (performance.now() < until) {
      const result = await client.callTool({name: tool, arguments: {}});
      if (result.isError) throw new Error(`${tool} failed: ${JSON.stringify(result.content)}`);
      calls++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({length: inFlight}, loop));
  return calls / ((performance.now() - started) / 1000);
}

/** A viewer's API key in `home`. */
function viewerKey(home) {
  cliIn(home, 'users:create', '--email', 'bench@example.com', '--role', 'viewer');
  return JSON.parse(
    cliIn(home, 'api:keys:create', '--user', 'bench@example.com', '--name', 'bench', '--scope', '*:read', '--json'),
  ).data.key;
}

/** A new installation with tracing on or off, its server started; a viewer's key. */
function installation(settings) {
  const home = temporaryHome();
  const key = viewerKey(home.home);
  for (const [name, value] of Object.entries(settings)) cliIn(home.home, 'config:set', name, String(value));
  const server = JSON.parse(cliIn(home.home, 'system:start', '--detach', '--port', '0', '--json')).data;
  return {home, key, url: `${server.url}/mcp`};
}

/**
 * Tracing on with its defaults (spans of the request, the tool call and every database statement, kept
 * in the local store; every trace while there are at most 10 a second) against tracing off, and, for
 * information, every call traced; on new installations made alike (so that neither carries
 * the other's earlier load in its tables), on a tool that reads the database (users_list), 8 calls in
 * flight. Target: on >= 90% of off.
 */
async function tracingCost() {
  const installations = {};
  try {
    installations.off = installation({'system.tracing': false});
    installations.on = installation({'system.tracing': true});
    installations.all = installation({'system.maxTracesPerSecond': 0});
    const clients = {};
    for (const [name, {url, key}] of Object.entries(installations)) clients[name] = await connect(url, key, 'modern');
    const rates = {on: [], off: [], all: []};
    for (const client of Object.values(clients)) await rate(client, 8, 'users_list');
    for (let round = 0; round < ROUNDS; round++)
      for (const name of ['off', 'on', 'all']) rates[name].push(await rate(clients[name], 8, 'users_list'));
    for (const client of Object.values(clients)) await client.close();
    const ratio = median(rates.on) / median(rates.off);
    say('  tracing, 2026-07-28, users_list, 8 in flight (new installations)');
    say(
      `    tracing off          ${Math.round(median(rates.off))} calls/s (rounds: ${rates.off.map(Math.round).join(', ')})`,
    );
    say(
      `    tracing on           ${Math.round(median(rates.on))} calls/s (rounds: ${rates.on.map(Math.round).join(', ')})`,
    );
    // For information: every call traced (maxTracesPerSecond 0), no target.
    say(
      `    every call traced    ${Math.round(median(rates.all))} calls/s (rounds: ${rates.all.map(Math.round).join(', ')}), ${((median(rates.all) / median(rates.off)) * 100).toFixed(1)}% of off`,
    );
    say(
      `    ratio ${(ratio * 100).toFixed(1)}% of off (target >= ${TARGET * 100}%): ${ratio >= TARGET ? 'met' : 'NOT met'}`,
    );
  } finally {
    for (const {home} of Object.values(installations)) {
      spawnSync(process.execPath, [bin, 'system:stop', '--timeout', '10'], {
        env: {...process.env, SYSTEMPROMPT_HOME: home.home},
      });
      home.remove();
    }
  }
}

const home = temporaryHome();
let bare;
try {
  const key = viewerKey(home.home);
  const server = JSON.parse(cliIn(home.home, 'system:start', '--detach', '--port', '0', '--json')).data;
  bare = await startBare();
  say(`bench/mcp: tools/call system_ping, ${ROUNDS} rounds of ${SECONDS} s, the official client in this process`);
  for (const era of ['legacy', 'modern']) {
    const clients = {
      bare: await connect(bare.url, BARE_TOKEN, era),
      systemprompt: await connect(`${server.url}/mcp`, key, era),
    };
    for (const inFlight of [1, 8]) {
      const rates = {bare: [], systemprompt: []};
      // Warm up both (JIT, connections) before measuring.
      for (const client of Object.values(clients)) await rate(client, inFlight);
      for (let round = 0; round < ROUNDS; round++)
        for (const name of ['bare', 'systemprompt']) rates[name].push(await rate(clients[name], inFlight));
      const bareRate = median(rates.bare);
      const ours = median(rates.systemprompt);
      const ratio = ours / bareRate;
      const label = `${era === 'legacy' ? '2025-11-25' : '2026-07-28'}, ${inFlight === 1 ? 'sequential' : '8 in flight'}`;
      say(`  ${label}`);
      say(
        `    bare SDK server      ${Math.round(bareRate)} calls/s (rounds: ${rates.bare.map(Math.round).join(', ')})`,
      );
      say(
        `    systemprompt /mcp    ${Math.round(ours)} calls/s (rounds: ${rates.systemprompt.map(Math.round).join(', ')})`,
      );
      say(
        `    ratio ${(ratio * 100).toFixed(1)}% of bare (target >= ${TARGET * 100}%): ${ratio >= TARGET ? 'met' : 'NOT met'}`,
      );
    }
    for (const client of Object.values(clients)) await client.close();
  }
  await tracingCost();
} catch (error) {
  process.stderr.write(`bench/mcp failed: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  bare?.child.kill('SIGTERM');
  spawnSync(process.execPath, [bin, 'system:stop', '--timeout', '10'], {
    env: {...process.env, SYSTEMPROMPT_HOME: home.home},
  });
  home.remove();
}
