import {Args, confirmFlag} from '@systemprompt/core';
import {ApiCommand} from '../../../api-command.js';
import type {CreatedApiKey} from '../../../services/keys.js';

export default class ApiKeysRotate extends ApiCommand<typeof ApiKeysRotate> {
  static override summary =
    'Replace an API key by a new one with the same name, scopes and expiry; the old key stops working (asks for confirmation).';
  static override description =
    "The new key is shown this once; the old one is revoked in the same transaction. The scopes are checked again: they must still be held by the owner (and by you). Only an active key can be rotated (a revoked or expired one is exit 5). Your own keys need no permission; another user's take api-keys:write, checked before the key is looked up.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> spk_AbCd1234',
    '<%= config.bin %> <%= command.id %> spk_AbCd1234 --confirm --json',
  ];
  static override args = {
    key: Args.string({
      required: true,
      description: "The key's id or prefix (spk_ and 8 characters), as api:keys:list shows.",
    }),
  };
  static override flags = {...confirmFlag};

  async run(): Promise<CreatedApiKey & {replaces: string}> {
    const api = await this.api();
    const rotated = await api.keys.rotate(await this.actor(), this.args.key, {
      confirm: (question) => this.confirmAction(question),
    });
    this.notices.push('Store this key now: it is not shown again.');
    return rotated;
  }
}
