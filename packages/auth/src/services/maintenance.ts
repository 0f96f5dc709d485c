import {isSystemPromptError, unavailable, type Actor} from '@systemprompt/core';
import {SECRET_KEY_ENV, SECRET_KEY_FILE_ENV, isEncrypted, type SecretBox} from '@systemprompt/core/config';
import type {ModuleDatabase} from '@systemprompt/database';
import type {UsersApi} from '@systemprompt/users';
import type {ResolvedAuthConfig} from '../config.js';
import {LoginAttempt} from '../entities.js';
import {LOGIN_LOCKS_TABLE} from './login.js';

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
  /** Encrypted secrets stored (MFA secrets, provider client secrets), every one readable with this host's key. */
  secretsReadable: number;
}

/** A stored secret this host's key cannot decrypt: where it is, never what it is. */
export interface UnreadableSecret {
  table: 'auth_mfa' | 'auth_providers';
  column: 'secret' | 'client_secret';
  /** The row's key: the user's id, or the provider's name. */
  row: string;
  /** For people: "the MFA secret of ana@example.com". */
  what: string;
  reason: 'no secret key on this host' | 'encrypted with another key';
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
    private readonly secrets: SecretBox,
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

  /**
   * The counts, after checking that every stored secret decrypts with this host's key. Hosts that share
   * a database need the same key (SYSTEMPROMPT_SECRET_KEY); one that has another cannot check MFA codes
   * or use a provider's client secret. Any unreadable secret: exit 6 (the key those secrets need is not
   * available here, as a database that cannot be reached is), naming each row, the counts in details.
   */
  async statistics(actor: Actor): Promise<AuthStatistics> {
    await this.users.access.authorize(actor, 'auth:read', 'auth.read-statistics');
    const now = new Date().toISOString();
    const counts = {
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
      recentFailures: await this.count('auth_login_attempts', 't.result = :result AND t.at > :since', {
        result: 'failed',
        since: this.windowStart(),
      }),
    };
    const {checked, unreadable} = await this.checkSecrets();
    const statistics: AuthStatistics = {...counts, secretsReadable: checked - unreadable.length};
    if (unreadable.length > 0) {
      const shown = unreadable
        .slice(0, 10)
        .map((secret) => secret.what)
        .join(', ');
      const more = unreadable.length > 10 ? ` and ${unreadable.length - 10} more` : '';
      throw unavailable(
        `${unreadable.length} of ${checked} stored secret${checked === 1 ? '' : 's'} cannot be decrypted with this host's secret key (${this.secrets.keySource}): ${shown}${more}`,
        {
          code: 'SECRETS_UNREADABLE',
          details: {keySource: this.secrets.keySource, unreadable, statistics},
          hint:
            `Hosts that share a database need the key these secrets were written with: set ${SECRET_KEY_ENV} (32 bytes, base64) or ${SECRET_KEY_FILE_ENV} to it on every host. ` +
            'Without that key they are lost: the users enroll again (auth:mfa:disable, auth:mfa:enroll), the providers are added again with their secrets.',
        },
      );
    }
    return statistics;
  }

  /** Tries every encrypted secret of the auth tables with this host's key, a page at a time. */
  private async checkSecrets(): Promise<{checked: number; unreadable: UnreadableSecret[]}> {
    const unreadable: UnreadableSecret[] = [];
    let checked = 0;
    const check = async (stored: string | null, found: Omit<UnreadableSecret, 'reason'>) => {
      if (!isEncrypted(stored)) return;
      checked += 1;
      try {
        await this.secrets.decrypt(stored);
      } catch (error) {
        // A key that is itself invalid is its own clear error (exit 2), not a list of every secret.
        if (!isSystemPromptError(error) || (error.code !== 'SECRET_KEY_MISSING' && error.code !== 'SECRET_UNREADABLE'))
          throw error;
        unreadable.push({
          ...found,
          reason: error.code === 'SECRET_KEY_MISSING' ? 'no secret key on this host' : 'encrypted with another key',
        });
      }
    };
    const page = 500;
    let after = '';
    for (;;) {
      const rows = await this.db.manager.query<Array<{user_id: string; secret: string; email: string | null}>>(
        `SELECT m.user_id, m.secret, u.email FROM auth_mfa m LEFT JOIN users u ON u.id = m.user_id WHERE m.user_id > ? ORDER BY m.user_id LIMIT ${page}`,
        [after],
      );
      for (const row of rows)
        await check(row.secret, {
          table: 'auth_mfa',
          column: 'secret',
          row: row.user_id,
          what: `the MFA secret of ${row.email ?? row.user_id}`,
        });
      if (rows.length < page) break;
      after = rows.at(-1)!.user_id;
    }
    const providers = await this.db.manager.query<Array<{name: string; client_secret: string}>>(
      'SELECT name, client_secret FROM auth_providers WHERE client_secret IS NOT NULL ORDER BY name',
    );
    for (const row of providers)
      await check(row.client_secret, {
        table: 'auth_providers',
        column: 'client_secret',
        row: row.name,
        what: `the client secret of identity provider ${row.name}`,
      });
    return {checked, unreadable};
  }

  /** Deletes expired and revoked sessions, and sign-in attempts older than the lock window. */
  async clean(actor: Actor): Promise<CleanResult> {
    await this.users.access.authorize(actor, 'auth:maintain', 'auth.clean');
    const sessionsDeleted = await this.users.sessions.purge();
    const attempts = await this.db
      .repository(LoginAttempt)
      .createQueryBuilder()
      .delete()
      .where('at < :since', {since: this.windowStart()})
      .execute();
    // The emails' lock rows hold nothing but the time of the last attempt (sign-in recreates them).
    await this.db.manager.query(`DELETE FROM ${LOGIN_LOCKS_TABLE} WHERE updated_at < ?`, [this.windowStart()]);
    const result = {sessionsDeleted, loginAttemptsDeleted: attempts.affected ?? 0};
    await this.users.audit.record(actor, {
      action: 'auth.clean',
      result: 'ok',
      permission: 'auth:maintain',
      details: {...result},
    });
    return result;
  }
}
