import {Args, SystemPromptCommand, permissionDenied} from '@systemprompt/core';
import type {PermissionCheck} from '../../index.js';
import {PERMISSIONS} from '../../token.js';

export default class PermissionsCheck extends SystemPromptCommand<typeof PermissionsCheck> {
  static override summary = 'Say whether a user holds a permission, and through what (exit 0 allowed, 4 denied).';
  static override description =
    'Explains the path: a direct grant, a role, or a wildcard held directly or through a role. Scripts can branch on the exit code. Needs permissions:read (without it: exit 4, whether or not the user exists).';
  static override examples = [
    '<%= config.bin %> <%= command.id %> ana@example.com users:read',
    'if <%= config.bin %> <%= command.id %> ana@example.com users:delete -q; then echo yes; fi',
  ];
  static override args = {
    user: Args.string({required: true, description: 'User id or email.'}),
    permission: Args.string({
      required: true,
      description: 'The permission, e.g. users:read (wildcards such as users:* ask for the whole wildcard).',
    }),
  };

  async run(): Promise<PermissionCheck> {
    const {permissions} = await this.service(PERMISSIONS);
    const decision = await permissions.check(await this.actor(), this.args.user, this.args.permission);
    if (!decision.allowed) {
      throw permissionDenied(`${decision.user} does not hold ${decision.permission}: ${decision.path}`, {
        code: 'PERMISSION_NOT_HELD',
        details: {user: decision.user, permission: decision.permission, allowed: false, path: decision.path},
      });
    }
    return decision;
  }
}
