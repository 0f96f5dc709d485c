import {createHash} from 'node:crypto';
import type {ModuleDatabase} from '@systemprompt/database';
import {OAuthRecord, type OAuthRecordRow} from '../entities.js';

/** What oidc-provider stores of an object: a JSON object with a few well-known fields. */
export type Payload = Record<string, unknown> & {
  grantId?: string;
  uid?: string;
  userCode?: string;
  accountId?: string;
  clientId?: string;
  client_id?: string;
  consumed?: number | boolean;
};

/**
 * Objects whose id is what a client or browser presents (a code, a token, a session cookie): only a
 * SHA-256 of the id is stored, and the payload's copy of it (`jti`) is left out, so a copy of the
 * table (a backup, an export) holds no credential. Clients and grants are named by their ids in
 * auth:clients and auth:grants; those ids grant nothing by themselves.
 */
const LISTED_MODELS = new Set(['Client', 'Grant']);
const digest = (id: string) => `sha256:${createHash('sha256').update(id).digest('base64url')}`;

const text = (value: unknown, max: number): string | null =>
  typeof value === 'string' && value.length > 0 ? value.slice(0, max) : null;

/**
 * oidc-provider's storage contract over one table (`oauth_records`), one instance per model. An
 * expired object is not found, as if it were gone; `data:clean` and the server's sweep delete it.
 */
export class RecordAdapter {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly model: string,
  ) {}

  private get repository() {
    return this.db.repository(OAuthRecord);
  }

  private get hashed(): boolean {
    return !LISTED_MODELS.has(this.model);
  }

  /** The stored key of an object's id. */
  private key(id: string): string {
    return this.hashed ? digest(id) : id;
  }

  private live(row: OAuthRecordRow | null): Payload | undefined {
    if (!row || (row.expiresAt !== null && row.expiresAt <= Date.now())) return undefined;
    const payload = JSON.parse(row.payload) as Payload;
    return row.consumedAt === null ? payload : {...payload, consumed: Math.floor(row.consumedAt / 1000)};
  }

  /** A hashed object found by its id gets its id back (as oidc-provider stored it). */
  private withId(id: string, payload: Payload | undefined): Payload | undefined {
    return payload && this.hashed && !('jti' in payload) ? {...payload, jti: id} : payload;
  }

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    const stored: Payload = {...payload};
    if (this.hashed && stored.jti === id) delete stored.jti;
    const row: OAuthRecordRow = {
      model: this.model,
      id: this.key(id),
      payload: JSON.stringify(stored),
      grantId: text(payload.grantId, 255),
      uid: text(payload.uid, 255),
      userCode: text(payload.userCode, 64),
      accountId: text(payload.accountId, 64),
      clientId: text(payload.clientId ?? payload.client_id, 255),
      expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null,
      consumedAt: null,
      createdAt: Date.now(),
    };
    await this.db.transaction(
      async (manager) => {
        const repository = manager.getRepository(OAuthRecord);
        const existing = await repository.findOneBy({model: this.model, id: row.id});
        if (existing) {
          const {model: _model, id: _id, createdAt: _created, ...changes} = row;
          await repository.update({model: this.model, id: row.id}, {...changes, consumedAt: existing.consumedAt});
        } else await repository.insert(row);
      },
      {leaf: true},
    );
  }

  async find(id: string): Promise<Payload | undefined> {
    return this.withId(id, this.live(await this.repository.findOneBy({model: this.model, id: this.key(id)})));
  }

  /** Sessions by their uid (kept as given: it is not what the browser presents). */
  async findByUid(uid: string): Promise<Payload | undefined> {
    return this.live(await this.repository.findOneBy({model: this.model, uid}));
  }

  async findByUserCode(userCode: string): Promise<Payload | undefined> {
    return this.live(await this.repository.findOneBy({model: this.model, userCode}));
  }

  /**
   * Marks a token used, once: of two requests presenting the same refresh token at the same moment,
   * the second finds it consumed and fails, so one chain never forks in two.
   */
  async consume(id: string): Promise<void> {
    const result = await this.repository
      .createQueryBuilder()
      .update()
      .set({consumedAt: Date.now()})
      .where('model = :model AND id = :id AND consumed_at IS NULL', {model: this.model, id: this.key(id)})
      .execute();
    if (!result.affected) throw new Error(`${this.model} ${id.slice(0, 8)}... was already used`);
  }

  async destroy(id: string): Promise<void> {
    await this.repository.delete({model: this.model, id: this.key(id)});
  }

  /** Every token and code of a grant, and the grant itself, whatever their model. */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.transaction(
      async (manager) => {
        await manager.getRepository(OAuthRecord).delete({grantId});
        await manager.getRepository(OAuthRecord).delete({model: 'Grant', id: grantId});
      },
      {leaf: true},
    );
  }
}

/** Deletes the objects that expired before `before` (a dry run counts them); returns how many. */
export async function pruneExpired(db: ModuleDatabase, before: number, dryRun: boolean): Promise<number> {
  const repository = db.repository(OAuthRecord);
  if (dryRun) return repository.createQueryBuilder().where('expires_at < :before', {before}).getCount();
  const result = await repository.createQueryBuilder().delete().where('expires_at < :before', {before}).execute();
  return result.affected ?? 0;
}

/**
 * Deletes registered clients that no grant names and that registered before `before` (a client that
 * registered and was never allowed, or whose grants all went): open registration cannot fill the table.
 */
export async function pruneUnusedClients(db: ModuleDatabase, before: number, dryRun: boolean): Promise<number> {
  const unused = await db
    .repository(OAuthRecord)
    .createQueryBuilder('client')
    .select('client.id', 'id')
    .where('client.model = :model AND client.created_at < :before', {model: 'Client', before})
    .andWhere("NOT EXISTS (SELECT 1 FROM oauth_records g WHERE g.model = 'Grant' AND g.client_id = client.id)")
    .getRawMany<{id: string}>();
  if (dryRun || unused.length === 0) return unused.length;
  for (let start = 0; start < unused.length; start += 500) {
    const ids = unused.slice(start, start + 500).map((row) => row.id);
    await db.transaction(async (manager) => {
      const records = manager.getRepository(OAuthRecord);
      // Whatever else the client left (codes never redeemed, interactions) goes with it.
      await records.createQueryBuilder().delete().where('client_id IN (:...ids)', {ids}).execute();
      await records
        .createQueryBuilder()
        .delete()
        .where('model = :model AND id IN (:...ids)', {model: 'Client', ids})
        .execute();
    });
  }
  return unused.length;
}
