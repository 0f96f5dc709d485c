import {Args, Flags} from '@systemprompt/core';
import {ModulesCommand} from '../../modules-command.js';
import type {ToggleResult} from '../../services/toggle.js';

export default class ModulesDisable extends ModulesCommand<typeof ModulesDisable> {
  static override summary = 'Disable a module (its commands then refuse with exit 6).';
  static override description =
    'Kept in <config>/modules.json. Core modules cannot be disabled; a module that enabled modules depend on is refused, naming them, unless --cascade disables them too.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> acme-notes',
    '<%= config.bin %> <%= command.id %> acme-notes --cascade',
  ];
  static override args = {module: Args.string({required: true, description: 'Module name.'})};
  static override flags = {cascade: Flags.boolean({description: 'Also disable the modules that depend on it.'})};

  async run(): Promise<ToggleResult> {
    return (await this.modulesService()).disable(await this.actor(), this.host(), this.args.module, {
      cascade: this.flags.cascade,
    });
  }
}
