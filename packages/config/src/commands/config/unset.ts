import {Args, dryRunFlag} from '@systemprompt/core';
import {ConfigCommand} from '../../services/config-command.js';
import type {ChangeResult} from '../../services/config-service.js';

export default class ConfigUnset extends ConfigCommand<typeof ConfigUnset> {
  static override summary = 'Remove a runtime configuration value, so the lower layers apply again.';
  static override description =
    'Needs config:write, and config:security for a security setting (auth.*, database.url, ...). A host-only setting (auth.localTrust) may be unset: its runtime value is never used.';
  static override examples = ['<%= config.bin %> <%= command.id %> logger.level'];
  static override args = {key: Args.string({required: true, description: 'module.key, e.g. logger.level.'})};
  static override flags = {...dryRunFlag};
  static override columns = ['key', 'before', 'after'];

  async run(): Promise<ChangeResult['changes']> {
    const result = await (
      await this.configService()
    ).unset(await this.actor(), this.args.key, {dryRun: this.flags['dry-run']});
    this.meta.version = result.version;
    if (result.dryRun) this.meta.dryRun = true;
    if (result.changes.length === 0) this.notices.push(`${this.args.key} has no runtime value.`);
    return result.changes;
  }
}
