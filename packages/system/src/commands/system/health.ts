import {ExitCode} from '@systemprompt/core';
import {checkModulesHealth} from '@systemprompt/core/kernel';
import {SystemCommand} from '../../system-command.js';
import type {HealthCheck} from '../../services/system-service.js';

export default class SystemHealth extends SystemCommand<typeof SystemHealth> {
  static override summary =
    "Every module's health check, the database, free disk space and the server (exit 6 when unhealthy).";
  static override description =
    'Boots every enabled module in this process and runs its health check, measures a database round trip, checks the free space of the data directory (system.diskMinFreeMb) and, when a server runs, that its /health answers 200. Prints every check; exit 6 naming what is unhealthy.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override columns = ['name', 'kind', 'healthy', 'message'];

  async run(): Promise<HealthCheck[]> {
    const system = await this.systemApi();
    const kernel = await this.kernel();
    const enabled = (await this.modules()).filter((record) => record.enabled);
    const report = await system.system.health(await this.actor(), () => checkModulesHealth(kernel, enabled));
    if (!report.healthy) {
      this.warnings.push(`Unhealthy: ${report.unhealthy.join(', ')}`);
      this.exitAfterOutput(ExitCode.Unavailable);
    }
    return report.checks;
  }
}
