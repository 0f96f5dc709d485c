import {randomUUID} from 'node:crypto';
import {conflict, invalidInput, notFound, type Actor, type EventBus, type ListQuery, type ListResult} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import {Membership, Role, Session, User, type UserRow} from '../entities.js';
import type {AccessService} from './access.js';
import type {AuditRecord, AuditService} from './audit.js';
import {hashPassword, verifyPassword} from './passwords.js';

export interface UserView {
  id: string;
  email: string;
  name: string | null;
  status: 'enabled' | 'disabled';
  roles: string[];
  hasPassword: boolean;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
}

export interface CreateUserInput {
  email: string;
  name?: string;
  roles?: string[];
  password?: string;
}

export interface UpdateUserInput {
  name?: string;
  email?: string;
  addRoles?: string[];
  removeRoles?: string[];
}

/** Columns that users:list may filter and sort by (never anything else). */
export const USER_LIST_FIELDS = ['email', 'name', 'status', 'createdAt', 'updatedAt', 'lastLoginAt'] as const;
const COLUMN: Record<string, string> = {email: 'u.email', name: 'u.name', status: 'u.status', createdAt: 'u.createdAt', updatedAt: 'u.updatedAt', lastLoginAt: 'u.lastLoginAt'};

// Practical address check (RFC 5321 lengths; one @; a dot in the domain); delivery decides the rest.
const EMAIL = /^[^\s@"(),:;<>[\]\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) throw invalidInput(`"${raw}" is not a valid email address`, {code: 'EMAIL_INVALID'});
  return email;
}

