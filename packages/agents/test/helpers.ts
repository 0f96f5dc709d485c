import {expect} from 'chai';
import {
  ok,
  startModelStub,
  type EngineFixture,
  type ModelFormat,
  type ModelStub,
  type StubStep,
} from '@systemprompt/testing';

export {cliWith, eventually, processGone, startDetached} from '../../system/test/helpers/server.js';

/** The key the stub expects, read by the provider from this environment variable. */
export const STUB_KEY_ENV = 'AGENTS_TEST_STUB_KEY';
process.env[STUB_KEY_ENV] = 'sk-test-agents-0123456789';

/** A model stub registered as provider `stub` with model `stub-model` (the default). */
export async function stubProvider(
  t: EngineFixture,
  format: ModelFormat,
  script: StubStep[] = [],
  fallback?: StubStep,
): Promise<ModelStub> {
  const stub = await startModelStub({
    format,
    script,
    ...(fallback ? {fallback} : {}),
    apiKey: process.env[STUB_KEY_ENV]!,
  });
  await ok(t, 'config:provider:add', 'stub', '--kind', format, '--base-url', stub.url, '--api-key-env', STUB_KEY_ENV);
  await ok(t, 'config:model:add', 'stub', 'stub-model', '--default');
  return stub;
}

/** What `agents:assign --wait --json` (or logs --follow --json) printed: one envelope per line. */
export interface Followed {
  exitCode: number;
  lines: Array<{
    seq: number;
    kind: string;
    name: string;
    status: string;
    tokens: string;
    detail: string;
    output?: string | null;
    error?: string | null;
    task: string;
  }>;
  end: {status: string; output?: string | null; error?: string | null; task: string};
  taskId: string;
  stderr: string;
}

export function followed(run: {exitCode: number; stdout: string; stderr: string}): Followed {
  const lines = run.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const envelope = JSON.parse(line) as {ok: boolean; data: Followed['lines'][number]};
      if (!envelope.ok) throw new Error(`not a log line: ${line}`);
      return envelope.data;
    });
  const end = lines.at(-1);
  expect(end, `no log lines: ${run.stdout}${run.stderr}`).to.not.equal(undefined);
  return {exitCode: run.exitCode, lines, end: end!, taskId: end!.task, stderr: run.stderr};
}

/** `agents:assign AGENT TEXT --wait --json` in this process (no server: the task runs here). */
export async function assignAndWait(
  t: EngineFixture,
  agent: string,
  text: string,
  ...flags: string[]
): Promise<Followed> {
  const run = await t.cli('agents:assign', agent, text, '--wait', '--json', ...flags);
  if (run.stdout.trim() === '') throw new Error(`agents:assign printed nothing (exit ${run.exitCode}): ${run.stderr}`);
  return followed(run);
}

/** The task with every step (agents:status TASK --json). */
export async function taskOf(t: EngineFixture, taskId: string): Promise<any> {
  return (await ok(t, 'agents:status', taskId, '--json')).json().data;
}
