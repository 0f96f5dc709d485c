import {ExitCode, Flags, SystemPromptCommand} from '@systemprompt/core';
import {BackupService, passphraseFlags, readPassphrase, type ValidationReport} from '../../services/backup/index.js';
import {DATABASE} from '../../token.js';

export default class DataValidate extends SystemPromptCommand<typeof DataValidate> {
  static override summary = 'Check the data: foreign keys and orphans, migrations, schema drift, a backup.';
  static override description =
    "Lists every problem found: rows whose foreign key points at a missing row (SQLite's foreign_key_check; on MySQL/MariaDB one query per constraint), migrations applied that no installed module has or not yet applied, and schema drift (the applied migrations are run into a scratch database and every table, column and index they make must be in the live one). With --backup, the archive's checksums too. Exits 5 after the report when anything was found. Needs database:read.";
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --backup backup.tar.gz --json',
  ];
  static override flags = {
    backup: Flags.string({description: 'Also verify this backup archive (every checksum).'}),
    ...passphraseFlags,
  };
  static override columns = ['kind', 'table', 'detail'];

  async run(): Promise<ValidationReport | ValidationReport['findings']> {
    const passphrase = await readPassphrase({file: this.flags['passphrase-file'], env: this.flags['passphrase-env']});
    const service = new BackupService(await this.service(DATABASE), this.paths, async () =>
      (await this.kernel()).access(),
    );
    const report = await service.validate(await this.actor(), await this.modules(), {
      backup: this.flags.backup,
      passphrase,
    });
    if (!report.valid) this.exitAfterOutput(ExitCode.Conflict);
    if (this.format !== 'table') return report;
    this.notices.push(
      report.valid
        ? `No problems found (${report.checked.join(', ')}).`
        : `${report.findings.length} problem${report.findings.length === 1 ? '' : 's'} found.`,
    );
    return report.findings;
  }
}
