import {Args} from '@systemprompt/core';
import {ModulesCommand} from '../../modules-command.js';
import type {HealthRow} from '../../services/modules-service.js';

export default class ModulesHealth extends ModulesCommand<typeof ModulesHealth> {
  static override summary = 'Run the health check of every enabled module, or of one (exit 6 when unhealthy).';
  static override description =
    'Boots each module with its dependencies (without starting daemons) and calls its healthCheck. A module that cannot load or initialize is unhealthy, with the reason.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> database --json',
  ];
  static override args = {module: Args.string({description: 'Only this module.'})};
  static override columns = ['module', 'healthy', 'message'];

  async run(): Promise<HealthRow[]> {
    return (await this.modulesService()).health(await this.actor(), this.host(), this.args.module);
  }
}
