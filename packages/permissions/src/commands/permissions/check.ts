import {Args, SystemPromptCommand, isPermission, invalidInput, permissionDenied} from '@systemprompt/core';
import type {AccessDecision, UsersApi} from '@systemprompt/users';

export default class PermissionsCheck extends SystemPromptCommand<typeof PermissionsCheck> {
  static override summary = 'Say whether a user holds a permission, and through what (exit 0 allowed, 4 denied).';
  static override description = 'Explains the path: a direct grant, a role, or a wildcard held directly or through a role. Scripts can branch on the exit code.';
  static override examples = ['<%= config.bin %> <%= command.id %> ana@example.com users:read', 'if <%= config.bin %> <%= command.id %> ana@example.com users:delete -q; then echo yes; fi'];
  static override args = {
    user: Args.string({required: true, description: 'User id or email.'}),
    permission: Args.string({required: true, description: 'The permission, e.g. users:read.'}),
  };

  async run(): Promise<AccessDecision & {user: string}> {
    if (!isPermission(this.args.permission)) throw invalidInput(`"${this.args.permission}" is not a permission (resource:action)`, {code: 'PERMISSION_INVALID'});
    const {access, users} = await this.service<UsersApi>();
    await access.authorize(await this.actor(), 'permissions:read', 'permissions.check', this.args.user);
    const user = await users.find(this.args.user);
    const decision = await access.decideForUser(user.id, this.args.permission);
    if (!decision.allowed) {
      throw permissionDenied(`${user.email} does not hold ${this.args.permission}: ${decision.path}`, {code: 'PERMISSION_NOT_HELD', details: {user: user.email, permission: this.args.permission, allowed: false, path: decision.path}});
    }
    return {user: user.email, ...decision};
  }
}
