import {conflict, invalidInput, permissionDenied, type Actor, type ConfirmStep} from '@systemprompt/core';
import type {SecretBox} from '@systemprompt/core/config';
import type {ModuleDatabase} from '@systemprompt/database';
import type {UsersApi} from '@systemprompt/users';
import {Mfa, type MfaRow} from '../entities.js';
import {requireUser} from './identity.js';

export const TOTP_ISSUER = 'SystemPrompt OS';
const PERIOD = 30;

export interface MfaStatus {
  email: string;
  /** `off`, `pending` (enrolled, waiting for auth:mfa:verify) or `on`. */
  mfa: 'off' | 'pending' | 'on';
  enrolledAt: string | null;
  activatedAt: string | null;
}

export interface MfaEnrollment {
  email: string;
  status: 'pending';
  /** Base32, for typing into an authenticator app; shown this once. */
  secret: string;
  /** otpauth://totp/... for a QR code; holds the secret. */
  uri: string;
}

/** Six digits; spaces people copy along are dropped. */
export function normalizeCode(raw: string): string {
  const code = raw.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(code))
    throw invalidInput('A code is the 6 digits your authenticator app shows', {code: 'MFA_CODE_FORMAT'});
  return code;
}

/** otpauth, loaded only by the commands that need it. */
const otpauth = () => import('otpauth');

/**
 * Two-factor sign-in with TOTP (RFC 6238: SHA-1, 6 digits, 30 s). The secret is stored encrypted
 * with the installation key and becomes active once a code proves the app has it. A code is
 * accepted once: each accepted 30-second step is remembered, so an observed code cannot be replayed.
 */
