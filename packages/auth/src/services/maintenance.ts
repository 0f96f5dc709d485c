import type {Actor} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import type {UsersApi} from '@systemprompt/users';
import type {ResolvedAuthConfig} from '../config.js';
import {LoginAttempt} from '../entities.js';

export interface AuthStatistics {
  users: number;
  sessionsActive: number;
  sessionsExpired: number;
  sessionsRevoked: number;
  keysActive: number;
  keysVerifyOnly: number;
  keysRetired: number;
  providers: number;
  mfaOn: number;
  loginAttempts: number;
  /** Failed sign-ins within auth.loginLockMinutes. */
  recentFailures: number;
}

export interface CleanResult {
  sessionsDeleted: number;
  loginAttemptsDeleted: number;
}

/** auth:db: what the sign-in tables hold, and removing what no longer counts. */
export class MaintenanceService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly users: UsersApi,
    private readonly config: ResolvedAuthConfig,
  ) {}

  private async count(table: string, where?: string, parameters: Record<string, unknown> = {}): Promise<number> {
    const builder = this.db.manager.createQueryBuilder().select('COUNT(*)', 'n').from(table, 't');
    if (where) builder.where(where, parameters);
    // MySQL answers COUNT(*) as a string.
    return Number((await builder.getRawOne<{n: number | string}>())?.n ?? 0);
  }

  private windowStart(): string {
    return new Date(Date.now() - this.config.loginLockMinutes * 60_000).toISOString();
  }

  async statistics(actor: Actor): Promise<AuthStatistics> {
    await this.users.access.authorize(actor, 'auth:read', 'auth.read-statistics');
    const now = new Date().toISOString();
    return {
      users: await this.count('users'),
      sessionsActive: await this.count('users_sessions', 't.revoked_at IS NULL AND t.expires_at > :now', {now}),
      sessionsExpired: await this.count('users_sessions', 't.revoked_at IS NULL AND t.expires_at <= :now', {now}),
      sessionsRevoked: await this.count('users_sessions', 't.revoked_at IS NOT NULL'),
      keysActive: await this.count('auth_signing_keys', 't.status = :status', {status: 'active'}),
      keysVerifyOnly: await this.count('auth_signing_keys', 't.status = :status', {status: 'verify-only'}),
      keysRetired: await this.count('auth_signing_keys', 't.status = :status', {status: 'retired'}),
      providers: await this.count('auth_providers'),
      mfaOn: await this.count('auth_mfa', 't.status = :status', {status: 'active'}),
      loginAttempts: await this.count('auth_login_attempts'),
      recentFailures: await this.count('auth_login_attempts', 't.result = :result AND t.at > :since', {result: 'failed', since: this.windowStart()}),
    };
  }

  /** Deletes expired and revoked sessions, and sign-in attempts older than the lock window. */
  async clean(actor: Actor): Promise<CleanResult> {
    await this.users.access.authorize(actor, 'auth:maintain', 'auth.clean');
    const sessionsDeleted = await this.users.sessions.purge();
    const attempts = await this.db.repository(LoginAttempt).createQueryBuilder().delete().where('at < :since', {since: this.windowStart()}).execute();
    const result = {sessionsDeleted, loginAttemptsDeleted: attempts.affected ?? 0};
    await this.users.audit.record(actor, {action: 'auth.clean', result: 'ok', permission: 'auth:maintain', details: {...result}});
    return result;
  }
}
