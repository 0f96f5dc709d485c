import {applyListQuery, listFlags, type ListResult} from '@systemprompt/core';
import {ApiCommand} from '../../api-command.js';
import type {LimitView} from '../../services/limits.js';

const FIELDS = ['kind', 'subject', 'name', 'requestsPerMinute'] as const;

export default class ApiLimits extends ApiCommand<typeof ApiLimits> {
  static override summary = 'List the rate limits: requests per minute per API key or per role.';
  static override description =
    "A request made with a key is limited by the key's own limit if it has one, else by the lowest limit among its owner's roles, else not at all. Requests are counted in the database, in an approximate sliding minute shared by every server (see the api README). SUBJECT is the key's prefix or the role name. Takes api-limits:read.";
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --filter kind=role --json',
  ];
  static override flags = {...listFlags};
  static override columns = FIELDS;

  async run(): Promise<ListResult<LimitView>> {
    const query = this.listQuery({fields: FIELDS, defaultLimit: null});
    const result = applyListQuery(await (await this.api()).limits.list(await this.actor()), query, {
      searchable: ['subject', 'name'],
    });
    if (result.total === 0 && query.filters.length === 0 && !query.search)
      this.notices.push('No rate limits; set one with api:limits:set (--key KEY | --role ROLE) --per-minute N.');
    return result;
  }
}