export class MfaService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly secrets: SecretBox,
    private readonly users: UsersApi,
  ) {}

  private row(userId: string): Promise<MfaRow | null> {
    return this.db.repository(Mfa).findOneBy({userId});
  }

  async isActive(userId: string): Promise<boolean> {
    return (await this.row(userId))?.status === 'active';
  }

  async status(actor: Actor): Promise<MfaStatus> {
    requireUser(actor, 'auth:mfa');
    const row = await this.row(actor.id);
    return {
      email: actor.label,
      mfa: row ? (row.status === 'active' ? 'on' : 'pending') : 'off',
      enrolledAt: row?.createdAt ?? null,
      activatedAt: row?.activatedAt ?? null,
    };
  }

  async enroll(actor: Actor): Promise<MfaEnrollment> {
    requireUser(actor, 'auth:mfa:enroll');
    const user = await this.users.users.find(actor.id);
    const existing = await this.row(user.id);
    if (existing?.status === 'active') {
      throw conflict(`Two-factor sign-in is already on for ${user.email}`, {
        code: 'MFA_ACTIVE',
        hint: 'To move to a new device, turn it off first with auth:mfa:disable.',
      });
    }
    const {Secret, TOTP} = await otpauth();
    const secret = new Secret({size: 20});
    const totp = new TOTP({
      issuer: TOTP_ISSUER,
      label: user.email,
      secret,
      algorithm: 'SHA1',
      digits: 6,
      period: PERIOD,
    });
    const row: MfaRow = {
      userId: user.id,
      secret: await this.secrets.encrypt(secret.base32),
      status: 'pending',
      lastStep: null,
      createdAt: new Date().toISOString(),
      activatedAt: null,
    };
    await this.db.transaction(async (manager) => {
      await manager.getRepository(Mfa).delete({userId: user.id});
      await manager.getRepository(Mfa).insert(row);
    });
    await this.users.audit.record(actor, {action: 'auth.enroll-mfa', target: user.email, result: 'ok'});
    return {email: user.email, status: 'pending', secret: secret.base32, uri: totp.toString()};
  }

  /** The step of the code if it is right for this row and not used before; undefined otherwise. */
  private async acceptedStep(row: MfaRow, code: string): Promise<number | undefined> {
    const {Secret, TOTP} = await otpauth();
    const base32 = await this.secrets.decrypt(row.secret);
    if (typeof base32 !== 'string') return undefined;
    const totp = new TOTP({secret: Secret.fromBase32(base32), algorithm: 'SHA1', digits: 6, period: PERIOD});
    const now = Date.now();
    // One step either side allows for clocks a little apart.
    const delta = totp.validate({token: code, timestamp: now, window: 1});
    if (delta === null) return undefined;
    const step = totp.counter({timestamp: now}) + delta;
    if (row.lastStep !== null && step <= row.lastStep) return undefined;
    return step;
  }

  /** For sign-in: whether the code is right, spending it. */
  async check(userId: string, rawCode: string): Promise<boolean> {
    const row = await this.row(userId);
    if (row?.status !== 'active') return false;
    let code: string;
    try {
      code = normalizeCode(rawCode);
    } catch {
      return false;
    }
    const step = await this.acceptedStep(row, code);
    if (step === undefined) return false;
    // Conditional, so two sign-ins racing with one code cannot both win.
    const result = await this.db
      .repository(Mfa)
      .createQueryBuilder()
      .update()
      .set({lastStep: step})
      .where('user_id = :userId AND (last_step IS NULL OR last_step < :step)', {userId, step})
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async verify(actor: Actor, rawCode: string): Promise<MfaStatus> {
    requireUser(actor, 'auth:mfa:verify');
    const code = normalizeCode(rawCode);
    const row = await this.row(actor.id);
    if (!row)
      throw invalidInput(`${actor.label} has not enrolled an authenticator app`, {
        code: 'MFA_NOT_ENROLLED',
        hint: 'Start with auth:mfa:enroll.',
      });
    if (row.status === 'active')
      throw conflict(`Two-factor sign-in is already on for ${actor.label}`, {code: 'MFA_ACTIVE'});
    const step = await this.acceptedStep(row, code);
    if (step === undefined) {
      await this.users.audit.record(actor, {
        action: 'auth.verify-mfa',
        target: actor.label,
        result: 'failed',
        details: {reason: 'wrong code'},
      });
      throw permissionDenied('The code is not right', {
        code: 'MFA_CODE_INVALID',
        hint: 'Enter the code your app shows now; check that the clocks of this machine and the phone are right.',
      });
    }
    const activatedAt = new Date().toISOString();
    await this.db.repository(Mfa).update({userId: actor.id}, {status: 'active', lastStep: step, activatedAt});
    await this.users.audit.record(actor, {action: 'auth.verify-mfa', target: actor.label, result: 'ok'});
    return {email: actor.label, mfa: 'on', enrolledAt: row.createdAt, activatedAt};
  }

  /**
   * Turns two-factor sign-in off: one's own with a current code, or another user's (a lost phone)
   * with users:update. The permission comes first, then the look-ups, then `confirm` and, for one's
   * own, `askCode` (a prompt) when no code was given.
   */
  async disable(
    actor: Actor,
    options: {code?: string; user?: string; confirm?: ConfirmStep; askCode?: () => Promise<string>},
  ): Promise<MfaStatus> {
    let target;
    if (options.user) {
      target = await this.users.users.findSelfOr(actor, options.user, 'users:update', 'auth.disable-mfa');
    } else {
      requireUser(actor, 'auth:mfa:disable');
      target = await this.users.users.find(actor.id);
    }
    const self = actor.kind === 'user' && actor.id === target.id;
    // Taking away someone's second factor is a step towards signing in as them.
    await this.users.access.assertCanActAs(actor, target.id, 'auth.disable-mfa', target.email);
    const row = await this.row(target.id);
    if (!row) throw invalidInput(`Two-factor sign-in is off for ${target.email}`, {code: 'MFA_NOT_ENROLLED'});
    await options.confirm?.(`Turn off two-factor sign-in for ${target.email}?`);
    if (self && row.status === 'active') {
      const code = options.code ?? (await options.askCode?.());
      const step = code === undefined ? undefined : await this.acceptedStep(row, normalizeCode(code));
      if (step === undefined) {
        await this.users.audit.record(actor, {
          action: 'auth.disable-mfa',
          target: target.email,
          result: 'denied',
          details: {reason: code === undefined ? 'no code' : 'wrong code'},
        });
        throw permissionDenied(
          code === undefined ? 'Turning two-factor sign-in off needs a current code' : 'The code is not right',
          {
            code: code === undefined ? 'MFA_CODE_REQUIRED' : 'MFA_CODE_INVALID',
            hint: 'Give the code your app shows now.',
          },
        );
      }
    }
    await this.db.repository(Mfa).delete({userId: target.id});
    await this.users.audit.record(actor, {
      action: 'auth.disable-mfa',
      target: target.email,
      result: 'ok',
      ...(self ? {} : {permission: 'users:update'}),
    });
    return {email: target.email, mfa: 'off', enrolledAt: null, activatedAt: null};
  }
}
