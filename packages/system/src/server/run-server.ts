import {randomBytes, randomUUID} from 'node:crypto';
import {rmSync} from 'node:fs';
import {createServer as createPlainServer, type Server as PlainServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import type {SecureContextOptions} from 'node:tls';
import {
  installTracing,
  unavailable,
  runRetention,
  writeFileAtomic,
  type Listener,
  type Logger,
  type ServedRoute,
  type ServerGate,
  type ServerState,
  type SystemPaths,
} from '@systemprompt/core';
import type {Kernel} from '@systemprompt/core/kernel';
import {API} from '@systemprompt/api';
import {AUTH} from '@systemprompt/auth';
import {SYSTEM} from '../token.js';
import {claimStateFile, releaseStateFileOf, updateStateFile} from '../services/state-file.js';
import {serverTokenFile, SERVER_TOKEN_PREFIX} from '@systemprompt/core';
import {createAuthenticator} from './authenticate.js';
import {buildHttpServer, type ServerPhase} from './http-server.js';
import {createServerMetrics, type ServerMetrics} from './metrics.js';

export {createServerMetrics, type ServerMetrics};

export interface ServeOptions {
  kernel: Kernel;
  metrics: ServerMetrics;
  paths: SystemPaths;
  host: string;
  port: number;
  detached: boolean;
  version: string;
  logger: Logger;
  /** Told once the server is ready (the foreground command prints where it listens). */
  onReady?: (state: ServerState) => void;
  /** Stops the server when aborted (an embedding program or a test); SIGTERM, SIGINT and SIGHUP work either way. */
  stop?: AbortSignal;
}

/** Why serve() returned: a stop (SIGTERM, SIGINT) or a restart in place (SIGHUP, from system:restart). */
export type ServeOutcome = 'stop' | 'restart';

/** The URL clients of this host use: an unspecified address is reached through loopback. */
function urlFor(host: string, port: number, protocol: 'http' | 'https' = 'http'): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `${protocol}://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/**
 * The network module's gate (firewall, TLS) when the module is installed and enabled. Installed but
 * unloadable, the server refuses to start rather than serve without the firewall its rules ask for.
 */
function networkGateOf(kernel: Kernel, logger: Logger): ServerGate | undefined {
  const record = kernel.record('network');
  if (!record || !record.enabled) {
    logger.warn('the network module is not installed or is disabled: no firewall, plain HTTP');
    return undefined;
  }
  if (record.error)
    throw unavailable(`The network module cannot load, so its firewall cannot be enforced: ${record.error.message}`, {
      code: 'SERVER_START_FAILED',
    });
  return kernel.service<{gate: ServerGate}>('network').gate;
}

/** Plain HTTP beside HTTPS (network.plainHttp redirect): every request is sent to the same path over HTTPS. */
function redirectServer(httpsPort: number, fallbackHost: string): PlainServer {
  return createPlainServer((request, response) => {
    const hostHeader = (request.headers.host ?? '').replace(/:\d+$/, '');
    const host = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)$/.test(hostHeader) ? hostHeader : fallbackHost;
    response.writeHead(308, {location: `https://${host}:${httpsPort}${request.url ?? '/'}`, connection: 'close'});
    response.end();
  });
}

/**
 * Resolves with the first of SIGTERM/SIGINT or `abort` (stop) or SIGHUP (restart). The handlers stay
 * until dispose(), so a second Ctrl-C while draining does not kill the process half-way.
 */
function stopSignal(abort: AbortSignal | undefined): {promise: Promise<ServeOutcome>; dispose(): void} {
  let resolve!: (outcome: ServeOutcome) => void;
  const promise = new Promise<ServeOutcome>((done) => (resolve = done));
  const onStop = () => resolve('stop');
  if (abort?.aborted) resolve('stop');
  abort?.addEventListener('abort', onStop, {once: true});
  const onRestart = () => resolve('restart');
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onRestart);
  return {
    promise,
    dispose: () => {
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
      process.off('SIGHUP', onRestart);
      abort?.removeEventListener('abort', onStop);
    },
  };
}

/**
 * Runs the server until it is told to stop: claims the installation's state file, boots and starts
 * every enabled module in dependency order, serves HTTP, beats into the database, dispatches events
 * written by other processes, and stops in reverse order (the database last) with requests in
 * flight finished within the shutdown deadline.
 */
