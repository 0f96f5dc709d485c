import {randomUUID} from 'node:crypto';
import {
  conflict,
  invalidInput,
  notFound,
  type Actor,
  type ConfirmStep,
  type EventBus,
  type ListQuery,
  type ListResult,
} from '@systemprompt/core';
import {
  WHOLE_LIST,
  queryList,
  type ListBuilder,
  type ListPlan,
  type ListRow,
  type ModuleDatabase,
} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import {Membership, Role, Session, User, type UserRow} from '../entities.js';
import {USER_CREATED, USER_DELETED, USER_DISABLED, USER_ENABLED, USER_UPDATED} from '../events.js';
import type {AccessService} from './access.js';
import type {AuditRecord, AuditService} from './audit.js';
import {checkPassword, hashPassword, verifyPassword} from './passwords.js';
import {TEXT_LIMITS, checkText, emailLookupKey, normalizeEmail, quoted} from './text.js';

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
const USER_LIST: ListPlan = {
  fields: {
    email: 'u.email',
    name: 'u.name',
    status: 'u.status',
    createdAt: {sql: 'u.createdAt', kind: 'time'},
    updatedAt: {sql: 'u.updatedAt', kind: 'time'},
    lastLoginAt: {sql: 'u.lastLoginAt', kind: 'time'},
  },
  searchable: ['email', 'name'],
  order: [['email', 'asc']],
};

export {normalizeEmail} from './text.js';

/** What a dry run of users:create returns: the user as it would be created. */
export interface UserPreview {
  email: string;
  name: string | null;
  roles: string[];
  hasPassword: boolean;
  dryRun: true;
}

/** Options of the methods that change a user. */
export interface ChangeOptions {
  /** Check the permission and validate everything a real run would, and change nothing. */
  dryRun?: boolean;
  /** Asked after the permission check and the look-ups, right before the change (see ConfirmStep). */
  confirm?: ConfirmStep;
}

const checkName = (name: string): string | null =>
  checkText(name, {what: 'The name', max: TEXT_LIMITS.userName, code: 'USER_NAME_INVALID'}) || null;

