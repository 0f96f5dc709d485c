import type {Actor, AuditEntry} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import {Audit, type AuditRow} from '../entities.js';

export type {AuditEntry};

export interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  result: string;
  permission: string | null;
  details: Record<string, unknown> | null;
}

const view = (row: AuditRow): AuditRecord => ({id: row.id, at: row.at, actor: row.actor, action: row.action, target: row.target, result: row.result, permission: row.permission, details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null});

/** The append-only audit log: who did what to what, with which permission, and how it ended. */
export class AuditService {
  constructor(private readonly db: ModuleDatabase) {}

  /** Writes one record, inside the caller's transaction when one is given. */
  async record(actor: Actor, entry: AuditEntry, manager?: EntityManager): Promise<void> {
    await (manager ?? this.db.manager).getRepository(Audit).insert({
      at: new Date().toISOString(),
      actorId: actor.id,
      actor: actor.label,
      action: entry.action,
      target: entry.target ?? null,
      result: entry.result,
      permission: entry.permission ?? null,
      details: entry.details ? JSON.stringify(entry.details) : null,
    });
  }

  /** Records that involve someone as actor or target (by id or email), oldest first. */
  async involving(ids: readonly string[]): Promise<AuditRecord[]> {
    const builder = this.db.repository(Audit).createQueryBuilder('a').orderBy('a.id', 'ASC');
    if (ids.length > 0) builder.where('a.actor_id IN (:...ids) OR a.target IN (:...ids) OR a.actor IN (:...ids)', {ids});
    return (await builder.getMany()).map(view);
  }

  /** Records that used or were refused a permission. */
  async permissionUses(): Promise<AuditRecord[]> {
    return (await this.db.repository(Audit).createQueryBuilder('a').where('a.permission IS NOT NULL').orderBy('a.id', 'ASC').getMany()).map(view);
  }
}
