import {existsSync, watch} from 'node:fs';
import {createRequire} from 'node:module';
import {join} from 'node:path';
import codes from '../error-codes.js';
import {runChild, type ChildResult} from './child.js';
import {readPackageJson} from './module-tests.js';

/** One line of dev:watch: a build, or linking the package into the CLI. */
export interface WatchEvent {
  at: string;
  event: 'build' | 'link';
  result: 'ok' | 'errors';
  ms: number;
  /** The first error line (and how many there were), or what was linked. */
  detail: string;
}

export interface WatchOptions {
  signal: AbortSignal;
  /** Links the package into the CLI (plugins:link); called after the first build that succeeds. */
  link: () => Promise<string>;
  debounceMs?: number;
}

/** How the package is built: its build script (npm run build), else tsc -p with its tsconfig. */
export function buildCommand(root: string): {command: string; args: string[]} {
  if (readPackageJson(root).scripts?.build) return {command: 'npm', args: ['run', 'build', '--silent']};
  const own = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  let tsc = own;
  if (!existsSync(own)) {
    try {
      tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    } catch {
      throw codes.DEV_TOOL_MISSING.error(`${root} has no build script and no TypeScript to run tsc with`);
    }
  }
  return {command: process.execPath, args: [tsc, '-p', root]};
}

/** Builds once; the result as one event (tsc's first error line and the count of errors). */
export async function buildOnce(root: string, signal?: AbortSignal): Promise<WatchEvent> {
  const {command, args} = buildCommand(root);
  const started = performance.now();
  let result: ChildResult;
  try {
    result = await runChild(command, args, {cwd: root, capture: 200_000, ...(signal ? {signal} : {})});
  } catch (error) {
    throw codes.DEV_TOOL_MISSING.error(`Cannot run ${command}: ${(error as Error).message}`);
  }
  const output = `${result.stdout}\n${result.stderr}`;
  const errors = output.split('\n').filter((line) => /\berror\b/i.test(line) && line.trim() !== '');
  const first = errors.find((line) => /error TS\d+/.test(line)) ?? errors[0] ?? output.trim().split('\n').pop() ?? '';
  const count = errors.filter((line) => /error TS\d+/.test(line)).length;
  return {
    at: new Date().toISOString(),
    event: 'build',
    result: result.exitCode === 0 ? 'ok' : 'errors',
    ms: Math.round(performance.now() - started),
    detail: result.exitCode === 0 ? '' : `${first.trim()}${count > 1 ? ` (+${count - 1} more)` : ''}`,
  };
}

/**
 * Builds the package, links it into the CLI after the first good build, then rebuilds on every change
 * under src/ (fs.watch, recursive, debounced; changes during a build make one more build after it)
 * until `signal` aborts. One event per build and for the link.
 */
export async function* watchPackage(root: string, options: WatchOptions): AsyncGenerator<WatchEvent> {
  const source = join(root, 'src');
  if (!existsSync(source)) throw codes.DEV_NOT_A_MODULE_PACKAGE.error(`${root} has no src/ directory to watch`);
  const {signal} = options;
  let dirty = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(source, {recursive: true}, () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      dirty = true;
      wake?.();
    }, options.debounceMs ?? 200);
  });
  const stop = () => wake?.();
  signal.addEventListener('abort', stop, {once: true});
  let linked = false;
  try {
    for (;;) {
      const built = await buildOnce(root, signal);
      if (signal.aborted) return;
      yield built;
      if (built.result === 'ok' && !linked) {
        const started = performance.now();
        try {
          const detail = await options.link();
          linked = true;
          yield {
            at: new Date().toISOString(),
            event: 'link',
            result: 'ok',
            ms: Math.round(performance.now() - started),
            detail,
          };
        } catch (error) {
          yield {
            at: new Date().toISOString(),
            event: 'link',
            result: 'errors',
            ms: Math.round(performance.now() - started),
            detail: (error as Error).message,
          };
        }
      }
      while (!dirty && !signal.aborted) await new Promise<void>((resolve) => (wake = resolve));
      if (signal.aborted) return;
      dirty = false;
    }
  } finally {
    clearTimeout(timer);
    watcher.close();
    signal.removeEventListener('abort', stop);
  }
}
