import {Args} from '@systemprompt/core';
import {ConfigCommand} from '../../../services/config-command.js';
import {EnvFile} from '../../../services/env-file.js';

export default class ConfigEnvUnset extends ConfigCommand<typeof ConfigEnvUnset> {
  static override summary = 'Remove a SYSTEMPROMPT_* variable from the env file.';
  static override description =
    'Needs config:write, and config:security for a security setting. Works without the database for the local operator (no session, no API key, auth.localTrust on), e.g. to remove a wrong SYSTEMPROMPT_DATABASE_URL.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> SYSTEMPROMPT_LOGGER_LEVEL',
    '<%= config.bin %> <%= command.id %> database_url',
  ];
  static override args = {
    name: Args.string({required: true, description: 'SYSTEMPROMPT_NAME (the prefix may be left out).'}),
  };

  async run(): Promise<{name: string; removed: true}> {
    const {actor, access} = await this.hostAccess();
    return new EnvFile(this.paths.config, await this.catalog(), access).unset(actor, this.args.name);
  }
}
