import {Args, SystemPromptCommand} from '@systemprompt/core';
import {setEnabled, type ToggleResult} from '../../services/toggle.js';

export default class ModulesEnable extends SystemPromptCommand<typeof ModulesEnable> {
  static override summary = 'Enable a module.';
  static override description = 'Kept in <config>/modules.json. The modules it depends on must be enabled.';
  static override examples = ['<%= config.bin %> <%= command.id %> acme-notes'];
  static override args = {module: Args.string({required: true, description: 'Module name.'})};
  static override flags = {};

  async run(): Promise<ToggleResult> {
    await this.authorize('modules:write', 'modules.enable', this.args.module);
    return setEnabled(await this.modules(), this.paths.config, this.args.module, true, false);
  }
}
