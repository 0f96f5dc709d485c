import {Flags, confirmFlag, dryRunFlag} from '@systemprompt/core';
import {ConfigCommand} from '../../services/config-command.js';
import type {ChangeResult} from '../../services/config-service.js';

export default class ConfigRollback extends ConfigCommand<typeof ConfigRollback> {
  static override summary = 'Restore the runtime configuration as it was at a version (dangerous: asks for confirmation).';
  static override description = 'Sets, changes and removes runtime values so that they are as right after VERSION (0: none), recorded as a new version. See config:history for versions.';
  static override examples = ['<%= config.bin %> <%= command.id %> --to 3 --confirm', '<%= config.bin %> <%= command.id %> --to 3 --dry-run'];
  static override flags = {
    to: Flags.integer({description: 'The version to return to.', required: true, min: 0}),
    ...confirmFlag,
    ...dryRunFlag,
  };
  static override columns = ['key', 'before', 'after'];

  async run(): Promise<ChangeResult['changes']> {
    await this.authorize('config:write', 'config.rollback');
    const service = await this.configService();
    const plan = await service.rollback(this.flags.to, true);
    if (plan.changes.length === 0) {
      this.notices.push(`The runtime configuration is already as at version ${this.flags.to}.`);
      return [];
    }
    if (this.flags['dry-run']) {
      this.meta.dryRun = true;
      return plan.changes;
    }
    await this.confirmAction(`Change ${plan.changes.length} setting${plan.changes.length === 1 ? '' : 's'} back to version ${this.flags.to}?`);
    const result = await service.rollback(this.flags.to, false);
    this.meta.version = result.version;
    this.notices.push(`Configuration version ${result.version}.`);
    return result.changes;
  }
}