export async function serve(options: ServeOptions): Promise<ServeOutcome> {
  const {kernel, paths, logger} = options;
  const signal = stopSignal(options.stop);
  const serverId = randomUUID();
  const startedAt = new Date().toISOString();
  let state = await claimStateFile(paths.data, {
    host: options.host,
    port: options.port,
    url: '',
    state: 'starting',
    detached: options.detached,
    startedAt,
    serverId,
    version: options.version,
  });
  let phase: ServerPhase = 'starting';
  const tokenFile = serverTokenFile(paths.data);
  // Stopped in this order: no new requests (those in flight finish), no more events, the last beat,
  // the modules in reverse boot order (the database last), then the token and the state file.
  const shutdown: Record<
    'http' | 'polling' | 'heartbeat' | 'modules' | 'tracing' | 'token',
    (() => Promise<void> | void) | undefined
  > = {
    http: undefined,
    polling: undefined,
    heartbeat: undefined,
    modules: () => kernel.stop(),
    tracing: undefined,
    token: undefined,
  };
  try {
    const enabled = kernel.modules.filter((record) => !record.error && record.enabled !== false).map((r) => r.name);
    await kernel.boot(enabled);
    const system = kernel.service(SYSTEM);
    const config = system.config;
    const serverToken = SERVER_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    await writeFileAtomic(tokenFile, serverToken, {mode: 0o600});
    shutdown.token = () => rmSync(tokenFile, {force: true});

    if (config.tracing) {
      // OpenTelemetry is imported only here, and only when tracing is on.
      const {startTracing} = await import('./tracing.js');
      const started = await startTracing({
        sampleRatio: config.traceSampleRatio,
        maxTracesPerSecond: config.maxTracesPerSecond,
        otlpEndpoint: config.otlpEndpoint,
        storeSpans: config.traceStoreSpans,
        serviceVersion: options.version,
        serverId,
      });
      installTracing(started);
      shutdown.tracing = async () => {
        installTracing(undefined);
        await started.shutdown();
      };
    }

    const network = networkGateOf(kernel, logger);
    await network?.load();
    const tls = await network?.tls();
    const routeTable: ServedRoute[] = [];
    const app = buildHttpServer({
      network,
      ...(tls ? {https: {key: tls.key, cert: tls.cert}} : {}),
      onRoute: (route) => routeTable.push(route),
      routes: kernel.routes,
      mounts: kernel.mounts,
      authenticate: createAuthenticator({api: kernel.service(API), auth: kernel.service(AUTH), serverToken}),
      access: await kernel.access(),
      api: kernel.service(API),
      metrics: options.metrics,
      metricsPublic: config.metricsPublic,
      health: (names) => kernel.health(names),
      modules: () => kernel.booted,
      phase: () => phase,
      logger,
    });
    await app.listen({host: options.host, port: options.port});
    const port = (app.server.address() as AddressInfo).port;
    const protocol = tls ? 'https' : 'http';
    state = {...state, port, url: urlFor(options.host, port, protocol), ...(tls?.caFile ? {caFile: tls.caFile} : {})};
    await updateStateFile(paths.data, state);
    let redirect: PlainServer | undefined;
    shutdown.http = async () => {
      network?.serving(undefined);
      if (redirect) {
        const closing = new Promise<void>((resolve) => redirect!.close(() => resolve()));
        redirect.closeAllConnections();
        await closing;
      }
      await closeWithin(app, config.shutdownTimeoutMs);
    };
    const listeners: Listener[] = app.addresses().map((each) => {
      const address = each as AddressInfo;
      return {role: 'main', protocol, address: address.address, family: String(address.family), port: address.port};
    });
    if (tls && network?.plainHttp === 'redirect') {
      redirect = redirectServer(port, urlFor(options.host, port).replace(/^http:\/\/|:\d+$/g, ''));
      await new Promise<void>((resolve, reject) => {
        redirect!.once('error', reject);
        redirect!.listen({host: options.host, port: network.redirectPort}, () => resolve());
      });
      const plain = redirect.address() as AddressInfo;
      listeners.push({
        role: 'redirect',
        protocol: 'http',
        address: plain.address,
        family: plain.family,
        port: plain.port,
      });
    }
    if (network) {
      // A renewed or imported certificate is served at once, to new connections.
      if (tls)
        network.onTlsChanged((material) => {
          if (material)
            (app.server as unknown as {setSecureContext(options: SecureContextOptions): void}).setSecureContext(
              material,
            );
        });
      network.serving({
        url: state.url,
        listeners,
        routes: routeTable,
        // The radix tree as fastify matches it: with commonPrefix off it prints a wildcard route without its prefix.
        tree: () => app.printRoutes(),
        connections: () =>
          new Promise<number>((resolve) => app.server.getConnections((error, count) => resolve(error ? 0 : count))),
      });
    }

    await kernel.start();

    // Events: counted per type, and those written by CLI processes and other servers read from the store.
    kernel.events.on('*', (event) => options.metrics.eventsDispatched.inc({type: event.type}));
    kernel.events.on('module.restart.requested', async (event) => {
      const {module, requestId} = event.payload as {module: string; requestId: string};
      let healthy = false;
      let message: string;
      try {
        await kernel.restart(module);
        const [result] = await kernel.health([module]);
        healthy = result?.healthy ?? false;
        message = result?.message ?? (healthy ? 'healthy' : 'unhealthy');
      } catch (error) {
        message = (error as Error).message;
      }
      await system.events.emit('module.restarted', {module, requestId, healthy, message, serverId}, {subject: module});
    });
    const polling = kernel.events.startPolling({
      intervalMs: config.eventPollMs,
      onError: (error: unknown) => logger.warn({err: error}, 'reading events failed'),
    });
    shutdown.polling = () => polling.stop();

    const heartbeat = startHeartbeat({
      beat: (beatState, cpuPercent) =>
        system.heartbeats.beat({
          id: serverId,
          pid: process.pid,
          url: state.url,
          version: options.version,
          state: beatState,
          startedAt,
          intervalSeconds: config.heartbeatIntervalSeconds,
          cpuPercent,
        }),
      intervalSeconds: config.heartbeatIntervalSeconds,
      prune: async () => {
        // Every module's retention policy at its setting (data:clean runs the same ones by hand).
        for (const outcome of await runRetention(kernel.retention)) {
          if (outcome.error)
            logger.warn({policy: `${outcome.module}/${outcome.name}`}, `retention failed: ${outcome.error}`);
          else if (outcome.removed > 0)
            logger.info({policy: `${outcome.module}/${outcome.name}`, removed: outcome.removed}, 'old records removed');
        }
      },
      logger,
    });
    await heartbeat.beat('running');
    shutdown.heartbeat = () => heartbeat.stop();

    phase = 'ready';
    state = {...state, state: 'ready'};
    await updateStateFile(paths.data, state);
    await system.events.emit(
      'system.server.started',
      {serverId, url: state.url, pid: process.pid},
      {subject: serverId},
    );
    logger.info({url: state.url, pid: process.pid}, `server listening on ${state.url}`);
    options.onReady?.(state);

    const outcome = await signal.promise;
    phase = 'draining';
    state = {...state, state: 'draining'};
    await updateStateFile(paths.data, state).catch(() => undefined);
    await heartbeat.beat('draining').catch(() => undefined);
    logger.info({outcome}, 'server stopping');
    // Before the modules stop, while the database is still there.
    await system.events
      .emit('system.server.stopped', {serverId, reason: outcome}, {subject: serverId})
      .catch(() => undefined);
    return outcome;
  } finally {
    phase = 'draining';
    signal.dispose();
    for (const [part, stop] of Object.entries(shutdown)) {
      try {
        await stop?.();
      } catch (error) {
        logger.warn({err: error, part}, `stopping the server's ${part} failed`);
      }
    }
    releaseStateFileOf(paths.data);
  }
}

