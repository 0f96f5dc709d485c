import {randomBytes} from 'node:crypto';
import {createWriteStream} from 'node:fs';
import {rename, rm} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {
  Flags,
  SystemPromptCommand,
  invalidInput,
  outputFlags,
  textResult,
  type OutputFormat,
  type TextResult,
} from '@systemprompt/core';
import type {ExportFormat, ExportSummary} from '../../services/transfer/transfer-service.js';
import {TransferService} from '../../services/transfer/transfer-service.js';
import {DATABASE} from '../../token.js';

// --format and --output name the export itself here, so the envelope's --format is left out; --json
// prints the summary envelope (with --output, since the export goes to standard output otherwise).
const {format: _envelopeFormat, output: _envelopeOutput, ...otherOutputFlags} = outputFlags;

export default class DataExport extends SystemPromptCommand<typeof DataExport> {
  static override summary = 'Export the rows of every table (or a module, or one table) as NDJSON, JSON or CSV.';
  static override description =
    "Streams the rows page by page in primary-key order from one consistent snapshot, as they are stored: encrypted columns stay encrypted, nothing is decrypted. The file starts with a header naming its format version, the engine, the installed module versions and each table's columns and row count, which data:import checks. Needs database:query (an export reads password hashes and secrets, as raw queries do); audited. --output is written atomically and owner-only; without it the export goes to standard output. CSV holds one table (--table).";
  static override examples = [
    '<%= config.bin %> <%= command.id %> --output backup.ndjson',
    '<%= config.bin %> <%= command.id %> --module users --format json --output users.json',
    '<%= config.bin %> <%= command.id %> --table webhook_endpoints --format csv > endpoints.csv',
  ];
  static override baseFlags = otherOutputFlags as typeof outputFlags;
  static override flags = {
    module: Flags.string({description: "Only this module's tables."}),
    table: Flags.string({description: 'Only this table.'}),
    format: Flags.string({description: 'File format.', options: ['ndjson', 'json', 'csv'], default: 'ndjson'}),
    output: Flags.string({description: 'Write the export to this file (atomically, owner-only).'}),
  };

  protected override get format(): OutputFormat {
    const flags = this.flags as {json?: boolean} | undefined;
    if (flags) return flags.json ? 'json' : 'table';
    return this.argv.includes('--json') ? 'json' : 'table';
  }

  async run(): Promise<TextResult> {
    const output = this.flags.output;
    if (this.flags.json && !output)
      throw invalidInput('--json needs --output: without it the export itself goes to standard output', {
        code: 'INVALID_USAGE',
        hint: 'Add --output FILE.',
      });
    const kernel = await this.kernel();
    const service = new TransferService(await this.service(DATABASE), () => kernel.access());
    const temporary = output
      ? join(dirname(output), `.${basename(output)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
      : undefined;
    const stream = temporary ? createWriteStream(temporary, {mode: 0o600}) : process.stdout;
    const write = (text: string) =>
      new Promise<void>((resolve, reject) => {
        // Backpressure: the next page is read only when this chunk is handed to the file or pipe.
        if (stream.write(text, (error) => (error ? reject(error) : undefined))) resolve();
        else stream.once('drain', resolve);
      });
    let summary: ExportSummary;
    try {
      summary = await service.exportData(await this.actor(), await this.modules(), {
        module: this.flags.module,
        table: this.flags.table,
        format: this.flags.format as ExportFormat,
        write,
      });
      if (temporary) {
        await new Promise<void>((resolve, reject) =>
          (stream as NodeJS.WritableStream).end((error?: Error | null) => (error ? reject(error) : resolve())),
        );
        await rename(temporary, output!);
      }
    } catch (error) {
      if (temporary) {
        (stream as ReturnType<typeof createWriteStream>).destroy();
        await rm(temporary, {force: true});
      }
      throw error;
    }
    // The export is in --output already; the base command must not write the summary over it.
    (this.flags as {output?: string}).output = undefined;
    if (output) this.notices.push(`Exported ${summary.rows} rows of ${summary.tables.length} tables to ${output}`);
    return textResult('', summary);
  }
}
