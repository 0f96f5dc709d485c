import {spawn} from 'node:child_process';
import {readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import type {LoggingOptions} from '../src/logging.js';

const writerScript = fileURLToPath(new URL('fixtures/log-writer.mjs', import.meta.url));

export interface WritersOptions {
  options: LoggingOptions;
  workers: number;
  /** Numbered lines per worker (line 0, written first, comes on top). */
  count: number;
  /** Pause after each line, so that readers see the lines arrive over time. */
  pauseMs?: number;
}

/** Runs `workers` processes writing `count` numbered lines each, all at once; resolves when all exited cleanly. */
export async function runWriters({options, workers, count, pauseMs = 0}: WritersOptions): Promise<void> {
  // Long enough for every process to start and load pino before the numbered lines.
  const startAt = Date.now() + 1500;
  const runs = Array.from({length: workers}, (_, worker) => {
    const child = spawn(process.execPath, [writerScript, JSON.stringify({options, worker, count, startAt, pauseMs})], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise<{code: number | null; stderr: string}>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({code, stderr}));
    });
  });
  for (const {code, stderr} of await Promise.all(runs)) expect({code, stderr}).to.deep.equal({code: 0, stderr: ''});
}

/** The log files in `directory`: `systemprompt.log` and its rotated copies, by name. */
export async function logFiles(directory: string): Promise<string[]> {
  return (await readdir(directory)).filter((name) => /^systemprompt\.log(\.\d+)?$/.test(name));
}

/** Every line of every log file, each parsed (a line that does not parse fails the test: it was split). */
export async function allLines(directory: string): Promise<Array<Record<string, unknown>>> {
  const lines: Array<Record<string, unknown>> = [];
  for (const name of await logFiles(directory)) {
    const text = await readFile(join(directory, name), 'utf8');
    expect(text === '' || text.endsWith('\n'), `${name} ends inside a line`).to.equal(true);
    for (const line of text.split('\n').filter(Boolean)) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        expect.fail(`${name} holds a broken line: ${line}`);
      }
    }
  }
  return lines;
}

/** `worker:seq` of every numbered line. */
export const lineIds = (lines: ReadonlyArray<{worker?: unknown; seq?: unknown}>): string[] =>
  lines.map((line) => `${String(line.worker)}:${String(line.seq)}`);

/** The ids every worker writes: `0:0` ... `<workers-1>:<count>`. */
export const expectedIds = (workers: number, count: number): string[] =>
  Array.from({length: workers}, (_, worker) => Array.from({length: count + 1}, (_, seq) => `${worker}:${seq}`)).flat();