/** Stops accepting, lets requests in flight finish, and closes what is still open after the deadline. */
async function closeWithin(app: ReturnType<typeof buildHttpServer>, deadlineMs: number): Promise<void> {
  const timer = setTimeout(() => app.server.closeAllConnections(), deadlineMs);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}

/** Beats every interval (with the CPU used since the last beat) and runs the retention policies once an hour. */
function startHeartbeat(options: {
  beat: (state: 'running' | 'draining' | 'stopped', cpuPercent: number) => Promise<void>;
  intervalSeconds: number;
  prune: () => Promise<void>;
  logger: Logger;
}) {
  let lastCpu = process.cpuUsage();
  let lastAt = performance.now();
  let lastPrune = 0;
  const cpuSinceLastBeat = () => {
    const cpu = process.cpuUsage(lastCpu);
    const elapsedMs = performance.now() - lastAt;
    lastCpu = process.cpuUsage();
    lastAt = performance.now();
    return elapsedMs > 0 ? ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100 : 0;
  };
  const beat = (state: 'running' | 'draining' | 'stopped') => options.beat(state, cpuSinceLastBeat());
  const tick = async () => {
    try {
      await beat('running');
      if (Date.now() - lastPrune > 3_600_000) {
        lastPrune = Date.now();
        await options.prune();
      }
    } catch (error) {
      options.logger.warn({err: error}, 'heartbeat failed');
    }
  };
  const timer = setInterval(() => void tick(), options.intervalSeconds * 1000);
  timer.unref();
  return {
    beat,
    stop: async () => {
      clearInterval(timer);
      await beat('stopped');
    },
  };
}
