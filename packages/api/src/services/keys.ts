import {createHash, randomBytes, randomUUID, timingSafeEqual} from 'node:crypto';
import {
  conflict,
  invalidInput,
  isPermission,
  notFound,
  permissionDenied,
  type Actor,
  type ConfirmStep,
  type EventBus,
  type ListQuery,
  type ListResult,
} from '@systemprompt/core';
import {WHOLE_LIST, queryList, type ListPlan, type ModuleDatabase} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import {checkText, type UserRow, type UsersApi} from '@systemprompt/users';
import {ApiKey, type ApiKeyRow} from '../entities.js';
import {API_KEY_CREATED, API_KEY_REVOKED, API_KEY_ROTATED} from '../events.js';

/** Every key starts with this, so scanners and people recognise one. */
export const KEY_PREFIX = 'spk_';
/** How many leading characters of a key are kept (and shown) to name it: `spk_` and 8 more. */
export const PREFIX_LENGTH = 12;
export const MAX_EXPIRY_DAYS = 3650;
const MAX_SCOPES = 50;
/** Characters of a key's name (the column holds 100). */
export const MAX_NAME = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 86_400_000;

/**
 * Keys are stored as SHA-256 hashes: 32 random bytes need no slow hash, and the database never
 * holds a usable key.
 */
