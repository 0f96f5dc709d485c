import {Flags, liveServer, notFound, type ServerState} from '@systemprompt/core';
import {SystemCommand} from '../../system-command.js';
import {startDetached, stopServer, waitForSuccessor} from '../../services/process-control.js';

export interface RestartResult {
  pid: number;
  port: number;
  url: string;
  previousPid: number;
}

export default class SystemRestart extends SystemCommand<typeof SystemRestart> {
  static override summary = 'Restart the running server gracefully, on the same address.';
  static override description =
    'A server started with --detach is stopped (requests in flight finish) and started again in the background on the same host and port. A server running in a terminal restarts in place (it drains, then its process starts it again on that terminal). Exit 3 when no server runs.';
  static override examples = ['<%= config.bin %> <%= command.id %>'];
  static override flags = {
    timeout: Flags.integer({
      description: 'Seconds to wait for the stop, then for the new server.',
      default: 60,
      min: 1,
    }),
  };

  async run(): Promise<RestartResult> {
    const system = await this.systemApi();
    await system.system.authorizeControl(await this.actor(), 'system.restart');
    const running = liveServer(this.paths.data);
    if (!running)
      throw notFound('No server of this installation is running', {
        code: 'SERVER_NOT_RUNNING',
        hint: 'Start one with system:start.',
      });
    const timeoutMs = this.flags.timeout * 1000;
    let next: ServerState;
    if (running.detached) {
      await stopServer(this.paths.data, timeoutMs);
      next = await startDetached({
        cli: this.cliEntry,
        args: ['--port', String(running.port), '--host', running.host],
        dataDirectory: this.paths.data,
        logDirectory: `${this.paths.data}/logs`,
        timeoutMs,
      });
    } else {
      process.kill(running.pid, 'SIGHUP');
      next = await waitForSuccessor(this.paths.data, running, timeoutMs);
    }
    return {pid: next.pid, port: next.port, url: next.url, previousPid: running.pid};
  }
}
