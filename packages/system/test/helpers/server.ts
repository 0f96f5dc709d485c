import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {expect} from 'chai';
import {APP_BIN, spawnCli, type SpawnResult} from '@systemprompt/testing';
import {parsePrometheusText, type MetricFamily} from '@systemprompt/core';

/** The system module's test fixtures (module packages linked into a test home). */
export const fixture = (name: string): string => new URL(`../fixtures/${name}`, import.meta.url).pathname;

/** Runs the real CLI (the built bin) as a child process with `env`. */
export const cliWith =
  (env: Record<string, string | undefined>) =>
  (...args: string[]): Promise<SpawnResult> =>
    spawnCli(APP_BIN, args, {env, timeoutMs: 120_000});

export interface StartedServer {
  pid: number;
  port: number;
  url: string;
}

/** `system:start --detach --port 0 --json`, checked. */
export async function startDetached(cli: ReturnType<typeof cliWith>): Promise<StartedServer> {
  const run = await cli('system:start', '--detach', '--port', '0', '--json');
  expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
  return JSON.parse(run.stdout).data as StartedServer;
}

/** The local server token the server wrote into the data directory. */
export const serverToken = (home: string): string => readFileSync(join(home, 'data', 'server.token'), 'utf8').trim();

/** GET /metrics with a bearer credential, parsed. */
export async function scrape(url: string, credential: string): Promise<MetricFamily[]> {
  const response = await fetch(`${url}/metrics`, {headers: {authorization: `Bearer ${credential}`}});
  expect(response.status).to.equal(200);
  expect(response.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

/** The value of the sample `name` (`x`, or `x_count` of a histogram) with `labels` (0 when there is none yet). */
export function sampleValue(
  families: readonly MetricFamily[],
  name: string,
  labels: Record<string, string> = {},
): number {
  const sample = families
    .flatMap((family) => family.samples)
    .find(
      (candidate) =>
        candidate.name === name && Object.entries(labels).every(([key, value]) => candidate.labels[key] === value),
    );
  return sample?.value ?? 0;
}

/** Polls `check` until it returns true or `ms` pass. */
export async function eventually(check: () => Promise<boolean>, ms = 10_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not hold within ${ms} ms`);
}

/** Whether a process is gone (or a zombie nobody reaped). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
