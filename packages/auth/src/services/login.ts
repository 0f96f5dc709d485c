import {hostname} from 'node:os';
import {ANONYMOUS, permissionDenied, type Actor, type EventBus} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import {normalizeEmail, type UsersApi} from '@systemprompt/users';
import {LoginAttempt, type LoginAttemptRow} from '../entities.js';
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

/**
 * Sign-in with email and password (and a TOTP code when MFA is on). Failures are counted per email:
 * `loginMaxFailures` within `loginLockMinutes` refuse further attempts, even with the right password,
 * until the oldest of those failures is `loginLockMinutes` old. The same message answers a wrong
 * email and a wrong password.
 */
export class LoginService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly users: UsersApi,
    private readonly mfa: MfaService,
    private readonly config: ResolvedAuthConfig,
    private readonly sessionFile: string,
    private readonly events: EventBus,
  ) {}

  /** The failures that count now: within the window and after the last successful sign-in. */
  async lockState(email: string): Promise<LockState> {
    const since = minutesAgo(this.config.loginLockMinutes);
    const repository = this.db.repository(LoginAttempt);
    const lastOk = await repository.createQueryBuilder('a').where('a.email = :email AND a.result = :ok AND a.at > :since', {email, ok: 'ok', since}).orderBy('a.at', 'DESC').getOne();
    const failures = await repository.createQueryBuilder('a')
      .where('a.email = :email AND a.result = :failed AND a.at > :since', {email, failed: 'failed', since: lastOk && lastOk.at > since ? lastOk.at : since})
      .orderBy('a.at', 'DESC').getMany();
    const max = this.config.loginMaxFailures;
    if (failures.length < max) return {locked: false, failures: failures.length, lockedUntil: null};
    // Locked until the max-th newest failure leaves the window.
    const lockedUntil = new Date(new Date(failures[max - 1]!.at).getTime() + this.config.loginLockMinutes * 60_000).toISOString();
    return {locked: true, failures: failures.length, lockedUntil};
  }

  private async attempt(email: string, result: LoginAttemptRow['result']): Promise<void> {
    await this.db.repository(LoginAttempt).insert({email, at: new Date().toISOString(), result});
  }

  private async refuse(email: string, reason: string, counted: boolean, message: string, code: string, hint?: string): Promise<never> {
    if (counted) await this.attempt(email, 'failed');
    const state = counted ? await this.lockState(email) : undefined;
    await this.users.audit.record(ANONYMOUS, {action: 'auth.login', target: email, result: 'failed', details: {reason, ...(state ? {failures: state.failures} : {})}});
    await this.events.emit('auth.login', {email, ok: false, reason});
    const locked = state?.locked ? `; sign-in for ${email} is locked until ${state.lockedUntil}` : '';
    throw permissionDenied(`${message}${locked}`, {code, ...(hint ? {hint} : {})});
  }

  async login(input: LoginInput): Promise<LoginResult> {
    const email = normalizeEmail(input.email);
    const lock = await this.lockState(email);
    if (lock.locked) {
      await this.attempt(email, 'locked');
      await this.users.audit.record(ANONYMOUS, {action: 'auth.login', target: email, result: 'failed', details: {reason: 'locked', lockedUntil: lock.lockedUntil}});
      throw permissionDenied(`Too many failed sign-ins for ${email}: locked until ${lock.lockedUntil}`, {
        code: 'LOGIN_LOCKED',
        details: {lockedUntil: lock.lockedUntil},
        hint: `Try again after ${lock.lockedUntil} (auth.loginLockMinutes is ${this.config.loginLockMinutes}).`,
      });
    }
    const user = await this.users.users.authenticate(email, input.password);
    if (!user) return this.refuse(email, 'wrong email or password', true, 'Wrong email or password, or the user is disabled', 'LOGIN_FAILED');
    const mfa = await this.mfa.isActive(user.id);
    if (mfa) {
      const code = input.code ?? (input.askCode ? await input.askCode() : undefined);
      if (code === undefined || code.trim() === '') {
        return this.refuse(email, 'no code', false, `${email} signs in with a code from an authenticator app`, 'MFA_CODE_REQUIRED', 'Add --code with the 6 digits your app shows.');
      }
      if (!(await this.mfa.check(user.id, code))) return this.refuse(email, 'wrong code', true, 'The code is not right', 'MFA_CODE_INVALID', 'Enter the code your app shows now (each code works once).');
    }
    // A previous session of this installation ends: one session file, one session.
    const previous = await readSessionFile(this.sessionFile).catch(() => undefined);
    if (previous) await this.users.sessions.close(previous.token);
    const {token, session} = await this.users.sessions.open(user, {ttlSeconds: this.config.sessionTtlHours * 3600, label: `cli@${hostname()}`});
    try {
      await writeSessionFile(this.sessionFile, {token, email: user.email});
    } catch (error) {
      await this.users.sessions.close(token);
      throw error;
    }
    await this.users.users.recordLogin(user.id);
    await this.attempt(email, 'ok');
    const actor: Actor = {kind: 'user', id: user.id, label: user.email, via: 'session', credentialId: session.id};
    await this.users.audit.record(actor, {action: 'auth.login', target: user.email, result: 'ok', details: {session: session.id, mfa}});
    await this.events.emit('auth.login', {email: user.email, ok: true});
    return {email: user.email, userId: user.id, sessionId: session.id, expiresAt: session.expiresAt, mfa};
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
      const actor: Actor = {kind: 'user', id: found.user.id, label: found.user.email, via: 'session', credentialId: found.session.id};
      await this.users.audit.record(actor, {action: 'auth.logout', target: found.user.email, result: 'ok', details: {session: found.session.id}});
      await this.events.emit('auth.logout', {email: found.user.email});
    }
    return {email: content.email, signedOut: true};
  }
}
