import {hostname} from 'node:os';
import {ANONYMOUS, permissionDenied, type Actor, type Counter, type EventBus} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import {normalizeEmail, type UserRow, type UsersApi} from '@systemprompt/users';
import {LoginAttempt} from '../entities.js';
import {AUTH_LOGIN, AUTH_LOGOUT} from '../events.js';
import type {ResolvedAuthConfig} from '../config.js';
import type {MfaService} from './mfa.js';
import {readSessionFile, removeSessionFile, writeSessionFile} from './session-file.js';

export interface LoginInput {
  email: string;
  password: string;
  /** The TOTP code, when the user has two-factor sign-in on. */
  code?: string | undefined;
  /** Asks for the code when it is needed and was not given (a terminal); otherwise sign-in fails. */
  askCode?: (() => Promise<string>) | undefined;
}

export interface LoginResult {
  email: string;
  userId: string;
  sessionId: string;
  expiresAt: string;
  mfa: boolean;
}

export interface LockState {
  locked: boolean;
  failures: number;
  lockedUntil: string | null;
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

/** One row per email that has tried to sign in; its lock orders the attempts of that email. */
export const LOGIN_LOCKS_TABLE = 'auth_login_locks';

/** An attempt's row in auth_login_attempts, `checking` until settled. */
interface Slot {
  id: number;
  settled: boolean;
}

/**
 * Sign-in with email and password (and a TOTP code when MFA is on). Failures are counted per email:
 * `loginMaxFailures` within `loginLockMinutes` refuse further attempts, even with the right password,
 * until the oldest of those failures is `loginLockMinutes` old. The same message answers a wrong
 * email and a wrong password.
 *
 * The count is atomic: before the password is checked, an attempt takes a slot (a `checking` row,
 * counted as a failure until it is settled) in a transaction that holds the email's row of
 * `auth_login_locks`, so however many attempts run at once, at most `loginMaxFailures` are checked and
 * the rest are refused as locked. A slot left `checking` by a process that died counts as a failure
 * until it leaves the window.
 */
export class LoginService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly users: UsersApi,
    private readonly mfa: MfaService,
    private readonly config: ResolvedAuthConfig,
    private readonly sessionFile: string,
    private readonly events: EventBus,
    private readonly failures: Counter,
  ) {}

  /** The failures that count now: within the window and after the last successful sign-in (`checking` slots count). */
  async lockState(email: string, manager: EntityManager = this.db.manager): Promise<LockState> {
    const since = minutesAgo(this.config.loginLockMinutes);
    const repository = manager.getRepository(LoginAttempt);
    const lastOk = await repository
      .createQueryBuilder('a')
      .where('a.email = :email AND a.result = :ok AND a.at > :since', {email, ok: 'ok', since})
      .orderBy('a.at', 'DESC')
      .getOne();
    const failures = await repository
      .createQueryBuilder('a')
      .where('a.email = :email AND a.result IN (:...counted) AND a.at > :since', {
        email,
        counted: ['failed', 'checking'],
        since: lastOk && lastOk.at > since ? lastOk.at : since,
      })
      .orderBy('a.at', 'DESC')
      .getMany();
    const max = this.config.loginMaxFailures;
    if (failures.length < max) return {locked: false, failures: failures.length, lockedUntil: null};
    // Locked until the max-th newest failure leaves the window.
    const lockedUntil = new Date(
      new Date(failures[max - 1]!.at).getTime() + this.config.loginLockMinutes * 60_000,
    ).toISOString();
    return {locked: true, failures: failures.length, lockedUntil};
  }

  /**
   * Counts and takes a slot in one transaction that holds the email's lock row: its first statement
   * writes that row, which on MySQL/MariaDB locks it until commit (the next attempt of the email waits,
   * then reads this one's slot) and on SQLite takes the database's write lock before anything is read
   * (so the count is never from an older snapshot, whether the transaction began DEFERRED or
   * IMMEDIATE). Locked: the refusal is recorded and thrown.
   */
  private async reserve(email: string): Promise<Slot> {
    const mysql = this.db.engine === 'mysql';
    let taken: {lock: LockState; id: number} | undefined;
    // Twice at most: auth:db --clean may delete the email's row between its insert and the transaction.
    for (let round = 0; !taken; round += 1) {
      const now = new Date().toISOString();
      // Outside the transaction: on MySQL an INSERT IGNORE that meets the existing row takes a shared
      // lock on it, and two transactions each holding one would deadlock on the UPDATE.
      await this.db.manager.query(
        `${mysql ? 'INSERT IGNORE' : 'INSERT OR IGNORE'} INTO ${LOGIN_LOCKS_TABLE} (email, updated_at) VALUES (?, ?)`,
        [email, now],
      );
      taken = await this.db.transaction(async (manager) => {
        await manager.query(`UPDATE ${LOGIN_LOCKS_TABLE} SET updated_at = ? WHERE email = ?`, [now, email]);
        const [held] = await manager.query<unknown[]>(
          `SELECT email FROM ${LOGIN_LOCKS_TABLE} WHERE email = ?${mysql ? ' FOR UPDATE' : ''}`,
          [email],
        );
        if (!held && round === 0) return undefined;
        const state = await this.lockState(email, manager);
        const inserted = await manager
          .getRepository(LoginAttempt)
          .insert({email, at: now, result: state.locked ? 'locked' : 'checking'});
        return {lock: state, id: Number((inserted.identifiers[0] as {id: number | string}).id)};
      });
    }
    const {lock, id} = taken;
    if (lock.locked) {
      this.failures.inc({reason: 'locked'});
      await this.users.audit.record(ANONYMOUS, {
        action: 'auth.login',
        target: email,
        result: 'failed',
        details: {reason: 'locked', lockedUntil: lock.lockedUntil},
      });
      throw permissionDenied(`Too many failed sign-ins for ${email}: locked until ${lock.lockedUntil}`, {
        code: 'LOGIN_LOCKED',
        details: {lockedUntil: lock.lockedUntil},
        hint: `Try again after ${lock.lockedUntil} (auth.loginLockMinutes is ${this.config.loginLockMinutes}).`,
      });
    }
    return {id, settled: false};
  }

  /** `ok` or `failed` for good; `uncounted` (no code given, or an error that is not the user's) removes the slot. */
  private async settle(slot: Slot, result: 'ok' | 'failed' | 'uncounted'): Promise<void> {
    slot.settled = true;
    if (result === 'uncounted') await this.db.manager.query('DELETE FROM auth_login_attempts WHERE id = ?', [slot.id]);
    else await this.db.manager.query('UPDATE auth_login_attempts SET result = ? WHERE id = ?', [result, slot.id]);
  }

  private async refuse(
    email: string,
    slot: Slot,
    reason: string,
    counted: boolean,
    message: string,
    code: string,
    hint?: string,
  ): Promise<never> {
    await this.settle(slot, counted ? 'failed' : 'uncounted');
    this.failures.inc({reason});
    const state = counted ? await this.lockState(email) : undefined;
    await this.users.audit.record(ANONYMOUS, {
      action: 'auth.login',
      target: email,
      result: 'failed',
      details: {reason, ...(state ? {failures: state.failures} : {})},
    });
    await this.events.emit(AUTH_LOGIN, {email, ok: false, reason}, {actor: ANONYMOUS, subject: email});
    const locked = state?.locked ? `; sign-in for ${email} is locked until ${state.lockedUntil}` : '';
    throw permissionDenied(`${message}${locked}`, {code, ...(hint ? {hint} : {})});
  }

  async login(input: LoginInput): Promise<LoginResult> {
    const {user, mfa} = await this.verify(input);
    return this.openCliSession(user, {mfa});
  }

  /**
   * Checks the email, password and (MFA on) code under the failure count and lock, without opening
   * a session: the CLI's sign-in and the OAuth authorization server's sign-in page both start here.
   */
  async verify(input: LoginInput): Promise<{user: UserRow; mfa: boolean}> {
    const email = normalizeEmail(input.email);
    const slot = await this.reserve(email);
    try {
      const verified = await this.check(email, input, slot);
      await this.settle(slot, 'ok');
      return verified;
    } finally {
      // Anything that failed before the slot was settled is not the user's failure. A failure to remove
      // the slot must not hide that error; the slot then counts until it leaves the window.
      if (!slot.settled) await this.settle(slot, 'uncounted').catch(() => undefined);
    }
  }

  private async check(email: string, input: LoginInput, slot: Slot): Promise<{user: UserRow; mfa: boolean}> {
    const user = await this.users.users.authenticate(email, input.password);
    if (!user)
      return this.refuse(
        email,
        slot,
        'wrong email or password',
        true,
        'Wrong email or password, or the user is disabled',
        'LOGIN_FAILED',
      );
    const mfa = await this.mfa.isActive(user.id);
    if (mfa) {
      const code = input.code ?? (input.askCode ? await input.askCode() : undefined);
      if (code === undefined || code.trim() === '') {
        return this.refuse(
          email,
          slot,
          'no code',
          false,
          `${email} signs in with a code from an authenticator app`,
          'MFA_CODE_REQUIRED',
          'Add --code with the 6 digits your app shows.',
        );
      }
      if (!(await this.mfa.check(user.id, code)))
        return this.refuse(
          email,
          slot,
          'wrong code',
          true,
          'The code is not right',
          'MFA_CODE_INVALID',
          'Enter the code your app shows now (each code works once).',
        );
    }
    return {user, mfa};
  }

  /**
   * Opens the CLI session of this installation for a user whose identity is established (password
   * checked, or an identity provider's answer verified) and keeps it in the session file; the
   * previous session of this installation ends. `details` go into the audit record.
   */
  async openCliSession(user: UserRow, details: {mfa: boolean; provider?: string}): Promise<LoginResult> {
    if (user.status !== 'enabled') throw permissionDenied(`${user.email} is disabled`, {code: 'LOGIN_FAILED'});
    const previous = await readSessionFile(this.sessionFile).catch(() => undefined);
    if (previous) await this.users.sessions.close(previous.token);
    const {token, session} = await this.users.sessions.open(user, {
      ttlSeconds: this.config.sessionTtlHours * 3600,
      label: `cli@${hostname()}`,
    });
    try {
      await writeSessionFile(this.sessionFile, {token, email: user.email});
    } catch (error) {
      await this.users.sessions.close(token);
      throw error;
    }
    await this.users.users.recordLogin(user.id);
    const actor: Actor = {kind: 'user', id: user.id, label: user.email, via: 'session', credentialId: session.id};
    await this.users.audit.record(actor, {
      action: 'auth.login',
      target: user.email,
      result: 'ok',
      details: {session: session.id, ...details},
    });
    await this.events.emit(AUTH_LOGIN, {email: user.email, ok: true}, {actor, subject: user.email});
    return {
      email: user.email,
      userId: user.id,
      sessionId: session.id,
      expiresAt: session.expiresAt,
      mfa: details.mfa,
    };
  }

  /** Ends the session of the session file and removes the file. */
  async logout(): Promise<{email: string | null; signedOut: boolean}> {
    const content = await readSessionFile(this.sessionFile).catch(async () => {
      await removeSessionFile(this.sessionFile);
      return undefined;
    });
    if (!content) return {email: null, signedOut: false};
    const found = await this.users.sessions.verify(content.token);
    await this.users.sessions.close(content.token);
    await removeSessionFile(this.sessionFile);
    if (found) {
      const actor: Actor = {
        kind: 'user',
        id: found.user.id,
        label: found.user.email,
        via: 'session',
        credentialId: found.session.id,
      };
      await this.users.audit.record(actor, {
        action: 'auth.logout',
        target: found.user.email,
        result: 'ok',
        details: {session: found.session.id},
      });
      await this.events.emit(AUTH_LOGOUT, {email: found.user.email}, {actor, subject: found.user.email});
    }
    return {email: content.email, signedOut: true};
  }
}
