import {Args} from '@systemprompt/core';
import {ConfigCommand} from '../../../services/config-command.js';
import {EnvFile, type EnvEntry} from '../../../services/env-file.js';

export default class ConfigEnvSet extends ConfigCommand<typeof ConfigEnvSet> {
  static override summary = 'Set a SYSTEMPROMPT_* variable in the env file.';
  static override description = `Only variables that feed a setting of an installed module (SYSTEMPROMPT_<MODULE>_<KEY>, see config:list) are taken; another name is exit 2 with the closest known one. The value is checked against the module's schema before the file changes.

Needs config:write, and config:security for a security setting (SYSTEMPROMPT_AUTH_*, SYSTEMPROMPT_DATABASE_URL, ...). The env file is this host's own file (mode 600): when the database cannot be opened, the local operator (no session, no API key, auth.localTrust on) may still change it, so a wrong SYSTEMPROMPT_DATABASE_URL can be put right.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> SYSTEMPROMPT_DATABASE_URL mysql://app:secret@db:3306/systemprompt',
    '<%= config.bin %> <%= command.id %> logger_level debug',
  ];
  static override args = {
    name: Args.string({required: true, description: 'SYSTEMPROMPT_NAME (the prefix may be left out).'}),
    value: Args.string({required: true, description: 'The value (one line).'}),
  };

  async run(): Promise<EnvEntry> {
    const {actor, access} = await this.hostAccess();
    return new EnvFile(this.paths.config, await this.catalog(), access).set(actor, this.args.name, this.args.value);
  }
}
