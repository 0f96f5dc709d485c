import {Flags, confirmFlag, dryRunFlag} from '@systemprompt/core';
import {ConfigCommand} from '../../services/config-command.js';
import type {ChangeResult} from '../../services/config-service.js';

export default class ConfigRollback extends ConfigCommand<typeof ConfigRollback> {
  static override summary =
    'Restore the runtime configuration as it was at a version (dangerous: asks for confirmation).';
  static override description =
    'Sets, changes and removes runtime values so that they are as right after VERSION (0: none), recorded as a new version. See config:history for versions. Needs config:write, and config:security when a security setting (auth.*, database.url, ...) would change; a host-only setting (auth.localTrust) is never brought back.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --to 3 --confirm',
    '<%= config.bin %> <%= command.id %> --to 3 --dry-run',
  ];
  static override flags = {
    to: Flags.integer({description: 'The version to return to.', required: true, min: 0}),
    ...confirmFlag,
    ...dryRunFlag,
  };
  static override columns = ['key', 'before', 'after'];

  async run(): Promise<ChangeResult['changes']> {
    const result = await (
      await this.configService()
    ).rollback(await this.actor(), this.flags.to, {dryRun: this.flags['dry-run'], confirm: this.confirm});
    if (result.changes.length === 0) {
      this.notices.push(`The runtime configuration is already as at version ${this.flags.to}.`);
      return [];
    }
    if (result.dryRun) {
      this.meta.dryRun = true;
      return result.changes;
    }
    this.meta.version = result.version;
    this.notices.push(`Configuration version ${result.version}.`);
    return result.changes;
  }
}
