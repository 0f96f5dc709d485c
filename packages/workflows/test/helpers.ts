import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import type {AddressInfo} from 'node:net';
import {expect} from 'chai';
import {ok, type EngineFixture} from '@systemprompt/testing';

export {cliWith, eventually, processGone, startDetached} from '../../system/test/helpers/server.js';

/** One request the receiver got. */
export interface Hit {
  path: string;
  method: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What the receiver answers for a path; `hold` keeps the request open until `release()` (or forever). */
export type Answer = {status?: number; body?: unknown; delayMs?: number; hold?: boolean};
type Route = (hit: Hit, count: number) => Answer;

/**
 * An HTTP server on a free loopback port that the workflows under test call: it counts the hits per
 * path, keeps each request, and answers as each path's route says (200 with the request echoed by
 * default).
 */
export interface Receiver {
  url: string;
  hits: Hit[];
  count(path: string): number;
  route(path: string, answer: Route): void;
  /** Resolves once `path` was hit `times` times. */
  waitFor(path: string, times?: number, ms?: number): Promise<Hit>;
  /** Answers the requests held open (200). */
  release(): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const hits: Hit[] = [];
  const routes = new Map<string, Route>();
  const held = new Set<ServerResponse>();
  const waiters = new Set<() => void>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://receiver').pathname;
      const hit: Hit = {
        path,
        method: request.method ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      };
      hits.push(hit);
      const count = hits.filter((each) => each.path === path).length;
      for (const wake of waiters) wake();
      const answer = routes.get(path)?.(hit, count) ?? {};
      const send = () => {
        if (response.destroyed) return;
        const body = answer.body ?? {path, method: hit.method, body: hit.body ? JSON.parse(hit.body) : null, count};
        response.writeHead(answer.status ?? 200, {
          'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
        });
        response.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      if (answer.hold) {
        held.add(response);
        response.on('close', () => held.delete(response));
        (response as ServerResponse & {send?: () => void}).send = send;
      } else if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  const count = (path: string) => hits.filter((hit) => hit.path === path).length;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    count,
    route: (path, answer) => routes.set(path, answer),
    async waitFor(path, times = 1, ms = 30_000) {
      const deadline = Date.now() + ms;
      while (count(path) < times) {
        if (Date.now() > deadline)
          throw new Error(`${path} was hit ${count(path)} times, not ${times}, within ${ms} ms`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, 100);
          waiters.add(wake);
        });
      }
      return hits.filter((hit) => hit.path === path)[times - 1]!;
    },
    release() {
      for (const response of held) (response as ServerResponse & {send?: () => void}).send?.();
      held.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of held) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Stores a definition (written as a JSON file in the home) with workflows:create. */
export async function define(t: EngineFixture, definition: Record<string, unknown>, ...flags: string[]): Promise<void> {
  const file = join(t.home.path, `${String(definition.name)}.json`);
  await writeFile(file, JSON.stringify(definition));
  await ok(t, 'workflows:create', file, ...flags, '--json');
}

/** What `workflows:execute --wait --json` (or `retry --wait`) printed: one envelope per line. */
export interface Followed {
  exitCode: number;
  lines: Array<{
    time: string;
    run: string;
    step: string;
    status: string;
    attempts: number | null;
    detail: string;
    output?: unknown;
    error?: string | null;
  }>;
  /** The run's last line. */
  end: {status: string; output?: unknown; error?: string | null};
  runId: string;
  stderr: string;
}

export function followed(run: {exitCode: number; stdout: string; stderr: string}): Followed {
  const lines = run.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const envelope = JSON.parse(line) as {ok: boolean; data: Followed['lines'][number]};
      if (!envelope.ok) throw new Error(`not a progress line: ${line}`);
      return envelope.data;
    });
  const end = lines.at(-1);
  expect(end, `no progress lines: ${run.stdout}${run.stderr}`).to.not.equal(undefined);
  return {exitCode: run.exitCode, lines, end: end!, runId: end!.run, stderr: run.stderr};
}

/** `workflows:execute NAME --wait --json` in this process (no server: the run is executed here). */
export async function execute(t: EngineFixture, name: string, input?: unknown): Promise<Followed> {
  const args = ['workflows:execute', name, '--wait', '--json'];
  if (input !== undefined) args.push('--input', JSON.stringify(input));
  const run = await t.cli(...args);
  if (run.stdout.trim() === '')
    throw new Error(`workflows:execute printed nothing (exit ${run.exitCode}): ${run.stderr}`);
  return followed(run);
}

/** workflows:status RUN --json: the run with its steps. */
export async function status(t: EngineFixture, runId: string): Promise<any> {
  return (await ok(t, 'workflows:status', runId, '--json')).json().data;
}

/** The step results of a run, by path. */
export async function stepsOf(t: EngineFixture, runId: string): Promise<Record<string, any>> {
  return Object.fromEntries(((await status(t, runId)).steps as Array<{path: string}>).map((step) => [step.path, step]));
}
