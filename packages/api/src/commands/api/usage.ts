import {Flags, listFlags, type ListResult} from '@systemprompt/core';
import {ApiCommand} from '../../api-command.js';
import {USAGE_LIST_FIELDS, type UsageRow} from '../../services/usage.js';

export default class ApiUsage extends ApiCommand<typeof ApiUsage> {
  static override summary = 'Show how many requests each API key made, per endpoint and day (UTC).';
  static override description =
    "Without --key: every key's usage when you hold api-usage:read, else your own keys'. The usage of your own key needs no permission. KEY is the key's prefix. Filtering, searching (key, name, endpoint), sorting and paging happen in the database.";
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --key spk_AbCd1234 --since 2026-11-01',
    '<%= config.bin %> <%= command.id %> --sort count --order desc --limit 10 --json',
  ];
  static override flags = {
    ...listFlags,
    key: Flags.string({description: 'Only this key (id or prefix).', helpValue: 'KEY'}),
    since: Flags.string({description: 'Only days from this one on (UTC).', helpValue: 'YYYY-MM-DD'}),
  };
  static override columns = USAGE_LIST_FIELDS;

  async run(): Promise<ListResult<UsageRow>> {
    const query = this.listQuery({fields: USAGE_LIST_FIELDS, defaultLimit: null});
    const result = await (
      await this.api()
    ).usage.report(
      await this.actor(),
      {
        ...(this.flags.key === undefined ? {} : {key: this.flags.key}),
        ...(this.flags.since === undefined ? {} : {since: this.flags.since}),
      },
      query,
    );
    if (result.total === 0 && query.filters.length === 0 && !query.search) this.notices.push('No usage recorded.');
    return result;
  }
}
