import {Args} from '@systemprompt/core';
import {ModulesCommand} from '../../modules-command.js';
import type {ToggleResult} from '../../services/toggle.js';

export default class ModulesEnable extends ModulesCommand<typeof ModulesEnable> {
  static override summary = 'Enable a module.';
  static override description = 'Kept in <config>/modules.json. The modules it depends on must be enabled.';
  static override examples = ['<%= config.bin %> <%= command.id %> acme-notes'];
  static override args = {module: Args.string({required: true, description: 'Module name.'})};
  static override flags = {};

  async run(): Promise<ToggleResult> {
    return (await this.modulesService()).enable(await this.actor(), this.host(), this.args.module);
  }
}
