import {createHash, randomBytes, randomUUID} from 'node:crypto';
import type {Actor, ConfirmStep} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import {Session, User, type SessionRow, type UserRow} from '../entities.js';
import type {AccessService} from './access.js';
import type {AuditService} from './audit.js';
import type {UserService} from './users.js';

export interface SessionView {
  id: string;
  user: string;
  label: string | null;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  active: boolean;
}

/** Tokens are stored as SHA-256 hashes: 32 random bytes need no slow hash, and the database never holds a usable one. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

const isActive = (row: SessionRow, now = new Date().toISOString()) => row.revokedAt === null && row.expiresAt > now;

/** Sign-in sessions: opaque bearer tokens with an expiry, revocable one by one or all at once. */
export class SessionService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly users: UserService,
  ) {}

  /** Opens a session; the token is returned once and never stored. */
  async open(
    user: UserRow,
    options: {ttlSeconds: number; label?: string},
  ): Promise<{token: string; session: SessionView}> {
    const token = `sps_${randomBytes(32).toString('base64url')}`;
    const now = new Date();
    const row: SessionRow = {
      id: randomUUID(),
      userId: user.id,
      tokenHash: hashToken(token),
      label: options.label ?? null,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + options.ttlSeconds * 1000).toISOString(),
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.db.repository(Session).insert(row);
    return {
      token,
      session: {
        id: row.id,
        user: user.email,
        label: row.label,
        createdAt: row.createdAt,
        expiresAt: row.expiresAt,
        lastUsedAt: null,
        active: true,
      },
    };
  }

  /** The enabled user of an active session, or undefined. */
  async verify(token: string): Promise<{user: UserRow; session: SessionRow} | undefined> {
    const session = await this.db.repository(Session).findOneBy({tokenHash: hashToken(token)});
    if (!session || !isActive(session)) return undefined;
    const user = await this.db.repository(User).findOneBy({id: session.userId});
    if (!user || user.status !== 'enabled') return undefined;
    await this.db.repository(Session).update({id: session.id}, {lastUsedAt: new Date().toISOString()});
    return {user, session};
  }

  async close(token: string): Promise<boolean> {
    const result = await this.db
      .repository(Session)
      .update({tokenHash: hashToken(token)}, {revokedAt: new Date().toISOString()});
    return (result.affected ?? 0) > 0;
  }

  /** Sessions of one user (one's own need no permission) or of everyone (users:read). */
  async list(actor: Actor, reference?: string): Promise<SessionView[]> {
    const user = reference ? await this.users.findSelfOr(actor, reference, 'users:read', 'users.sessions') : undefined;
    if (!user) await this.access.authorize(actor, 'users:read', 'users.sessions');
    const rows = await this.db
      .repository(Session)
      .find({where: user ? {userId: user.id} : {}, order: {createdAt: 'ASC'}});
    const ids = [...new Set(rows.map((row) => row.userId))];
    const owners =
      ids.length === 0
        ? []
        : await this.db.repository(User).createQueryBuilder('u').where('u.id IN (:...ids)', {ids}).getMany();
    const emails = new Map(owners.map((row) => [row.id, row.email]));
    return rows.map((row) => ({
      id: row.id,
      user: emails.get(row.userId) ?? row.userId,
      label: row.label,
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
      lastUsedAt: row.lastUsedAt,
      active: isActive(row),
    }));
  }

  /** Signs a user out everywhere; asks `confirm` after the permission check and the look-up. */
  async revokeAll(
    actor: Actor,
    reference: string,
    options: {confirm?: ConfirmStep} = {},
  ): Promise<{user: string; revoked: number}> {
    await this.access.authorize(actor, 'users:sessions', 'users.revoke-sessions', reference);
    const user = await this.users.find(reference);
    await options.confirm?.(`Revoke every session of ${user.email}?`);
    const result = await this.db
      .repository(Session)
      .createQueryBuilder()
      .update()
      .set({revokedAt: new Date().toISOString()})
      .where('user_id = :id AND revoked_at IS NULL', {id: user.id})
      .execute();
    await this.audit.record(actor, {
      action: 'users.revoke-sessions',
      target: user.email,
      result: 'ok',
      permission: 'users:sessions',
      details: {revoked: result.affected ?? 0},
    });
    return {user: user.email, revoked: result.affected ?? 0};
  }

  /** Deletes sessions that expired or were revoked more than `olderThanDays` ago. */
  async purge(olderThanDays = 0): Promise<number> {
    const cutoff = new Date(Date.now() - olderThanDays * 86_400_000).toISOString();
    const result = await this.db
      .repository(Session)
      .createQueryBuilder()
      .delete()
      .where('expires_at < :cutoff OR (revoked_at IS NOT NULL AND revoked_at < :cutoff)', {cutoff})
      .execute();
    return result.affected ?? 0;
  }
}
