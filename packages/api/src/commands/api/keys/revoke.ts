import {Args, confirmFlag} from '@systemprompt/core';
import {ApiCommand} from '../../../api-command.js';
import type {ApiKeyView} from '../../../services/keys.js';

export default class ApiKeysRevoke extends ApiCommand<typeof ApiKeysRevoke> {
  static override summary = 'Revoke an API key: it stops working at once (dangerous: asks for confirmation).';
  static override description =
    "A revoked key cannot be used or rotated again; it stays listed (status revoked) with its usage. Your own keys need no permission; another user's take api-keys:write, checked before the key is looked up (without it: exit 4, whether or not the key exists). Revoking a revoked key is exit 5.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> spk_AbCd1234',
    '<%= config.bin %> <%= command.id %> 0b6f2c1e-5d7a-4c43-9a8e-2f1d3c4b5a69 --confirm',
  ];
  static override args = {
    key: Args.string({
      required: true,
      description: "The key's id or prefix (spk_ and 8 characters), as api:keys:list shows.",
    }),
  };
  static override flags = {...confirmFlag};

  async run(): Promise<ApiKeyView> {
    const api = await this.api();
    return api.keys.revoke(await this.actor(), this.args.key, {confirm: (question) => this.confirmAction(question)});
  }
}
