import {Args, dryRunFlag} from '@systemprompt/core';
import {ConfigCommand} from '../../services/config-command.js';
import type {ChangeResult} from '../../services/config-service.js';

export default class ConfigSet extends ConfigCommand<typeof ConfigSet> {
  static override summary = 'Set a runtime configuration value (validated by the module\'s schema, kept with history).';
  static override description = 'The value is typed by the schema: 5 stays a number, true a boolean, JSON for lists and objects. An unknown key or an invalid value is exit 2 with the schema path and the allowed values. Secrets are stored encrypted.';
  static override examples = ['<%= config.bin %> <%= command.id %> logger.level debug', '<%= config.bin %> <%= command.id %> database.poolSize 20', '<%= config.bin %> <%= command.id %> logger.maxFiles 3 --dry-run'];
  static override args = {
    key: Args.string({required: true, description: 'module.key, e.g. logger.level.'}),
    value: Args.string({required: true, description: 'The new value.'}),
  };
  static override flags = {...dryRunFlag};
  static override columns = ['key', 'before', 'after'];

  async run(): Promise<ChangeResult['changes']> {
    await this.authorize('config:write', 'config.set');
    const result = await (await this.configService()).set(this.args.key, this.args.value, this.flags['dry-run']);
    this.meta.version = result.version;
    if (result.dryRun) this.meta.dryRun = true;
    if (result.changes.length === 0) this.notices.push(`${this.args.key} already has that value.`);
    else if (!result.dryRun) this.notices.push(`Configuration version ${result.version}.`);
    return result.changes;
  }
}
