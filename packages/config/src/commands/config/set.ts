import {Args, batchFlag, dryRunFlag, invalidInput, type BatchResult, type BatchRow} from '@systemprompt/core';
import {ConfigCommand} from '../../services/config-command.js';
import type {ChangeResult} from '../../services/config-service.js';

/** A row's value as config:set takes it on the command line: strings as they are, anything else as JSON. */
function rowValue(row: BatchRow): string {
  const value = row.value;
  if (value === undefined || value === null)
    throw invalidInput('The row has no value', {code: 'CONFIG_VALUE_REQUIRED', hint: 'Each row needs key and value.'});
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export default class ConfigSet extends ConfigCommand<typeof ConfigSet> {
  static override summary = "Set a runtime configuration value (validated by the module's schema, kept with history).";
  static override description = `The value is typed by the schema: 5 stays a number, true a boolean, JSON for lists and objects. An unknown key or an invalid value is exit 2 with the schema path and the allowed values. Secrets are stored encrypted.

Needs config:write, and config:security for a security setting (every auth.* key, database.url, and keys a module marks security). Host-only settings (auth.localTrust) are refused (exit 2): set them on each host with config:env:set or in config.yaml.

--batch FILE sets one key per row (NDJSON, JSON, YAML or CSV with the header key,value). Each row is checked and stored on its own and reported; the command exits 2 when any row failed. --dry-run checks everything and changes nothing.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> logger.level debug',
    '<%= config.bin %> <%= command.id %> database.poolSize 20',
    '<%= config.bin %> <%= command.id %> logger.maxFiles 3 --dry-run',
    '<%= config.bin %> <%= command.id %> --batch settings.csv   # settings.csv: key,value',
  ];
  static override args = {
    key: Args.string({description: 'module.key, e.g. logger.level (required unless --batch).'}),
    value: Args.string({description: 'The new value (required unless --batch).'}),
  };
  static override flags = {...batchFlag, ...dryRunFlag};
  static override columns = ['key', 'before', 'after'];

  async run(): Promise<ChangeResult['changes'] | BatchResult<ChangeResult['changes']>> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const actor = await this.actor();
    const service = await this.configService();
    if (this.flags.batch) {
      if (this.args.key !== undefined)
        throw invalidInput('Give KEY VALUE or --batch, not both', {code: 'BATCH_WITH_ARGUMENT'});
      return this.batch(this.flags.batch, async (row) => {
        if (typeof row.key !== 'string' || row.key === '')
          throw invalidInput('The row has no key', {
            code: 'CONFIG_KEY_REQUIRED',
            hint: 'Each row needs key and value.',
          });
        return (await service.set(actor, row.key, rowValue(row), {dryRun})).changes;
      });
    }
    if (this.args.key === undefined || this.args.value === undefined) {
      throw invalidInput('Give the key and the value', {
        code: 'INVALID_USAGE',
        hint: 'config:set KEY VALUE (e.g. config:set logger.level debug), or config:set --batch FILE.',
      });
    }
    const result = await service.set(actor, this.args.key, this.args.value, {dryRun});
    this.meta.version = result.version;
    if (result.changes.length === 0) this.notices.push(`${this.args.key} already has that value.`);
    else if (!result.dryRun) this.notices.push(`Configuration version ${result.version}.`);
    return result.changes;
  }
}
