import type {ServerState} from '@systemprompt/core';
import {silentLogger} from '@systemprompt/core';
import {cliModules, createCliKernel} from '@systemprompt/core/kernel';
import {APP_ROOT, loadCliConfig} from '@systemprompt/testing';
import {createServerMetrics, serve, type ServeOutcome} from '../../src/server/run-server.js';

export async function modulesOf(home: string) {
  const previous = process.env.SYSTEMPROMPT_HOME;
  process.env.SYSTEMPROMPT_HOME = home;
  try {
    return await cliModules(await loadCliConfig(APP_ROOT));
  } finally {
    if (previous === undefined) delete process.env.SYSTEMPROMPT_HOME;
    else process.env.SYSTEMPROMPT_HOME = previous;
  }
}

/** The real server in this process, on a free loopback port, stopped through its abort signal. */
export async function startInProcess(home: string) {
  const {paths, modules} = await modulesOf(home);
  const metrics = createServerMetrics();
  const kernel = await createCliKernel({modules, paths, metrics: metrics.backend});
  const stop = new AbortController();
  let ready!: (state: ServerState) => void;
  const readiness = new Promise<ServerState>((resolve) => (ready = resolve));
  const served: Promise<ServeOutcome> = serve({
    kernel,
    metrics,
    paths,
    host: '127.0.0.1',
    port: 0,
    detached: false,
    version: '0.0.0-test',
    logger: silentLogger,
    onReady: ready,
    stop: stop.signal,
  });
  const state = await Promise.race([
    readiness,
    served.then(() => {
      throw new Error('the server stopped before it was ready');
    }),
  ]);
  return {state, paths, kernel, served, stop: () => stop.abort()};
}
