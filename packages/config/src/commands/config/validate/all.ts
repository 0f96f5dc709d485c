import {invalidInput, loadManifest} from '@systemprompt/core';
import {ConfigCommand} from '../../../services/config-command.js';

interface CheckRow {
  module: string;
  package: string;
  check: 'manifest' | 'config';
  ok: boolean;
  problem: string;
}

export default class ConfigValidateAll extends ConfigCommand<typeof ConfigValidateAll> {
  static override summary = "Check every module's manifest (module.yaml) and configuration.";
  static override description =
    "Reads each installed module's module.yaml afresh and validates it against the manifest schema, then checks each module's configuration and stored secrets as config:validate does. Exit 2 when anything is invalid, after listing everything. Needs config:read.";
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override columns = ['module', 'check', 'ok', 'problem'];

  async run(): Promise<CheckRow[]> {
    const report = await this.validationReport();
    const records = await this.modules();
    const rows: CheckRow[] = [];
    for (const record of records) {
      try {
        if (record.error) throw record.error;
        await loadManifest(record.root);
        rows.push({module: record.name, package: record.packageName, check: 'manifest', ok: true, problem: ''});
      } catch (error) {
        rows.push({
          module: record.name,
          package: record.packageName,
          check: 'manifest',
          ok: false,
          problem: error instanceof Error ? error.message : String(error),
        });
      }
    }
    for (const problem of report.problems) {
      rows.push({
        module: problem.module,
        package: records.find((record) => record.name === problem.module)?.packageName ?? '',
        check: 'config',
        ok: false,
        problem: problem.problem,
      });
    }
    const failed = rows.filter((row) => !row.ok);
    if (failed.length > 0)
      throw invalidInput(
        `${failed.length} problem${failed.length === 1 ? '' : 's'}:\n${failed.map((row) => `${row.module} (${row.check}): ${row.problem}`).join('\n')}`,
        {code: 'VALIDATION_FAILED', details: {checks: rows, unreadableSecrets: report.unreadableSecrets}},
      );
    return rows;
  }
}
