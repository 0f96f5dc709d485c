import {Args} from '@systemprompt/core';
import {ConfigCommand} from '../../../services/config-command.js';
import {EnvFile, type EnvEntry} from '../../../services/env-file.js';

export default class ConfigEnvSet extends ConfigCommand<typeof ConfigEnvSet> {
  static override summary = 'Set a SYSTEMPROMPT_* variable in the env file.';
  static override examples = ['<%= config.bin %> <%= command.id %> SYSTEMPROMPT_DATABASE_URL mysql://app:secret@db:3306/systemprompt', '<%= config.bin %> <%= command.id %> logger_level debug'];
  static override args = {
    name: Args.string({required: true, description: 'SYSTEMPROMPT_NAME (the prefix may be left out).'}),
    value: Args.string({required: true, description: 'The value (one line).'}),
  };

  async run(): Promise<EnvEntry> {
    await this.authorize('config:write', 'config.env.set');
    return new EnvFile(this.paths.config, await this.catalog()).set(this.args.name, this.args.value);
  }
}
