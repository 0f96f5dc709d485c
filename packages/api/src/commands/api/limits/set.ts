import {Flags} from '@systemprompt/core';
import {ApiCommand} from '../../../api-command.js';
import {MAX_PER_MINUTE, type LimitView} from '../../../services/limits.js';

export default class ApiLimitsSet extends ApiCommand<typeof ApiLimitsSet> {
  static override summary = 'Set the rate limit of an API key or a role, in requests per minute.';
  static override description =
    "Replaces the subject's limit when it has one. A key's own limit wins over its owner's roles'; among roles the lowest wins. An unknown key or role is exit 3. Takes api-limits:write, checked first (exit 4 before any look-up).";
  static override examples = [
    '<%= config.bin %> <%= command.id %> --role viewer --per-minute 60',
    '<%= config.bin %> <%= command.id %> --key spk_AbCd1234 --per-minute 600',
  ];
  static override flags = {
    key: Flags.string({description: 'The API key (id or prefix).', helpValue: 'KEY', exclusive: ['role']}),
    role: Flags.string({
      description: "The role (its users' keys share its limit, each key counted on its own).",
      helpValue: 'ROLE',
      exclusive: ['key'],
    }),
    'per-minute': Flags.integer({
      description: `Requests per minute (1 to ${MAX_PER_MINUTE}).`,
      required: true,
      min: 1,
      max: MAX_PER_MINUTE,
    }),
  };

  async run(): Promise<LimitView> {
    return (await this.api()).limits.set(
      await this.actor(),
      {
        ...(this.flags.key === undefined ? {} : {key: this.flags.key}),
        ...(this.flags.role === undefined ? {} : {role: this.flags.role}),
      },
      this.flags['per-minute'],
    );
  }
}
