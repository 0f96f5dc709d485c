import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {LOCAL_ADMIN, resolveSystemPaths, type Actor} from '@systemprompt/core';
import {Kernel, discoverModules, type KernelOptions} from '@systemprompt/core/kernel';
import {APP_BIN, bootModuleKernel, createUserActor, type TempHome, type TestDatabase} from '@systemprompt/testing';
import type {SchedulerApi} from '../src/index.js';

/** This package: its modules (scheduler, and what it depends on) are the ones tests boot. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Scheduler settings for tests: command targets run the built app's CLI (this process is mocha). */
export const TEST_SETTINGS = {cli: APP_BIN};

/** A Kernel whose scheduler module gets `settings` as its configuration (tests set no config.yaml). */
function configuredKernel(settings: Record<string, unknown>) {
  return class extends Kernel {
    constructor(options: KernelOptions) {
      super({
        ...options,
        configValues: async (record) =>
          record.name === 'scheduler' ? settings : ((await options.configValues?.(record)) ?? {}),
      });
    }
  };
}

export interface SchedulerKernel {
  kernel: Kernel;
  scheduler: SchedulerApi;
  /** A user with these roles, acting as through an API key. */
  user(email: string, roles: string[]): Promise<Actor>;
  stop(): Promise<void>;
}

/** The scheduler booted in this process on the fixture's home and database (no planner running: tests call its tick). */
export async function bootScheduler(
  home: TempHome,
  database: TestDatabase,
  settings: Record<string, unknown> = {},
): Promise<SchedulerKernel> {
  const core = {
    Kernel: configuredKernel({...TEST_SETTINGS, ...settings}),
    discoverModules,
    resolveSystemPaths,
    LOCAL_ADMIN,
  };
  const kernel = await bootModuleKernel(core, {root: ROOT, boot: ['scheduler'], home, database});
  return {
    kernel,
    scheduler: kernel.service<SchedulerApi>('scheduler'),
    user: (email, roles) => createUserActor(kernel, LOCAL_ADMIN, email, roles) as Promise<Actor>,
    stop: () => kernel.stop(),
  };
}

/** The error `promise` rejects with, checked for its exit code and code. */
export async function rejects(promise: Promise<unknown>, exitCode: number, code: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).to.include({exitCode, code});
    return error as Error;
  }
  throw new Error(`expected a refusal with ${code}`);
}

/** Polls `check` until it returns true or `ms` pass. */
export async function eventually(check: () => Promise<boolean>, ms = 15_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not hold within ${ms} ms`);
}
