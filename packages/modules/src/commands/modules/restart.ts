import {Args} from '@systemprompt/core';
import {ModulesCommand} from '../../modules-command.js';
import type {RestartResult} from '../../services/modules-service.js';

export default class ModulesRestart extends ModulesCommand<typeof ModulesRestart> {
  static override summary = 'Re-initialize a module and check its health.';
  static override description =
    'With a running server, the server restarts the module (stop, start, health check), asked through the database; the answer names the server. Without one, this initializes the module (and its dependencies), stops it, initializes it again and runs its health check: it proves the module starts from its current configuration. Exit 6 when it does not.';
  static override examples = ['<%= config.bin %> <%= command.id %> database'];
  static override args = {module: Args.string({required: true, description: 'Module name.'})};

  async run(): Promise<RestartResult> {
    return (await this.modulesService()).restart(await this.actor(), this.host(), this.args.module);
  }
}
