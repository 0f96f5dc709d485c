import {spawn} from 'node:child_process';
import {
  Flags,
  liveServer,
  conflict,
  textResult,
  type MetricsBackend,
  type ServerState,
  type TextResult,
} from '@systemprompt/core';
import {SystemCommand} from '../../system-command.js';
import {startDetached} from '../../services/process-control.js';
import type {ServerMetrics} from '../../server/metrics.js';

/** The exit code by which a supervised server asks its supervisor to start it again (a restart in place). */
const RESTART_EXIT_CODE = 75;

export interface StartResult {
  pid: number;
  port: number;
  url: string;
  detached: boolean;
}

export default class SystemStart extends SystemCommand<typeof SystemStart> {
  static override summary = 'Start the server: every enabled module, and the HTTP server on loopback.';
  static override description =
    "Boots and starts every enabled module in dependency order and serves one HTTP server (the modules' routes under /api/<module>, /health, /ready, /metrics) on 127.0.0.1 by default. In the foreground until Ctrl-C or SIGTERM (a graceful stop); --detach runs it in the background and returns once /health answers. Exit 5 when a server of this installation already runs.";
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --detach --port 0 --json',
  ];
  static override flags = {
    port: Flags.integer({description: 'Port (0: any free port). Default: system.port (8080).', min: 0, max: 65535}),
    host: Flags.string({description: 'Address to listen on. Default: system.host (127.0.0.1).'}),
    detach: Flags.boolean({char: 'd', description: 'Run in the background and return once it answers.'}),
    'start-timeout': Flags.integer({
      description: 'With --detach: seconds to wait for the server.',
      default: 60,
      min: 1,
    }),
  };

  private serverMetrics: ServerMetrics | undefined;

  protected override kernelOptions(): {metrics?: MetricsBackend} {
    return this.serverMetrics ? {metrics: this.serverMetrics.backend} : {};
  }

  async run(): Promise<StartResult | TextResult> {
    const detachedChild = process.env.SYSTEMPROMPT_DETACHED === '1';
    if (!detachedChild) {
      const running = liveServer(this.paths.data);
      if (running)
        throw conflict(`A server of this installation already runs (pid ${running.pid}, ${running.url})`, {
          code: 'SERVER_RUNNING',
          hint: 'Stop it with system:stop, or see it with system:status.',
        });
    }
    if (this.flags.detach && !detachedChild) return this.startInBackground();
    // prom-client and fastify load only here: no other command pays for them.
    const {createServerMetrics, serve} = await import('../../server/run-server.js');
    this.serverMetrics = createServerMetrics();
    const system = await this.systemApi();
    await system.system.authorizeControl(await this.actor(), 'system.start');
    const kernel = await this.kernel();
    let served: ServerState | undefined;
    const outcome = await serve({
      kernel,
      metrics: this.serverMetrics,
      paths: this.paths,
      host: this.flags.host ?? system.config.host,
      port: this.flags.port ?? system.config.port,
      detached: detachedChild,
      version: this.config.version,
      logger: system.logger,
      onReady: (state) => {
        served = state;
        if (!detachedChild && this.format === 'table')
          process.stderr.write(`Server listening on ${state.url} (pid ${state.pid}). Ctrl-C stops it.\n`);
      },
    });
    const result = {pid: process.pid, port: served?.port ?? 0, url: served?.url ?? '', detached: detachedChild};
    if (outcome === 'restart') {
      if (process.env.SYSTEMPROMPT_SUPERVISED === '1') this.exitAfterOutput(RESTART_EXIT_CODE);
      else this.exitAfterOutput(await this.superviseRestarts(result.port));
      if (this.format === 'table') return textResult('');
    }
    return this.format === 'table' ? textResult(`Server ${result.url} (pid ${result.pid}) stopped.\n`) : result;
  }

  private async startInBackground(): Promise<StartResult> {
    const system = await this.systemApi();
    await system.system.authorizeControl(await this.actor(), 'system.start');
    const args = [
      ...(this.flags.port !== undefined ? ['--port', String(this.flags.port)] : []),
      ...(this.flags.host ? ['--host', this.flags.host] : []),
    ];
    const state = await startDetached({
      cli: this.cliEntry,
      args,
      dataDirectory: this.paths.data,
      logDirectory: `${this.paths.data}/logs`,
      timeoutMs: this.flags['start-timeout'] * 1000,
    });
    this.notices.push(`Server started in the background on ${state.url} (pid ${state.pid}); system:stop stops it.`);
    return {pid: state.pid, port: state.port, url: state.url, detached: true};
  }

  /**
   * A foreground server asked to restart (SIGHUP from system:restart) starts itself again as a child on
   * the same terminal and stays as its supervisor: it passes SIGTERM and SIGHUP on, and starts a new
   * child each time one exits asking for a restart. Ctrl-C reaches the child from the terminal.
   * Resolves with the exit code of the child that stopped for good.
   */
  private async superviseRestarts(port: number): Promise<number> {
    // The first server's modules (and database connections) are stopped before its successor starts.
    await (await this.kernel()).stop();
    // On the same port (a `--port 0` start would otherwise move), whatever the command line said.
    const args = withoutPortFlag(process.argv.slice(1)).concat(['--port', String(port)]);
    for (;;) {
      const child = spawn(process.execPath, [...process.execArgv, ...args], {
        stdio: 'inherit',
        env: {...process.env, SYSTEMPROMPT_SUPERVISED: '1'},
      });
      const onTerm = () => child.kill('SIGTERM');
      const onHup = () => child.kill('SIGHUP');
      const ignore = () => {};
      process.on('SIGTERM', onTerm);
      process.on('SIGHUP', onHup);
      process.on('SIGINT', ignore);
      const code = await new Promise<number>((resolve) => child.once('exit', (exit) => resolve(exit ?? 1)));
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      process.off('SIGINT', ignore);
      if (code !== RESTART_EXIT_CODE) return code;
    }
  }
}

/** The command line without its --port flag (`--port N`, `--port=N`). */
function withoutPortFlag(args: readonly string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < args.length; index++) {
    if (args[index] === '--port') index++;
    else if (!args[index]!.startsWith('--port=')) kept.push(args[index]!);
  }
  return kept;
}
