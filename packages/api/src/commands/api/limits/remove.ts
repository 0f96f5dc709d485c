import {Flags} from '@systemprompt/core';
import {ApiCommand} from '../../../api-command.js';

export default class ApiLimitsRemove extends ApiCommand<typeof ApiLimitsRemove> {
  static override summary = 'Remove the rate limit of an API key or a role.';
  static override description =
    "Without its own limit, a key is limited by its owner's roles again (or not at all). A subject without a limit is exit 3. Takes api-limits:write, checked first: without it, exit 4 whether or not the key, role or limit exists.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> --role viewer',
    '<%= config.bin %> <%= command.id %> --key spk_AbCd1234',
  ];
  static override flags = {
    key: Flags.string({description: 'The API key (id or prefix).', helpValue: 'KEY', exclusive: ['role']}),
    role: Flags.string({description: 'The role.', helpValue: 'ROLE', exclusive: ['key']}),
  };

  async run(): Promise<{kind: 'key' | 'role'; subject: string; removed: true}> {
    return (await this.api()).limits.remove(await this.actor(), {
      ...(this.flags.key === undefined ? {} : {key: this.flags.key}),
      ...(this.flags.role === undefined ? {} : {role: this.flags.role}),
    });
  }
}
