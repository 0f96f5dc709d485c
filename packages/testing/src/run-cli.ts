import {existsSync, readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {Config, run} from '@oclif/core';

export interface RunCliOptions {
  /** The package whose commands run (a module package, or the app). */
  root: string;
  /** SYSTEMPROMPT_HOME for this run. */
  home?: string;
  /** Extra environment for this run; restored afterwards. */
  env?: Record<string, string | undefined>;
}

export interface CliRun {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** What the command's run() returned. */
  result: unknown;
  error: Error | undefined;
  /** stdout parsed as JSON (for --json runs). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- callers read the shape they assert on
  json<T = any>(): T;
}

const configs = new Map<string, Promise<Config>>();

// TypeScript sources are never transpiled on the fly: tests run the compiled commands, as users do.
(globalThis as {oclif?: Record<string, unknown>}).oclif = {
  ...(globalThis as {oclif?: Record<string, unknown>}).oclif,
  enableAutoTranspile: false,
};

/**
 * The oclif config of a package as its own root plugin, plus every @systemprompt module package in
 * its dependencies, so a module's commands run with the modules they need, as in the installed CLI.
 */
export function loadCliConfig(root: string): Promise<Config> {
  let config = configs.get(root);
  if (!config) {
    const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    // Resolved as Node does (walking up node_modules), as oclif finds the plugins.
    const requireFromRoot = createRequire(join(root, 'package.json'));
    const isModule = (name: string) => {
      if (!name.startsWith('@systemprompt/')) return false;
      try {
        return existsSync(join(dirname(requireFromRoot.resolve(`${name}/package.json`)), 'module.yaml'));
      } catch {
        return false;
      }
    };
    // oclif takes "core" additions from dependencies and "dev" ones from devDependencies.
    const core = Object.keys(pjson.dependencies ?? {}).filter(isModule);
    const dev = Object.keys(pjson.devDependencies ?? {}).filter((name) => isModule(name) && !core.includes(name));
    // oclif loads "dev" plugins only outside production, which it decides from NODE_ENV at load.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'test';
    config = Config.load({root, userPlugins: false, pluginAdditions: {core, dev, path: root}}).finally(() =>
      setEnv('NODE_ENV', nodeEnv),
    );
    configs.set(root, config);
  }
  return config;
}

/** Runs a real command in this process, capturing its output and exit code. */
export async function runCli(args: string[], options: RunCliOptions): Promise<CliRun> {
  const config = await loadCliConfig(options.root);
  const output = {stdout: [] as string[], stderr: [] as string[]};
  const originals = {stdout: process.stdout.write, stderr: process.stderr.write};
  const capture = (stream: 'stdout' | 'stderr') =>
    ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
      output[stream].push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') (done as () => void)();
      return true;
    }) as typeof process.stdout.write;
  const env = {...options.env, ...(options.home ? {SYSTEMPROMPT_HOME: options.home} : {})};
  const savedEnv = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries(env)) setEnv(key, value);
  const savedExitCode = process.exitCode;
  process.stdout.write = capture('stdout');
  process.stderr.write = capture('stderr');
  let result: unknown;
  let error: Error | undefined;
  let exitCode = 0;
  try {
    result = await run(args, config);
  } catch (caught) {
    error = caught as Error;
    exitCode = (caught as {oclif?: {exit?: number}}).oclif?.exit ?? 1;
  } finally {
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
    for (const [key, value] of Object.entries(savedEnv)) setEnv(key, value);
    if (typeof process.exitCode === 'number' && process.exitCode !== 0 && exitCode === 0) exitCode = process.exitCode;
    process.exitCode = savedExitCode;
  }
  const stdout = output.stdout.join('');
  return {stdout, stderr: output.stderr.join(''), exitCode, result, error, json: () => JSON.parse(stdout)};
}

function setEnv(key: string, value: string | undefined): void {
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}
