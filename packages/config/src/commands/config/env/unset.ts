import {Args} from '@systemprompt/core';
import {ConfigCommand} from '../../../services/config-command.js';
import {EnvFile} from '../../../services/env-file.js';

export default class ConfigEnvUnset extends ConfigCommand<typeof ConfigEnvUnset> {
  static override summary = 'Remove a SYSTEMPROMPT_* variable from the env file.';
  static override examples = ['<%= config.bin %> <%= command.id %> SYSTEMPROMPT_LOGGER_LEVEL'];
  static override args = {name: Args.string({required: true, description: 'SYSTEMPROMPT_NAME (the prefix may be left out).'})};

  async run(): Promise<{name: string; removed: true}> {
    await this.authorize('config:write', 'config.env.unset');
    return new EnvFile(this.paths.config, await this.catalog()).unset(this.args.name);
  }
}
