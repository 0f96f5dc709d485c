import {SystemCommand} from '../../system-command.js';
import type {SystemStatus} from '../../services/system-service.js';

export default class SystemStatusCommand extends SystemCommand<typeof SystemStatusCommand> {
  static override summary = 'Versions, host resources, and whether the server runs (its PID, port and URL).';
  static override description =
    'Node.js and OS versions, CPUs, load and memory of this host, every installed module with its version, and the server of this installation: running or not, its PID, address, uptime, and memory and CPU from its last heartbeat.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<SystemStatus> {
    const modules = (await this.modules())
      .map((record) => ({name: record.name, version: record.version, enabled: record.enabled}))
      .sort((a, b) => a.name.localeCompare(b.name));
    return (await this.systemApi()).system.status(await this.actor(), modules);
  }
}
