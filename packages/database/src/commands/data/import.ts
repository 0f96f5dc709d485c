import {
  Args,
  ExitCode,
  Flags,
  SystemPromptCommand,
  confirmFlag,
  dryRunFlag,
  renderTable,
  textResult,
  type TextResult,
} from '@systemprompt/core';
import {TransferService, type ImportReport} from '../../services/transfer/transfer-service.js';
import {DATABASE} from '../../token.js';

export default class DataImport extends SystemPromptCommand<typeof DataImport> {
  static override summary = 'Import a data:export file in one transaction: all rows or none.';
  static override description =
    "Reads the file line by line (NDJSON, JSON or CSV as data:export writes them) and checks every row against this database's live schema: unknown tables or columns, types, NOT NULL, and the engine's unique and foreign keys. Any refused row rolls everything back; the report names each (table, row number, column, reason) and the command exits 2. --replace empties the file's tables first, in the same transaction (asks for confirmation). --dry-run checks everything inside a transaction that is rolled back. Needs database:query and database:write; audited.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> backup.ndjson --dry-run',
    '<%= config.bin %> <%= command.id %> backup.ndjson --replace --confirm',
    '<%= config.bin %> <%= command.id %> users.json --json',
  ];
  static override args = {
    file: Args.string({required: true, description: 'The file data:export wrote.'}),
  };
  static override flags = {
    replace: Flags.boolean({description: "Empty the file's tables first (asks for confirmation)."}),
    ...dryRunFlag,
    ...confirmFlag,
  };

  async run(): Promise<TextResult> {
    const kernel = await this.kernel();
    const service = new TransferService(await this.service(DATABASE), () => kernel.access());
    const report: ImportReport = await service.importData(await this.actor(), await this.modules(), {
      file: this.args.file,
      dryRun: this.flags['dry-run'],
      replace: this.flags.replace,
      confirm: (question) => this.confirmAction(question),
    });
    if (report.dryRun) this.meta.dryRun = true;
    if (report.problemCount > 0) {
      this.warnings.push(
        `Nothing was imported: ${report.problemCount} problem${report.problemCount === 1 ? '' : 's'} in ${report.file}${report.problemCount > report.problems.length ? ` (the first ${report.problems.length} listed)` : ''}.`,
      );
      this.exitAfterOutput(ExitCode.InvalidInput);
      return textResult(
        renderTable(
          report.problems.map((problem) => ({...problem})),
          {columns: ['table', 'row', 'line', 'column', 'reason']},
        ),
        report,
      );
    }
    this.notices.push(
      report.dryRun
        ? `Dry run: ${report.rows} rows would be imported; nothing was written.`
        : `Imported ${report.rows} rows into ${report.tables.length} tables.`,
    );
    return textResult(renderTable(report.tables, {columns: ['table', 'rows']}), report);
  }
}
