import {Flags, batchFlag, dryRunFlag, invalidInput, type BatchResult} from '@systemprompt/core';
import {rowValues} from '@systemprompt/users';
import {ApiCommand} from '../../../api-command.js';
import type {ApiKeyPreview, CreatedApiKey} from '../../../services/keys.js';

const ROW = {name: 'string', user: 'string', scopes: 'list', expiresInDays: 'integer'} as const;

export default class ApiKeysCreate extends ApiCommand<typeof ApiKeysCreate> {
  static override summary =
    'Create an API key for a user (or one per row of a --batch file); the key is shown this once.';
  static override description = `The key acts as its owner (--user; yourself when you are signed in), restricted to its scopes. Every scope must be a permission that the owner holds (else exit 4 SCOPE_NOT_HELD naming the scope), and that you hold (exit 4 PERMISSION_ESCALATION: nobody issues a key that can do more than they can); wildcards such as users:* need users:* or * themselves. Only the key's SHA-256 hash and its first 12 characters (the prefix shown by api:keys:list) are stored, so store the key when it is printed. A key for another user takes api-keys:write, checked before the user is looked up. The name has at most 100 characters.

--batch FILE creates one key per row (NDJSON, JSON, YAML or CSV with a header). Row fields: name (required), user, scopes (a list, or in CSV one cell separated by spaces or semicolons), expiresInDays. Each row is reported on its own (with its key, once); the command exits 2 when any row failed. --dry-run checks everything and creates no key.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --name ci --user ana@example.com --scope users:read --scope config:read',
    '<%= config.bin %> <%= command.id %> --name reporting --scope "*:read" --expires-in-days 90',
    '<%= config.bin %> <%= command.id %> --name ci --user ana@example.com --scope users:read --json',
    '<%= config.bin %> <%= command.id %> --batch keys.csv --json --output keys.json   # keys.csv: name,user,scopes,expiresInDays',
  ];
  static override flags = {
    name: Flags.string({
      description: "A name for the key, unique among the owner's active keys (e.g. the machine or job that uses it).",
      exclusive: ['batch'],
    }),
    user: Flags.string({
      description: 'The owner: a user id or email (default: you, when you are signed in).',
      helpValue: 'USER',
      exclusive: ['batch'],
    }),
    scope: Flags.string({
      description:
        'A permission the key may use (repeatable; at least one): resource:action, resource:*, *:action or *.',
      multiple: true,
      helpValue: 'PERMISSION',
      exclusive: ['batch'],
    }),
    'expires-in-days': Flags.integer({
      description: 'The key stops working after this many days (default: never).',
      min: 1,
      max: 3650,
      exclusive: ['batch'],
    }),
    ...batchFlag,
    ...dryRunFlag,
  };

  async run(): Promise<CreatedApiKey | ApiKeyPreview | BatchResult<CreatedApiKey | ApiKeyPreview>> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const api = await this.api();
    const actor = await this.actor();
    const declared = await this.declaredPermissions();
    if (this.flags.batch) {
      const result = await this.batch(this.flags.batch, async (row) => {
        const {name, user, scopes, expiresInDays} = rowValues(row, ROW);
        if (!name) throw invalidInput('The row has no name', {code: 'KEY_NAME_INVALID'});
        return api.keys.create(
          actor,
          {
            name,
            scopes: scopes ?? [],
            ...(user === undefined ? {} : {user}),
            ...(expiresInDays === undefined ? {} : {expiresInDays}),
          },
          declared,
          {dryRun},
        );
      });
      if (!dryRun && result.succeeded > 0) this.notices.push('Store these keys now: they are not shown again.');
      return result;
    }
    if (this.flags.name === undefined)
      throw invalidInput('--name is required', {code: 'KEY_NAME_INVALID', hint: 'Or give --batch FILE.'});
    const created = await api.keys.create(
      actor,
      {
        name: this.flags.name,
        scopes: this.flags.scope ?? [],
        ...(this.flags.user === undefined ? {} : {user: this.flags.user}),
        ...(this.flags['expires-in-days'] === undefined ? {} : {expiresInDays: this.flags['expires-in-days']}),
      },
      declared,
      {dryRun},
    );
    if (!dryRun) this.notices.push('Store this key now: it is not shown again.');
    return created;
  }
}