/** Users: who they are, their roles and status. Every method checks the actor's permission first. */
export class UserService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly events: EventBus,
  ) {}

  private async view(row: UserRow, manager: EntityManager = this.db.manager): Promise<UserView> {
    const roles = (await manager.getRepository(Membership).findBy({userId: row.id}))
      .map((membership) => membership.role)
      .sort();
    return {
      id: row.id,
      email: row.email,
      name: row.name,
      status: row.status,
      roles,
      hasPassword: row.passwordHash !== null,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      lastLoginAt: row.lastLoginAt,
    };
  }

  /**
   * A user by id or email; unknown is exit 3. No permission check: for services that checked one
   * already (or need none, as sign-in), never to answer a caller before its check.
   */
  async find(reference: string, manager: EntityManager = this.db.manager): Promise<UserRow> {
    const repository = manager.getRepository(User);
    const row =
      (await repository.findOneBy({id: reference})) ?? (await repository.findOneBy({email: emailLookupKey(reference)}));
    if (!row)
      throw notFound(`No user ${quoted(reference)}`, {
        code: 'USER_NOT_FOUND',
        hint: 'Give a user id or email; see users:list.',
      });
    return row;
  }

  /**
   * The user `reference` names, for an action that one may do to oneself without `permission`:
   * the actor's own account needs none; anyone else's takes it, checked before the look-up, so a
   * caller without it learns nothing about who exists (exit 4 for everyone else).
   */
  async findSelfOr(actor: Actor, reference: string, permission: string, action: string): Promise<UserRow> {
    if (actor.kind === 'user') {
      const own = await this.find(actor.id).catch(() => undefined);
      if (own && (reference === own.id || emailLookupKey(reference) === own.email)) return own;
    }
    await this.access.authorize(actor, permission, action, reference);
    return this.find(reference);
  }

  private async requireRoles(roles: readonly string[], manager: EntityManager = this.db.manager): Promise<void> {
    for (const role of roles) {
      if (!(await manager.getRepository(Role).findOneBy({name: role})))
        throw notFound(`No role ${quoted(role)}`, {code: 'ROLE_NOT_FOUND', hint: 'See auth:role for the roles.'});
    }
  }

  /**
   * Creates a user. Giving roles grants what they hold: the actor must hold every permission of
   * each role (the escalation rule), else exit 4. With `dryRun`, everything is checked and nothing
   * is written.
   */
  async create(actor: Actor, input: CreateUserInput, options: ChangeOptions = {}): Promise<UserView | UserPreview> {
    await this.access.authorize(
      actor,
      'users:create',
      'users.create',
      typeof input.email === 'string' ? input.email : null,
    );
    const email = normalizeEmail(input.email);
    const name = input.name === undefined ? null : checkName(input.name);
    if (input.password !== undefined) checkPassword(input.password);
    const roles = [...new Set(input.roles ?? [])];
    await this.requireRoles(roles);
    await this.access.assertCanAssignRoles(actor, roles, 'users.create', email);
    if (await this.db.repository(User).findOneBy({email}))
      throw conflict(`A user with email ${email} already exists`, {code: 'USER_EXISTS'});
    if (options.dryRun)
      return {email, name, roles: roles.sort(), hasPassword: input.password !== undefined, dryRun: true};
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
    const view = await this.db.transaction(async (manager) => {
      if (await manager.getRepository(User).findOneBy({email}))
        throw conflict(`A user with email ${email} already exists`, {code: 'USER_EXISTS'});
      await this.requireRoles(roles, manager);
      const now = new Date().toISOString();
      const row: UserRow = {
        id: randomUUID(),
        email,
        name,
        status: 'enabled',
        passwordHash,
        createdAt: now,
        updatedAt: now,
        lastLoginAt: null,
      };
      await manager.getRepository(User).insert(row);
      for (const role of roles) await manager.getRepository(Membership).insert({userId: row.id, role});
      await this.audit.record(
        actor,
        {action: 'users.create', target: email, result: 'ok', permission: 'users:create', details: {roles}},
        manager,
      );
      const created = await this.view(row, manager);
      await this.events.emit(
        USER_CREATED,
        {id: created.id, email: created.email, roles: created.roles},
        {transaction: manager, actor, subject: created.id},
      );
      return created;
    });
    return view;
  }

  async get(actor: Actor, reference: string): Promise<UserView> {
    await this.access.authorize(actor, 'users:read', 'users.read', reference);
    return this.view(await this.find(reference));
  }

  async list(actor: Actor, query: ListQuery): Promise<ListResult<UserView>> {
    await this.access.authorize(actor, 'users:read', 'users.list');
    const page = await queryList(this.db.repository(User).createQueryBuilder('u'), query, USER_LIST);
    const ids = page.items.map((row) => row.id);
    const memberships =
      ids.length === 0
        ? []
        : await this.db.repository(Membership).createQueryBuilder('m').where('m.userId IN (:...ids)', {ids}).getMany();
    const items = page.items.map((row) => ({
      id: row.id,
      email: row.email,
      name: row.name,
      status: row.status,
      roles: memberships
        .filter((membership) => membership.userId === row.id)
        .map((membership) => membership.role)
        .sort(),
      hasPassword: row.passwordHash !== null,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      lastLoginAt: row.lastLoginAt,
    }));
    return {...page, items};
  }

  /**
   * Changes a user's name, email or roles. Added roles are checked by the escalation rule (the actor
   * must hold all they give). With `dryRun`, the user as it would be, and nothing written.
   */
  async update(
    actor: Actor,
    reference: string,
    input: UpdateUserInput,
    options: ChangeOptions = {},
  ): Promise<UserView & {dryRun?: true}> {
    await this.access.authorize(actor, 'users:update', 'users.update', reference);
    const email = input.email === undefined ? undefined : normalizeEmail(input.email);
    const name = input.name === undefined ? undefined : checkName(input.name);
    const addRoles = [...new Set(input.addRoles ?? [])];
    const removeRoles = [...new Set(input.removeRoles ?? [])];
    if (name === undefined && email === undefined && addRoles.length === 0 && removeRoles.length === 0) {
      throw invalidInput('Nothing to change', {
        code: 'NOTHING_TO_CHANGE',
        hint: 'Give --name, --email, --add-role or --remove-role.',
      });
    }
    const current = await this.find(reference);
    await this.requireRoles(addRoles);
    await this.access.assertCanAssignRoles(actor, addRoles, 'users.update', current.email);
    if (email && email !== current.email && (await this.db.repository(User).findOneBy({email})))
      throw conflict(`A user with email ${email} already exists`, {code: 'USER_EXISTS'});
    const changes: Partial<UserRow> = {updatedAt: new Date().toISOString()};
    if (name !== undefined) changes.name = name;
    if (email) changes.email = email;
    if (options.dryRun) {
      const before = await this.view(current);
      const roles = [...new Set([...before.roles, ...addRoles])].filter((role) => !removeRoles.includes(role)).sort();
      return {...before, ...(name !== undefined ? {name} : {}), ...(email ? {email} : {}), roles, dryRun: true};
    }
    const details = {...(name !== undefined ? {name} : {}), ...(email ? {email} : {}), addRoles, removeRoles};
    const view = await this.db.transaction(async (manager) => {
      const users = manager.getRepository(User);
      if (email && email !== current.email && (await users.findOneBy({email})))
        throw conflict(`A user with email ${email} already exists`, {code: 'USER_EXISTS'});
      await this.requireRoles(addRoles, manager);
      await users.update({id: current.id}, changes);
      for (const role of addRoles)
        if (!(await manager.getRepository(Membership).findOneBy({userId: current.id, role})))
          await manager.getRepository(Membership).insert({userId: current.id, role});
      for (const role of removeRoles) await manager.getRepository(Membership).delete({userId: current.id, role});
      await this.audit.record(
        actor,
        {action: 'users.update', target: current.email, result: 'ok', permission: 'users:update', details},
        manager,
      );
      const updated = await this.view((await users.findOneBy({id: current.id}))!, manager);
      await this.events.emit(
        USER_UPDATED,
        {id: updated.id, email: updated.email},
        {transaction: manager, actor, subject: updated.id},
      );
      return updated;
    });
    return view;
  }

  /** Disabling also revokes every session; API keys stop working because access checks the status. */
  async setStatus(actor: Actor, reference: string, status: 'enabled' | 'disabled'): Promise<UserView> {
    const action = status === 'enabled' ? 'users.enable' : 'users.disable';
    await this.access.authorize(actor, 'users:update', action, reference);
    const current = await this.find(reference);
    const view = await this.db.transaction(async (manager) => {
      await manager.getRepository(User).update({id: current.id}, {status, updatedAt: new Date().toISOString()});
      if (status === 'disabled')
        await manager
          .getRepository(Session)
          .createQueryBuilder()
          .update()
          .set({revokedAt: new Date().toISOString()})
          .where('user_id = :id AND revoked_at IS NULL', {id: current.id})
          .execute();
      await this.audit.record(
        actor,
        {action, target: current.email, result: 'ok', permission: 'users:update'},
        manager,
      );
      const changed = await this.view((await manager.getRepository(User).findOneBy({id: current.id}))!, manager);
      await this.events.emit(
        status === 'enabled' ? USER_ENABLED : USER_DISABLED,
        {id: changed.id, email: changed.email},
        {transaction: manager, actor, subject: changed.id},
      );
      return changed;
    });
    return view;
  }

  /**
   * Deletes the user with their roles, grants and sessions; the audit log keeps their records.
   * Asks `confirm` (when given) after the permission check and the look-up.
   */
  async delete(
    actor: Actor,
    reference: string,
    options: ChangeOptions = {},
  ): Promise<{id: string; email: string; deleted: boolean; dryRun?: true}> {
    await this.access.authorize(actor, 'users:delete', 'users.delete', reference);
    const current = await this.find(reference);
    if (options.dryRun) return {id: current.id, email: current.email, deleted: false, dryRun: true};
    await options.confirm?.(`Delete user ${current.email}?`);
    await this.db.transaction(async (manager) => {
      await manager.getRepository(User).delete({id: current.id});
      await this.audit.record(
        actor,
        {
          action: 'users.delete',
          target: current.email,
          result: 'ok',
          permission: 'users:delete',
          details: {id: current.id},
        },
        manager,
      );
      await this.events.emit(
        USER_DELETED,
        {id: current.id, email: current.email},
        {transaction: manager, actor, subject: current.id},
      );
    });
    return {id: current.id, email: current.email, deleted: true};
  }

  /** Sets a password: one's own needs no permission, anyone else's users:update. */
  async setPassword(actor: Actor, reference: string, password: string): Promise<void> {
    const current = await this.findSelfOr(actor, reference, 'users:update', 'users.password');
    await this.access.assertCanActAs(actor, current.id, 'users.password', current.email);
    const passwordHash = await hashPassword(password);
    await this.db.repository(User).update({id: current.id}, {passwordHash, updatedAt: new Date().toISOString()});
    await this.audit.record(actor, {action: 'users.password', target: current.email, result: 'ok'});
  }

  /**
   * Checks an email and password (for sign-in); the same work is done whether or not the account
   * exists. Returns the enabled user, or undefined.
   */
  async authenticate(email: string, password: string): Promise<UserRow | undefined> {
    const row = await this.db.repository(User).findOneBy({email: emailLookupKey(email)});
    const ok = await verifyPassword(row?.passwordHash, password);
    return ok && row?.status === 'enabled' ? row : undefined;
  }

  /**
   * One page of the audit records a user made or was the target of (of all records without a user);
   * deleted users' too. audit:read is checked before anything is looked up.
   */
  async activity(actor: Actor, reference?: string, query: ListQuery = WHOLE_LIST): Promise<ListResult<AuditRecord>> {
    await this.access.authorize(actor, 'audit:read', 'audit.read', reference ?? null);
    if (!reference) return this.audit.involving([], query);
    const email = emailLookupKey(reference);
    const user =
      (await this.db.repository(User).findOneBy({id: reference})) ??
      (await this.db.repository(User).findOneBy({email}));
    return this.audit.involving([email, ...(user ? [user.id, user.email] : [])], query);
  }

  /**
   * Joins, to another module's list query, the user whose id is in `userIdColumn`, and returns the
   * SQL of that user's email (null when there is none): the list can then filter, search and sort
   * by email in the database without naming this module's tables. No permission check: the
   * caller's service checked its own.
   */
  joinEmail<T extends ListRow>(builder: ListBuilder<T>, userIdColumn: string, alias = 'owner'): string {
    builder.leftJoin(User.options.name, alias, `${alias}.id = ${userIdColumn}`);
    return `${alias}.email`;
  }

  /** The names of a user's roles, sorted. No permission check: for services that checked their own (or act for the user). */
  async roleNames(userId: string): Promise<string[]> {
    return (await this.db.repository(Membership).findBy({userId})).map((membership) => membership.role).sort();
  }

  async recordLogin(userId: string): Promise<void> {
    await this.db.repository(User).update({id: userId}, {lastLoginAt: new Date().toISOString()});
  }
}
