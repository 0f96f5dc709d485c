import {Flags} from '@systemprompt/core';
import {ApiCommand} from '../../../api-command.js';
import type {CreatedApiKey} from '../../../services/keys.js';

export default class ApiKeysCreate extends ApiCommand<typeof ApiKeysCreate> {
  static override summary = 'Create an API key for a user; the key is shown this once.';
  static override description = 'The key acts as its owner (--user; yourself when you are signed in), restricted to its scopes. Every scope must be a permission that the owner holds, and that you hold, else exit 4 naming the scope; wildcards such as users:* need users:* or * themselves. Only the key\'s SHA-256 hash and its first 12 characters (the prefix shown by api:keys:list) are stored, so store the key when it is printed. A key for another user takes api-keys:write.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> --name ci --user ana@example.com --scope users:read --scope config:read',
    '<%= config.bin %> <%= command.id %> --name reporting --scope "*:read" --expires-in-days 90',
    '<%= config.bin %> <%= command.id %> --name ci --user ana@example.com --scope users:read --json',
  ];
  static override flags = {
    name: Flags.string({description: 'A name for the key, unique among the owner\'s active keys (e.g. the machine or job that uses it).', required: true}),
    user: Flags.string({description: 'The owner: a user id or email (default: you, when you are signed in).', helpValue: 'USER'}),
    scope: Flags.string({description: 'A permission the key may use (repeatable; at least one): resource:action, resource:*, *:action or *.', multiple: true, helpValue: 'PERMISSION'}),
    'expires-in-days': Flags.integer({description: 'The key stops working after this many days (default: never).', min: 1, max: 3650}),
  };

  async run(): Promise<CreatedApiKey> {
    const api = await this.api();
    const created = await api.keys.create(await this.actor(), {
      name: this.flags.name,
      scopes: this.flags.scope ?? [],
      ...(this.flags.user === undefined ? {} : {user: this.flags.user}),
      ...(this.flags['expires-in-days'] === undefined ? {} : {expiresInDays: this.flags['expires-in-days']}),
    }, await this.declaredPermissions());
    this.notices.push('Store this key now: it is not shown again.');
    return created;
  }
}
