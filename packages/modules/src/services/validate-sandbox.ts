import {fork} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {unavailable} from '@systemprompt/core';
import type {PackageProblem} from './validate-package.js';
import type {ProblemCode, SandboxJob, SandboxMessage} from './validate-sandbox-child.js';

export type {SandboxJob} from './validate-sandbox-child.js';

/** How long one phase (an import, a migration step, initialize(), healthCheck(), stop()) may take. */
export const SANDBOX_PHASE_TIMEOUT_MS = 10_000;

export interface SandboxRun {
  problems: PackageProblem[];
  /** Names of the migrations that could be imported. */
  migrations: string[];
  /** Wall-clock time of the whole run, scratch directory included. */
  ms: number;
}

// The compiled child, from src/ (tests under tsx) as from dist/: the child runs without the parent's
// loaders (execArgv: []), so it must be JavaScript.
const CHILD = fileURLToPath(new URL('../../dist/services/validate-sandbox-child.js', import.meta.url));

/** This environment without SYSTEMPROMPT_* (no real database URL, key, session or settings), over the scratch home. */
function scratchEnvironment(home: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SYSTEMPROMPT_')));
  return {...env, SYSTEMPROMPT_HOME: home};
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/**
 * Runs the package's code in a child process over a scratch SYSTEMPROMPT_HOME (an embedded SQLite
 * database that nothing else uses), removed afterwards. Each phase has `timeoutMs`; a phase that
 * does not finish, or a process that ends before it answers, is a problem at that phase's place.
 */
export async function runSandbox(job: SandboxJob, timeoutMs = SANDBOX_PHASE_TIMEOUT_MS): Promise<SandboxRun> {
  if (!existsSync(CHILD))
    throw unavailable(`The validation sandbox ${CHILD} is missing`, {
      code: 'SANDBOX_UNAVAILABLE',
      hint: 'Build @systemprompt/modules.',
    });
  const started = performance.now();
  const home = await mkdtemp(join(tmpdir(), 'systemprompt-validate-'));
  const problems: PackageProblem[] = [];
  let migrations: string[] = [];
  try {
    const child = fork(CHILD, [], {
      cwd: home,
      env: scratchEnvironment(home),
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString('utf8');
    });
    let current: {label: string; place: string; code?: ProblemCode} = {
      label: 'starting the validation',
      place: 'package.json',
    };
    let finished = false;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        problems.push({
          path: current.place,
          problem: `${current.label} did not finish within ${seconds(timeoutMs)}`,
          ...(current.code ? {code: current.code} : {}),
        });
        child.kill('SIGKILL');
      }, timeoutMs);
    };
    child.on('message', (message: SandboxMessage) => {
      if (message.kind === 'phase') {
        current = message;
        arm();
      } else if (message.kind === 'problem')
        problems.push({path: message.path, problem: message.problem, ...(message.code ? {code: message.code} : {})});
      else if (message.kind === 'migrations') migrations = message.names;
      else finished = true;
    });
    // Both: messages still in the channel arrive before it disconnects, which may be after the exit.
    const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
      child.once('exit', (code, signal) => resolve({code, signal})),
    );
    const disconnected = new Promise<void>((resolve) => child.once('disconnect', () => resolve()));
    arm();
    // A child that is gone before it reads the job is reported from its exit, below.
    child.send(job, () => undefined);
    const [{code, signal}] = await Promise.all([exited, disconnected]);
    clearTimeout(timer);
    if (!finished && !timedOut) {
      const reason = stderr
        .trim()
        .split('\n')
        .find((line) => line.trim() !== '');
      problems.push({
        path: current.place,
        problem: `${current.label} ended the process (${code === null ? signal : `exit code ${code}`})${reason ? `: ${reason}` : ''}`,
        ...(current.code ? {code: current.code} : {}),
      });
    }
  } finally {
    await rm(home, {recursive: true, force: true});
  }
  return {problems, migrations, ms: Math.round(performance.now() - started)};
}
