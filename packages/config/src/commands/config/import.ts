import {Args, dryRunFlag} from '@systemprompt/core';
import {ConfigCommand} from '../../services/config-command.js';
import type {ChangeResult} from '../../services/config-service.js';

export default class ConfigImport extends ConfigCommand<typeof ConfigImport> {
  static override summary = 'Import configuration values from a YAML or JSON file, all or nothing.';
  static override description =
    "Each value becomes a runtime setting, validated by its module's schema; if any key is unknown or any value invalid, nothing changes (exit 2). Masked secrets (********) are left as they are. Security settings (auth.*, database.url, ...) need config:security; host-only settings (auth.localTrust) are refused.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> config-backup.yaml',
    '<%= config.bin %> <%= command.id %> config-backup.yaml --dry-run',
  ];
  static override args = {
    file: Args.string({
      required: true,
      description: 'A file written by config:export, or {module: {key: value}} in YAML/JSON.',
    }),
  };
  static override flags = {...dryRunFlag};
  static override columns = ['key', 'before', 'after'];

  async run(): Promise<ChangeResult['changes']> {
    const result = await (
      await this.configService()
    ).importFile(await this.actor(), this.args.file, {dryRun: this.flags['dry-run']});
    this.meta.version = result.version;
    if (result.dryRun) this.meta.dryRun = true;
    this.notices.push(
      result.changes.length === 0
        ? 'Nothing to change.'
        : `${result.dryRun ? 'Would change' : 'Changed'} ${result.changes.length} value${result.changes.length === 1 ? '' : 's'}${result.dryRun ? '' : `; configuration version ${result.version}`}.`,
    );
    return result.changes;
  }
}