/** Users: who they are, their roles and status. Every method checks the actor's permission. */
export class UserService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly events: EventBus,
  ) {}

  private async view(row: UserRow, manager: EntityManager = this.db.manager): Promise<UserView> {
    const roles = (await manager.getRepository(Membership).findBy({userId: row.id})).map((membership) => membership.role).sort();
    return {id: row.id, email: row.email, name: row.name, status: row.status, roles, hasPassword: row.passwordHash !== null, createdAt: row.createdAt, updatedAt: row.updatedAt, lastLoginAt: row.lastLoginAt};
  }

  /** A user by id or email; unknown is exit 3. */
  async find(reference: string, manager: EntityManager = this.db.manager): Promise<UserRow> {
    const repository = manager.getRepository(User);
    const row = (await repository.findOneBy({id: reference})) ?? (await repository.findOneBy({email: reference.trim().toLowerCase()}));
    if (!row) throw notFound(`No user "${reference}"`, {code: 'USER_NOT_FOUND', hint: 'Give a user id or email; see users:list.'});
    return row;
  }

  private async requireRoles(roles: readonly string[], manager: EntityManager): Promise<void> {
    for (const role of roles) {
      if (!(await manager.getRepository(Role).findOneBy({name: role}))) throw notFound(`No role "${role}"`, {code: 'ROLE_NOT_FOUND', hint: 'See auth:role for the roles.'});
    }
  }

  async create(actor: Actor, input: CreateUserInput): Promise<UserView> {
    const email = normalizeEmail(input.email);
    await this.access.authorize(actor, 'users:create', 'users.create', email);
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
    const roles = [...new Set(input.roles ?? [])];
    const view = await this.db.transaction(async (manager) => {
      if (await manager.getRepository(User).findOneBy({email})) throw conflict(`A user with email ${email} already exists`, {code: 'USER_EXISTS'});
      await this.requireRoles(roles, manager);
      const now = new Date().toISOString();
      const row: UserRow = {id: randomUUID(), email, name: input.name?.trim() || null, status: 'enabled', passwordHash, createdAt: now, updatedAt: now, lastLoginAt: null};
      await manager.getRepository(User).insert(row);
      for (const role of roles) await manager.getRepository(Membership).insert({userId: row.id, role});
      await this.audit.record(actor, {action: 'users.create', target: email, result: 'ok', permission: 'users:create', details: {roles}}, manager);
      return this.view(row, manager);
    });
    await this.events.emit('user.created', {id: view.id, email: view.email, roles: view.roles});
    return view;
  }

  async get(actor: Actor, reference: string): Promise<UserView> {
    await this.access.authorize(actor, 'users:read', 'users.read', reference);
    return this.view(await this.find(reference));
  }

  async list(actor: Actor, query: ListQuery): Promise<ListResult<UserView>> {
    await this.access.authorize(actor, 'users:read', 'users.list');
    const builder = this.db.repository(User).createQueryBuilder('u');
    query.filters.forEach(({field, value}, index) => builder.andWhere(`${COLUMN[field]} = :filter${index}`, {[`filter${index}`]: value}));
    // '!' escapes LIKE's wildcards the same way on SQLite and MySQL.
    if (query.search) builder.andWhere("(LOWER(u.email) LIKE :search ESCAPE '!' OR LOWER(u.name) LIKE :search ESCAPE '!')", {search: `%${query.search.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`});
    const total = await builder.getCount();
    builder.orderBy(COLUMN[query.sort ?? 'email']!, query.order === 'desc' ? 'DESC' : 'ASC');
    if (query.limit !== null) builder.skip((query.page - 1) * query.limit).take(query.limit);
    const rows = await builder.getMany();
    const memberships = rows.length === 0 ? [] : await this.db.repository(Membership).createQueryBuilder('m').where('m.userId IN (:...ids)', {ids: rows.map((row) => row.id)}).getMany();
    const items = rows.map((row) => ({id: row.id, email: row.email, name: row.name, status: row.status, roles: memberships.filter((membership) => membership.userId === row.id).map((membership) => membership.role).sort(), hasPassword: row.passwordHash !== null, createdAt: row.createdAt, updatedAt: row.updatedAt, lastLoginAt: row.lastLoginAt}));
    return {items, total, page: query.page, limit: query.limit};
  }

  async update(actor: Actor, reference: string, input: UpdateUserInput): Promise<UserView> {
    const current = await this.find(reference);
    await this.access.authorize(actor, 'users:update', 'users.update', current.email);
    const email = input.email === undefined ? undefined : normalizeEmail(input.email);
    const view = await this.db.transaction(async (manager) => {
      const users = manager.getRepository(User);
      if (email && email !== current.email && (await users.findOneBy({email}))) throw conflict(`A user with email ${email} already exists`, {code: 'USER_EXISTS'});
      await this.requireRoles(input.addRoles ?? [], manager);
      const changes: Partial<UserRow> = {updatedAt: new Date().toISOString()};
      if (input.name !== undefined) changes.name = input.name.trim() || null;
      if (email) changes.email = email;
      await users.update({id: current.id}, changes);
      for (const role of input.addRoles ?? []) if (!(await manager.getRepository(Membership).findOneBy({userId: current.id, role}))) await manager.getRepository(Membership).insert({userId: current.id, role});
      for (const role of input.removeRoles ?? []) await manager.getRepository(Membership).delete({userId: current.id, role});
      await this.audit.record(actor, {action: 'users.update', target: current.email, result: 'ok', permission: 'users:update', details: {...input, ...(email ? {email} : {})}}, manager);
      return this.view((await users.findOneBy({id: current.id}))!, manager);
    });
    await this.events.emit('user.updated', {id: view.id, email: view.email});
    return view;
  }

  /** Disabling also revokes every session; API keys stop working because access checks the status. */
  async setStatus(actor: Actor, reference: string, status: 'enabled' | 'disabled'): Promise<UserView> {
    const current = await this.find(reference);
    const action = status === 'enabled' ? 'users.enable' : 'users.disable';
    await this.access.authorize(actor, 'users:update', action, current.email);
    const view = await this.db.transaction(async (manager) => {
      await manager.getRepository(User).update({id: current.id}, {status, updatedAt: new Date().toISOString()});
      if (status === 'disabled') await manager.getRepository(Session).createQueryBuilder().update().set({revokedAt: new Date().toISOString()}).where('user_id = :id AND revoked_at IS NULL', {id: current.id}).execute();
      await this.audit.record(actor, {action, target: current.email, result: 'ok', permission: 'users:update'}, manager);
      return this.view((await manager.getRepository(User).findOneBy({id: current.id}))!, manager);
    });
    await this.events.emit(status === 'enabled' ? 'user.enabled' : 'user.disabled', {id: view.id, email: view.email});
    return view;
  }

  /** Deletes the user with their roles, grants and sessions; the audit log keeps their records. */
  async delete(actor: Actor, reference: string): Promise<{id: string; email: string; deleted: true}> {
    const current = await this.find(reference);
    await this.access.authorize(actor, 'users:delete', 'users.delete', current.email);
    await this.db.transaction(async (manager) => {
      await manager.getRepository(User).delete({id: current.id});
      await this.audit.record(actor, {action: 'users.delete', target: current.email, result: 'ok', permission: 'users:delete', details: {id: current.id}}, manager);
    });
    await this.events.emit('user.deleted', {id: current.id, email: current.email});
    return {id: current.id, email: current.email, deleted: true};
  }

  async setPassword(actor: Actor, reference: string, password: string): Promise<void> {
    const current = await this.find(reference);
    if (!(actor.kind === 'user' && actor.id === current.id)) await this.access.authorize(actor, 'users:update', 'users.password', current.email);
    const passwordHash = await hashPassword(password);
    await this.db.repository(User).update({id: current.id}, {passwordHash, updatedAt: new Date().toISOString()});
    await this.audit.record(actor, {action: 'users.password', target: current.email, result: 'ok'});
  }

  /**
   * Checks an email and password (for sign-in); the same work is done whether or not the account
   * exists. Returns the enabled user, or undefined.
   */
  async authenticate(email: string, password: string): Promise<UserRow | undefined> {
    const row = await this.db.repository(User).findOneBy({email: email.trim().toLowerCase()});
    const ok = await verifyPassword(row?.passwordHash, password);
    return ok && row?.status === 'enabled' ? row : undefined;
  }

  /** The audit records a user made or was the target of (all records without a user); deleted users' too. */
  async activity(actor: Actor, reference?: string): Promise<AuditRecord[]> {
    await this.access.authorize(actor, 'audit:read', 'audit.read', reference ?? null);
    if (!reference) return this.audit.involving([]);
    const email = reference.trim().toLowerCase();
    const user = (await this.db.repository(User).findOneBy({id: reference})) ?? (await this.db.repository(User).findOneBy({email}));
    return this.audit.involving([email, ...(user ? [user.id, user.email] : [])]);
  }

  async recordLogin(userId: string): Promise<void> {
    await this.db.repository(User).update({id: userId}, {lastLoginAt: new Date().toISOString()});
  }
}
