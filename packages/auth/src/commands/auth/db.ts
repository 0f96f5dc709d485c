import {Flags, SystemPromptCommand} from '@systemprompt/core';
import type {AuthStatistics, CleanResult} from '../../index.js';
import {AUTH} from '../../token.js';

export default class AuthDb extends SystemPromptCommand<typeof AuthDb> {
  static override summary = 'Show what the sign-in tables hold; --clean deletes expired sessions and old attempts.';
  static override description =
    'Counts users, sessions (active, expired, revoked), signing keys by status, identity providers, users with two-factor sign-in on, and sign-in attempts (with the failures that count toward a lock now). Needs auth:read.\n\n' +
    "It also tries every stored secret (MFA secrets, identity providers' client secrets) with this host's secret key: when any cannot be decrypted (a host of a shared database with another key, or none) it exits 6 naming each one (the user or provider, never the secret) with the counts in the error's details. Hosts that share a database set SYSTEMPROMPT_SECRET_KEY or SYSTEMPROMPT_SECRET_KEY_FILE to the same key.\n\n" +
    '--clean deletes expired and revoked sessions and the sign-in attempts older than auth.loginLockMinutes, and reports how many; it needs auth:maintain.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --clean --json',
  ];
  static override flags = {
    clean: Flags.boolean({
      description: 'Delete expired and revoked sessions and sign-in attempts that no longer count.',
    }),
  };

  async run(): Promise<AuthStatistics | CleanResult> {
    const auth = await this.service(AUTH);
    const actor = await this.actor();
    if (!this.flags.clean) return auth.maintenance.statistics(actor);
    const result = await auth.maintenance.clean(actor);
    this.notices.push(
      `Deleted ${result.sessionsDeleted} session${result.sessionsDeleted === 1 ? '' : 's'} and ${result.loginAttemptsDeleted} sign-in attempt${result.loginAttemptsDeleted === 1 ? '' : 's'}.`,
    );
    return result;
  }
}
