import {Flags, SystemPromptCommand, confirmFlag} from '@systemprompt/core';
import {TransferService, type MigrateReport} from '../../services/transfer/transfer-service.js';
import {DATABASE} from '../../token.js';

export default class DataMigrate extends SystemPromptCommand<typeof DataMigrate> {
  static override summary =
    'Copy all data to another database (e.g. the embedded SQLite to MySQL/MariaDB) and verify it.';
  static override description =
    "Opens the database at --to (a MySQL database is created when missing), migrates it with the installed modules' migrations, copies every table in one transaction on the target (parents before children), then compares row counts and an order-independent checksum of every table on both sides. A target whose tables hold rows is refused unless --force (with confirmation). Prints the SYSTEMPROMPT_DATABASE_URL line to switch to (password redacted). This installation keeps using its current database until you switch. Needs database:query and database:write; audited.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> --to mysql://systemprompt:secret@127.0.0.1:3306/systemprompt',
    '<%= config.bin %> <%= command.id %> --to mysql://root@127.0.0.1:3306/systemprompt --force --confirm',
  ];
  static override flags = {
    to: Flags.string({
      description: 'The database to copy to: mysql://user:password@host:3306/name (or sqlite:///path/file).',
      required: true,
    }),
    force: Flags.boolean({description: 'Replace the rows a target already holds (asks for confirmation).'}),
    ...confirmFlag,
  };
  static override columns = ['table', 'module', 'sourceRows', 'targetRows', 'checksum', 'verified'];

  async run(): Promise<MigrateReport['tables']> {
    const kernel = await this.kernel();
    const service = new TransferService(await this.service(DATABASE), () => kernel.access());
    const report = await service.migrate(await this.actor(), await this.modules(), {
      url: this.flags.to,
      force: this.flags.force,
      confirm: (question) => this.confirmAction(question),
    });
    this.meta.target = report.target;
    this.meta.rows = report.rows;
    this.meta.switchWith = report.switchWith;
    this.notices.push(
      `Copied and verified ${report.rows} rows of ${report.tables.length} tables to ${report.target}.`,
      `To switch to it: ${report.switchWith}`,
    );
    return report.tables;
  }
}
