import {Args} from '@systemprompt/core';
import {ModulesCommand} from '../../modules-command.js';
import type {ModuleInfo} from '../../services/modules-service.js';

export default class ExtensionInfo extends ModulesCommand<typeof ExtensionInfo> {
  static override summary =
    'Show one installed module: package, version, source, status, dependencies, permissions, events, tools, commands.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> acme-notes',
    '<%= config.bin %> <%= command.id %> database --json',
  ];
  static override args = {module: Args.string({required: true, description: 'Module or package name.'})};

  async run(): Promise<ModuleInfo> {
    return (await this.modulesService()).info(await this.actor(), this.host(), this.args.module);
  }
}
