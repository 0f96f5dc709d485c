import {Args, SystemPromptCommand} from '@systemprompt/core';
import {CONFIG} from '@systemprompt/config';

export default class ModulesConfig extends SystemPromptCommand<typeof ModulesConfig> {
  static override summary = "Show or change a module's configuration (through the config module).";
  static override description =
    "Without KEY: the module's settings. With KEY: one value. With KEY and VALUE: sets it as a runtime setting, validated by the module's schema and kept with history (as config:set MODULE.KEY VALUE). The config module checks the permissions (config:read, config:write) and audits the change.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> logger',
    '<%= config.bin %> <%= command.id %> logger level',
    '<%= config.bin %> <%= command.id %> logger level debug',
  ];
  static override args = {
    module: Args.string({required: true, description: 'Module name.'}),
    key: Args.string({description: 'A setting of the module.'}),
    value: Args.string({description: 'New value.'}),
  };

  async run(): Promise<unknown> {
    const key = this.args.key ? `${this.args.module}.${this.args.key}` : this.args.module;
    // Imported when the command runs, not when oclif lists the commands.
    const {configService} = await import('@systemprompt/config');
    const service = configService(await this.service(CONFIG), await this.modules());
    const actor = await this.actor();
    if (this.args.value !== undefined) return (await service.set(actor, key, this.args.value)).changes;
    return (await service.get(actor, key)).value;
  }
}