export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** A new key: `spk_` and 32 random bytes in base64url (47 characters). */
export const generateKey = (): string => `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;

export type KeyStatus = 'active' | 'expired' | 'revoked';

export interface ApiKeyView {
  id: string;
  name: string;
  /** The owner's email. */
  user: string;
  prefix: string;
  scopes: string[];
  status: KeyStatus;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** What create and rotate return: the only time the key itself is seen. */
/** How precisely a key's "last used" time is kept (it is written at most this often). */
const LAST_USED_PRECISION_MS = 60_000;

export interface CreatedApiKey {
  id: string;
  name: string;
  user: string;
  prefix: string;
  scopes: string[];
  expiresAt: string | null;
  key: string;
}

/** What a dry run of create returns: the key that would be made, without a key. */
export interface ApiKeyPreview {
  name: string;
  user: string;
  scopes: string[];
  expiresAt: string | null;
  dryRun: true;
}

export interface CreateKeyInput {
  /** Owner id or email; by default the actor, when the actor is a user. */
  user?: string;
  name: string;
  scopes: string[];
  expiresInDays?: number;
}

export const keyStatus = (row: Pick<ApiKeyRow, 'revokedAt' | 'expiresAt'>, now = Date.now()): KeyStatus =>
  row.revokedAt !== null
    ? 'revoked'
    : row.expiresAt !== null && Date.parse(row.expiresAt) <= now
      ? 'expired'
      : 'active';

export const scopesOf = (row: Pick<ApiKeyRow, 'scopes'>): string[] => JSON.parse(row.scopes) as string[];

/** The fields of api:keys:list that --filter and --sort take. */
export const KEY_LIST_FIELDS = [
  'id',
  'prefix',
  'name',
  'user',
  'scopes',
  'status',
  'createdAt',
  'expiresAt',
  'lastUsedAt',
  'revokedAt',
] as const;

/** keyStatus in SQL, at the moment `:keyListNow` (expiry times are ISO strings, which sort as times). */
const STATUS_SQL =
  "CASE WHEN k.revokedAt IS NOT NULL THEN 'revoked' WHEN k.expiresAt IS NOT NULL AND k.expiresAt <= :keyListNow THEN 'expired' ELSE 'active' END";

const time = (sql: string) => ({sql, kind: 'time' as const});

/** The list plan of keys; `user` is the SQL of the owner's email. */
const keyList = (user: string, now: string): ListPlan => ({
  fields: {
    id: 'k.id',
    prefix: 'k.prefix',
    name: 'k.name',
    user,
    scopes: {sql: 'k.scopes', kind: 'list'},
    status: STATUS_SQL,
    createdAt: time('k.createdAt'),
    expiresAt: time('k.expiresAt'),
    lastUsedAt: time('k.lastUsedAt'),
    revokedAt: time('k.revokedAt'),
  },
  searchable: ['prefix', 'name', 'user', 'scopes'],
  order: [
    ['createdAt', 'asc'],
    ['id', 'asc'],
  ],
  parameters: {keyListNow: now},
});

/** What a list reads of a key (never its hash), as raw columns of those names, and the owner's email. */
const KEY_COLUMNS = [
  'id',
  'userId',
  'name',
  'prefix',
  'scopes',
  'createdAt',
  'expiresAt',
  'lastUsedAt',
  'revokedAt',
] as const;
type KeyListRow = Omit<ApiKeyRow, 'keyHash'> & {owner: string};

const isSelf = (actor: Actor, userId: string) => actor.kind === 'user' && actor.id === userId;

function checkName(raw: string): string {
  const name = checkText(raw ?? '', {what: 'The key name', max: MAX_NAME, code: 'KEY_NAME_INVALID'});
  if (name.length === 0) throw invalidInput('Give the key a name (1 to 100 characters)', {code: 'KEY_NAME_INVALID'});
  return name;
}

function checkScopes(raw: readonly string[], declared?: ReadonlySet<string>): string[] {
  const scopes = [...new Set(raw.map((scope) => scope.trim()))];
  if (scopes.length === 0) {
    throw invalidInput('Give the key at least one scope', {
      code: 'KEY_SCOPES_REQUIRED',
      hint: "Scopes are permissions, e.g. --scope users:read --scope config:read; --scope '*' gives everything its owner holds.",
    });
  }
  if (scopes.length > MAX_SCOPES)
    throw invalidInput(`A key has at most ${MAX_SCOPES} scopes`, {code: 'KEY_SCOPES_TOO_MANY'});
  for (const scope of scopes) {
    if (scope.length > 130 || !isPermission(scope))
      throw invalidInput(
        `Scope ${JSON.stringify(scope.slice(0, 130))} is not a permission (resource:action, resource:*, *:action or *)`,
        {code: 'SCOPE_INVALID', details: {scope}},
      );
    if (declared && !scope.includes('*') && !declared.has(scope)) {
      throw invalidInput(`Scope ${scope}: no installed module declares this permission`, {
        code: 'SCOPE_UNKNOWN',
        details: {scope},
        hint: 'See permissions:list; wildcards such as users:* are always accepted.',
      });
    }
  }
  return scopes.sort();
}

function checkDays(days: number | undefined): number | undefined {
  if (days === undefined) return undefined;
  if (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRY_DAYS) {
    throw invalidInput(`Expiry of ${days} days is out of range (a whole number from 1 to ${MAX_EXPIRY_DAYS})`, {
      code: 'KEY_EXPIRY_INVALID',
    });
  }
  return days;
}

/**
 * API keys: bearer credentials of a user, restricted to scopes that never exceed the owner's
 * permissions. A key is returned once, by create and rotate; the database keeps its SHA-256 hash
 * and its first 12 characters (the prefix that names it).
 *
 * Users manage their own keys without any permission; other users' keys take api-keys:read (list)
 * and api-keys:write (create, rotate, revoke).
 */
export class ApiKeyService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly users: UsersApi,
    private readonly events: EventBus,
  ) {}

  /** A key by id or prefix; unknown is exit 3. No permission check: callers check theirs first. */
  async find(reference: string, manager: EntityManager = this.db.manager): Promise<ApiKeyRow> {
    const repository = manager.getRepository(ApiKey);
    const value = reference.trim();
    const row = UUID.test(value)
      ? await repository.findOneBy({id: value.toLowerCase()})
      : value.startsWith(KEY_PREFIX) && value.length === PREFIX_LENGTH
        ? await repository.findOneBy({prefix: value})
        : null;
    // MySQL compares case-insensitively; a prefix is base64url, where case matters.
    if (!row || (row.id !== value.toLowerCase() && row.prefix !== value))
      throw notFound(`No API key ${JSON.stringify(reference.slice(0, 100))}`, {
        code: 'KEY_NOT_FOUND',
        hint: 'Give a key id or its prefix (spk_ and 8 characters); see api:keys:list.',
      });
    return row;
  }

  private view(row: Omit<ApiKeyRow, 'keyHash'>, email: string | undefined, now = Date.now()): ApiKeyView {
    return {
      id: row.id,
      name: row.name,
      user: email ?? row.userId,
      prefix: row.prefix,
      scopes: scopesOf(row),
      status: keyStatus(row, now),
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
      lastUsedAt: row.lastUsedAt,
      revokedAt: row.revokedAt,
    };
  }

  /**
   * The owner of a new key: `reference` (another user takes api-keys:write, checked before the
   * look-up) or, without one, the actor, who must then be a user.
   */
  private async owner(actor: Actor, reference: string | undefined): Promise<UserRow> {
    if (reference !== undefined && reference.trim() !== '')
      return this.users.users.findSelfOr(actor, reference, 'api-keys:write', 'api.create-key-for');
    if (actor.kind === 'user') return this.users.users.find(actor.id);
    // Nobody signed in gets "permission denied" (4) rather than a request for input.
    await this.users.access.authorize(actor, 'api-keys:write', 'api.create-key-for');
    throw invalidInput(`Name the key's owner (--user): ${actor.label} is not a user`, {
      code: 'KEY_OWNER_REQUIRED',
      hint: 'Give a user id or email; see users:list.',
    });
  }

  /**
   * A key to act on: one's own needs no permission; anyone else's takes `permission`, checked
   * before the look-up, so a caller without it learns nothing about which keys exist.
   */
  private async keyFor(
    actor: Actor,
    reference: string,
    permission: string,
    action: string,
  ): Promise<{row: ApiKeyRow; owner: UserRow; self: boolean}> {
    if (actor.kind === 'user') {
      const own = await this.find(reference).catch(() => undefined);
      if (own && own.userId === actor.id) return {row: own, owner: await this.users.users.find(own.userId), self: true};
    }
    await this.users.access.authorize(actor, permission, action, reference);
    const row = await this.find(reference);
    const owner = await this.users.users.find(row.userId);
    return {row, owner, self: isSelf(actor, owner.id)};
  }

  /**
   * Every scope must be held by the owner (roles, grants and wildcards as the access decision sees
   * them), and by the actor, who receives the key (the users module's escalation rule: nobody gets a
   * key that can do more than they can, also not through a key of their own with narrower scopes).
   */
  private async requireScopes(actor: Actor, owner: UserRow, scopes: readonly string[], action: string): Promise<void> {
    for (const scope of scopes) {
      const forOwner = await this.users.access.decideForUser(owner.id, scope);
      if (forOwner.allowed) continue;
      const refusal = `Scope ${scope} exceeds the permissions of ${owner.email} (${forOwner.path}); a key's scopes may not exceed its owner's`;
      await this.users.audit.record(actor, {
        action,
        target: owner.email,
        result: 'denied',
        permission: scope,
        details: {reason: refusal},
      });
      throw permissionDenied(refusal, {
        code: 'SCOPE_NOT_HELD',
        details: {scope, user: owner.email},
        hint: 'Leave the scope out, or grant the permission first (permissions:grant).',
      });
    }
    await this.users.access.assertCanGrant(actor, scopes, action, owner.email);
  }

  /** Inserts a new key row; the prefix is unique, so a (very unlikely) clash draws a new key. */
  private async issue(
    manager: EntityManager,
    fields: Pick<ApiKeyRow, 'userId' | 'name' | 'scopes' | 'expiresAt'>,
  ): Promise<{row: ApiKeyRow; key: string}> {
    const repository = manager.getRepository(ApiKey);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const key = generateKey();
      const prefix = key.slice(0, PREFIX_LENGTH);
      if (await repository.findOneBy({prefix})) continue;
      const row: ApiKeyRow = {
        id: randomUUID(),
        ...fields,
        prefix,
        keyHash: hashKey(key),
        createdAt: new Date().toISOString(),
        lastUsedAt: null,
        revokedAt: null,
      };
      await repository.insert(row);
      return {row, key};
    }
    throw conflict('Could not draw a key with an unused prefix; try again', {code: 'KEY_PREFIX_CLASH'});
  }

  /**
   * Creates a key; the result holds the key, once. Another user's key takes api-keys:write; every
   * scope must be held by the owner and by the actor. With `dryRun`, all of that is checked, the
   * duplicate name too, and nothing is made.
   */
  async create(
    actor: Actor,
    input: CreateKeyInput,
    declared?: ReadonlySet<string>,
    options: {dryRun?: boolean} = {},
  ): Promise<CreatedApiKey | ApiKeyPreview> {
    const owner = await this.owner(actor, input.user);
    const self = isSelf(actor, owner.id);
    const name = checkName(input.name);
    const scopes = checkScopes(input.scopes ?? [], declared);
    const days = checkDays(input.expiresInDays);
    await this.requireScopes(actor, owner, scopes, 'api.create-key-for');
    const expiresAt = days === undefined ? null : new Date(Date.now() + days * DAY_MS).toISOString();
    const duplicate = async (manager: EntityManager) => {
      // Compared here rather than in SQL, so that names are case-sensitive on both engines.
      const unrevoked = await manager
        .getRepository(ApiKey)
        .createQueryBuilder('k')
        .where('k.userId = :userId AND k.revokedAt IS NULL', {userId: owner.id})
        .getMany();
      if (unrevoked.some((existing) => existing.name === name && keyStatus(existing) === 'active')) {
        throw conflict(`${owner.email} already has an active API key named "${name}"`, {
          code: 'KEY_EXISTS',
          hint: 'Choose another name, or rotate that key (api:keys:rotate).',
        });
      }
    };
    if (options.dryRun) {
      await duplicate(this.db.manager);
      return {name, user: owner.email, scopes, expiresAt, dryRun: true};
    }
    const {row, key} = await this.db.transaction(async (manager) => {
      await duplicate(manager);
      const issued = await this.issue(manager, {userId: owner.id, name, scopes: JSON.stringify(scopes), expiresAt});
      await this.users.audit.record(
        actor,
        {
          action: 'api.create-key-for',
          target: owner.email,
          result: 'ok',
          permission: self ? null : 'api-keys:write',
          details: {id: issued.row.id, name, prefix: issued.row.prefix, scopes, expiresAt},
        },
        manager,
      );
      await this.events.emit(
        API_KEY_CREATED,
        {id: issued.row.id, userId: owner.id, prefix: issued.row.prefix},
        {transaction: manager, actor, subject: issued.row.id},
      );
      return issued;
    });
    return {id: row.id, name, user: owner.email, prefix: row.prefix, scopes, expiresAt, key};
  }

  /**
   * One page of the keys of one user, or, without `user`, of every key when the actor holds
   * api-keys:read and of the actor's own keys otherwise; read in the database (the owner's email
   * through the users service). Never the key or its hash.
   */
  async list(
    actor: Actor,
    options: {user?: string} = {},
    query: ListQuery = WHOLE_LIST,
  ): Promise<ListResult<ApiKeyView>> {
    let userId: string | undefined;
    if (options.user !== undefined) {
      userId = (await this.users.users.findSelfOr(actor, options.user, 'api-keys:read', 'api.list-keys-of')).id;
    } else if (!(await this.users.access.decide(actor, 'api-keys:read')).allowed) {
      if (actor.kind !== 'user') await this.users.access.authorize(actor, 'api-keys:read', 'api.list-keys');
      userId = actor.id;
    }
    const builder = this.db.repository(ApiKey).createQueryBuilder('k');
    if (userId !== undefined) builder.where('k.userId = :userId', {userId});
    // A key shows its owner's id when the owner is gone (the foreign key deletes such keys).
    const user = `COALESCE(${this.users.users.joinEmail(builder, 'k.userId')}, k.userId)`;
    const now = Date.now();
    const page = await queryList(builder, query, keyList(user, new Date(now).toISOString()), (selected) => {
      selected.select(user, 'owner');
      for (const column of KEY_COLUMNS) selected.addSelect(`k.${column}`, column);
      return selected.getRawMany<KeyListRow>();
    });
    return {...page, items: page.items.map((row) => this.view(row, row.owner, now))};
  }

  /** Revokes a key (one's own needs no permission); asks `confirm` after the checks and the look-up. */
  async revoke(actor: Actor, reference: string, options: {confirm?: ConfirmStep} = {}): Promise<ApiKeyView> {
    const {row: current, owner, self} = await this.keyFor(actor, reference, 'api-keys:write', 'api.revoke-key-of');
    if (current.revokedAt !== null)
      throw conflict(`API key ${current.prefix} is already revoked`, {code: 'KEY_REVOKED'});
    await options.confirm?.(
      `Revoke API key ${current.prefix} ("${current.name}")? Anything that uses it stops working at once.`,
    );
    const row = await this.db.transaction(async (manager) => {
      const revokedAt = new Date().toISOString();
      const result = await manager
        .getRepository(ApiKey)
        .createQueryBuilder()
        .update()
        .set({revokedAt})
        .where('id = :id AND revoked_at IS NULL', {id: current.id})
        .execute();
      if ((result.affected ?? 0) === 0)
        throw conflict(`API key ${current.prefix} is already revoked`, {code: 'KEY_REVOKED'});
      await this.users.audit.record(
        actor,
        {
          action: 'api.revoke-key-of',
          target: owner.email,
          result: 'ok',
          permission: self ? null : 'api-keys:write',
          details: {id: current.id, name: current.name, prefix: current.prefix},
        },
        manager,
      );
      await this.events.emit(
        API_KEY_REVOKED,
        {id: current.id, userId: owner.id, prefix: current.prefix},
        {transaction: manager, actor, subject: current.id},
      );
      return {...current, revokedAt};
    });
    return this.view(row, owner.email);
  }

  /**
   * Replaces a key by a new one with the same owner, name, scopes and expiry (the same moment), and
   * revokes the old one, in one transaction. The scopes are checked again, as for a new key.
   */
  async rotate(
    actor: Actor,
    reference: string,
    options: {confirm?: ConfirmStep} = {},
  ): Promise<CreatedApiKey & {replaces: string}> {
    const {row: current, owner, self} = await this.keyFor(actor, reference, 'api-keys:write', 'api.rotate-key-of');
    const status = keyStatus(current);
    if (status !== 'active') {
      throw conflict(`API key ${current.prefix} is ${status}; only an active key can be rotated`, {
        code: status === 'revoked' ? 'KEY_REVOKED' : 'KEY_EXPIRED',
        hint: 'Create a new key with api:keys:create.',
      });
    }
    const scopes = scopesOf(current);
    await this.requireScopes(actor, owner, scopes, 'api.rotate-key-of');
    await options.confirm?.(`Rotate API key ${current.prefix} ("${current.name}")? The old key stops working at once.`);
    const {row, key} = await this.db.transaction(async (manager) => {
      const result = await manager
        .getRepository(ApiKey)
        .createQueryBuilder()
        .update()
        .set({revokedAt: new Date().toISOString()})
        .where('id = :id AND revoked_at IS NULL', {id: current.id})
        .execute();
      if ((result.affected ?? 0) === 0)
        throw conflict(`API key ${current.prefix} was revoked meanwhile`, {code: 'KEY_REVOKED'});
      const issued = await this.issue(manager, {
        userId: owner.id,
        name: current.name,
        scopes: current.scopes,
        expiresAt: current.expiresAt,
      });
      await this.users.audit.record(
        actor,
        {
          action: 'api.rotate-key-of',
          target: owner.email,
          result: 'ok',
          permission: self ? null : 'api-keys:write',
          details: {
            id: issued.row.id,
            prefix: issued.row.prefix,
            replaces: current.id,
            replacesPrefix: current.prefix,
            name: current.name,
          },
        },
        manager,
      );
      await this.events.emit(
        API_KEY_ROTATED,
        {id: issued.row.id, userId: owner.id, prefix: issued.row.prefix, replaces: current.id},
        {transaction: manager, actor, subject: issued.row.id},
      );
      return issued;
    });
    return {
      id: row.id,
      name: row.name,
      user: owner.email,
      prefix: row.prefix,
      scopes,
      expiresAt: row.expiresAt,
      key,
      replaces: current.id,
    };
  }

  /**
   * The actor a raw key stands for, or undefined when the key is unknown, revoked or expired, or its
   * owner is missing or disabled. Marks the key as used.
   */
  async verify(rawKey: string): Promise<Actor | undefined> {
    if (typeof rawKey !== 'string' || !rawKey.startsWith(KEY_PREFIX) || rawKey.length > 256) return undefined;
    const hash = hashKey(rawKey);
    // One round trip for the key and its owner's state: every request to the server pays for it.
    const [found] = await this.db.manager.query<Array<ApiKeyRow & {ownerEmail: string; ownerStatus: string}>>(
      'SELECT k.id AS id, k.user_id AS userId, k.key_hash AS keyHash, k.scopes AS scopes, k.expires_at AS expiresAt, ' +
        'k.revoked_at AS revokedAt, k.last_used_at AS lastUsedAt, u.email AS ownerEmail, u.status AS ownerStatus ' +
        'FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?',
      [hash],
    );
    // The lookup found it by hash; compare again in constant time, whatever the column's collation.
    if (
      !found ||
      found.keyHash.length !== hash.length ||
      !timingSafeEqual(Buffer.from(found.keyHash), Buffer.from(hash))
    )
      return undefined;
    if (keyStatus(found) !== 'active' || found.ownerStatus !== 'enabled') return undefined;
    // "Last used" to the minute: one write a minute per key, not one per request.
    const now = new Date();
    if (!found.lastUsedAt || now.getTime() - Date.parse(found.lastUsedAt) >= LAST_USED_PRECISION_MS)
      await this.db.repository(ApiKey).update({id: found.id}, {lastUsedAt: now.toISOString()});
    return {
      kind: 'user',
      id: found.userId,
      label: found.ownerEmail,
      via: 'api-key',
      scopes: scopesOf(found),
      credentialId: found.id,
    };
  }
}
