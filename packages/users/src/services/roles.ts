import {
  conflict,
  invalidInput,
  isPermission,
  notFound,
  type Actor,
  type ConfirmStep,
  type EventBus,
} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import {Grant, Role, RolePermission} from '../entities.js';
import {PERMISSION_GRANTED, PERMISSION_REVOKED, ROLE_CHANGED} from '../events.js';
import type {AccessService} from './access.js';
import type {AuditService} from './audit.js';
import {TEXT_LIMITS, checkText, quoted} from './text.js';
import type {UserService} from './users.js';

export interface RoleView {
  name: string;
  description: string;
  builtin: boolean;
  permissions: string[];
}

const ROLE_NAME = /^[a-z][a-z0-9-]{0,63}$/;

/** Options of the methods that change roles and grants (see UserService's). */
export interface RoleChangeOptions {
  dryRun?: boolean;
  confirm?: ConfirmStep;
}

/**
 * `mcp:github__create_issue`: a permission on an item of something registered at run time (a tool of
 * the upstream MCP server `github`), accepted when some module declares permissions on its resource.
 */
function namesUpstreamItem(permission: string, declared: ReadonlySet<string>): boolean {
  const [resource, action] = permission.split(':');
  if (!action?.includes('__')) return false;
  for (const known of declared) if (known.startsWith(`${resource}:`)) return true;
  return false;
}

function checkPermission(permission: string, declared?: ReadonlySet<string>): void {
  if (typeof permission !== 'string' || permission.length > TEXT_LIMITS.permission || !isPermission(permission)) {
    throw invalidInput(
      `${quoted(String(permission))} is not a permission (resource:action, resource:*, *:action or *)`,
      {code: 'PERMISSION_INVALID'},
    );
  }
  if (declared && !permission.includes('*') && !declared.has(permission) && !namesUpstreamItem(permission, declared)) {
    throw invalidInput(`No installed module declares the permission ${permission}`, {
      code: 'PERMISSION_UNKNOWN',
      hint: 'See permissions:list; wildcards such as users:* are always accepted.',
    });
  }
}

function checkRoleName(name: string): string {
  if (typeof name !== 'string' || !ROLE_NAME.test(name))
    throw invalidInput(`${quoted(String(name))} is not a role name (lower-case letters, digits and dashes, up to 64)`, {
      code: 'ROLE_NAME_INVALID',
    });
  return name;
}

const checkDescription = (description: string): string =>
  checkText(description, {
    what: 'The role description',
    max: TEXT_LIMITS.roleDescription,
    code: 'ROLE_DESCRIPTION_INVALID',
  });

export type GrantResult = {permission: string; user?: string; role?: string; granted: boolean; dryRun?: true};
export type RevokeResult = {permission: string; user?: string; role?: string; revoked: boolean; dryRun?: true};

/**
 * Roles (built-in admin, operator and viewer cannot be deleted or changed) and the grants of roles
 * and users. Every method checks the actor's permission first; whatever gives permissions (a new
 * role, added permissions, a grant) is checked by the escalation rule as well.
 */
export class RoleService {
  constructor(
    private readonly db: ModuleDatabase,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly users: UserService,
    private readonly events: EventBus,
  ) {}

  private async view(name: string): Promise<RoleView> {
    const role = await this.db.repository(Role).findOneBy({name});
    if (!role)
      throw notFound(`No role ${quoted(name)}`, {code: 'ROLE_NOT_FOUND', hint: 'See auth:role for the roles.'});
    const permissions = (await this.db.repository(RolePermission).findBy({role: name}))
      .map((row) => row.permission)
      .sort();
    return {name: role.name, description: role.description, builtin: Boolean(role.builtin), permissions};
  }

  async list(actor: Actor): Promise<RoleView[]> {
    await this.access.authorize(actor, 'roles:read', 'roles.list');
    return this.all();
  }

  /** Every role, for services that checked a permission of their own (permissions:list). */
  async all(): Promise<RoleView[]> {
    const roles = await this.db.repository(Role).find({order: {name: 'ASC'}});
    return Promise.all(roles.map((role) => this.view(role.name)));
  }

  /** Whether a role of that name exists. No permission check: for services that checked their own (api:limits:set). */
  async exists(name: string): Promise<boolean> {
    return (await this.db.repository(Role).findOneBy({name})) !== null;
  }

  async get(actor: Actor, name: string): Promise<RoleView> {
    await this.access.authorize(actor, 'roles:read', 'roles.read', name);
    return this.view(name);
  }

  async create(
    actor: Actor,
    input: {name: string; description?: string; permissions?: string[]},
    declared?: ReadonlySet<string>,
    options: RoleChangeOptions = {},
  ): Promise<RoleView & {dryRun?: true}> {
    await this.access.authorize(actor, 'roles:write', 'roles.create', input.name);
    const name = checkRoleName(input.name);
    const description = input.description === undefined ? '' : checkDescription(input.description);
    const permissions = [...new Set(input.permissions ?? [])];
    for (const permission of permissions) checkPermission(permission, declared);
    await this.access.assertCanGrant(actor, permissions, 'roles.create', name);
    if (await this.db.repository(Role).findOneBy({name}))
      throw conflict(`Role ${name} already exists`, {code: 'ROLE_EXISTS'});
    if (options.dryRun) return {name, description, builtin: false, permissions: permissions.sort(), dryRun: true};
    await this.db.transaction(async (manager) => {
      if (await manager.getRepository(Role).findOneBy({name}))
        throw conflict(`Role ${name} already exists`, {code: 'ROLE_EXISTS'});
      await manager
        .getRepository(Role)
        .insert({name, description, builtin: false, createdAt: new Date().toISOString()});
      for (const permission of permissions)
        await manager.getRepository(RolePermission).insert({role: name, permission});
      await this.audit.record(
        actor,
        {action: 'roles.create', target: name, result: 'ok', permission: 'roles:write', details: {permissions}},
        manager,
      );
      await this.events.emit(
        ROLE_CHANGED,
        {role: name, change: 'created'},
        {transaction: manager, actor, subject: name},
      );
    });
    return this.view(name);
  }

  async update(
    actor: Actor,
    name: string,
    input: {description?: string; addPermissions?: string[]; removePermissions?: string[]},
    declared?: ReadonlySet<string>,
    options: RoleChangeOptions = {},
  ): Promise<RoleView & {dryRun?: true}> {
    await this.access.authorize(actor, 'roles:write', 'roles.update', name);
    const description = input.description === undefined ? undefined : checkDescription(input.description);
    const add = [...new Set(input.addPermissions ?? [])];
    const remove = [...new Set(input.removePermissions ?? [])];
    if (description === undefined && add.length === 0 && remove.length === 0) {
      throw invalidInput('Nothing to change', {
        code: 'NOTHING_TO_UPDATE',
        hint: 'Give --description, --add-permission or --remove-permission.',
      });
    }
    for (const permission of add) checkPermission(permission, declared);
    const role = await this.view(name);
    if (role.builtin && (add.length > 0 || remove.length > 0)) {
      throw invalidInput(`The permissions of the built-in role ${name} cannot be changed`, {
        code: 'ROLE_BUILTIN',
        hint: 'Create a role of your own with auth:role:create.',
      });
    }
    await this.access.assertCanGrant(actor, add, 'roles.update', name);
    if (options.dryRun) {
      const permissions = [...new Set([...role.permissions, ...add])]
        .filter((permission) => !remove.includes(permission))
        .sort();
      return {...role, ...(description === undefined ? {} : {description}), permissions, dryRun: true};
    }
    await this.db.transaction(async (manager) => {
      if (description !== undefined) await manager.getRepository(Role).update({name}, {description});
      for (const permission of add)
        if (!role.permissions.includes(permission))
          await manager.getRepository(RolePermission).insert({role: name, permission});
      for (const permission of remove) await manager.getRepository(RolePermission).delete({role: name, permission});
      await this.audit.record(
        actor,
        {
          action: 'roles.update',
          target: name,
          result: 'ok',
          permission: 'roles:write',
          details: {
            ...(description === undefined ? {} : {description}),
            addPermissions: add,
            removePermissions: remove,
          },
        },
        manager,
      );
      await this.events.emit(
        ROLE_CHANGED,
        {role: name, change: 'updated'},
        {transaction: manager, actor, subject: name},
      );
    });
    return this.view(name);
  }

  /** Deletes a role (its users lose what it gave); asks `confirm` after the checks and the look-up. */
  async delete(
    actor: Actor,
    name: string,
    options: RoleChangeOptions = {},
  ): Promise<{name: string; deleted: boolean; dryRun?: true}> {
    await this.access.authorize(actor, 'roles:write', 'roles.delete', name);
    const role = await this.view(name);
    if (role.builtin) throw invalidInput(`The built-in role ${name} cannot be deleted`, {code: 'ROLE_BUILTIN'});
    if (options.dryRun) return {name, deleted: false, dryRun: true};
    await options.confirm?.(
      `Delete role ${role.name}? Its users lose ${role.permissions.length} permission${role.permissions.length === 1 ? '' : 's'}.`,
    );
    await this.db.transaction(async (manager) => {
      await manager.getRepository(Role).delete({name});
      await this.audit.record(
        actor,
        {action: 'roles.delete', target: name, result: 'ok', permission: 'roles:write'},
        manager,
      );
      await this.events.emit(
        ROLE_CHANGED,
        {role: name, change: 'deleted'},
        {transaction: manager, actor, subject: name},
      );
    });
    return {name, deleted: true};
  }

  /**
   * Grants a permission to a user or a role (idempotent). The actor must hold it themselves (the
   * escalation rule), checked before the subject is looked up.
   */
  async grant(
    actor: Actor,
    permission: string,
    to: {user?: string; role?: string},
    declared?: ReadonlySet<string>,
    options: RoleChangeOptions = {},
  ): Promise<GrantResult> {
    await this.access.authorize(actor, 'permissions:grant', 'permissions.grant', to.user ?? to.role ?? null);
    checkSubject(to);
    checkPermission(permission, declared);
    await this.access.assertCanGrant(actor, [permission], 'permissions.grant', to.user ?? to.role ?? null);
    return this.changeGrant(actor, permission, to, 'grant', options) as Promise<GrantResult>;
  }

  /** Revokes a permission from a user or a role; taking away needs no holding of it (only permissions:grant). */
  async revoke(
    actor: Actor,
    permission: string,
    from: {user?: string; role?: string},
    options: RoleChangeOptions = {},
  ): Promise<RevokeResult> {
    await this.access.authorize(actor, 'permissions:grant', 'permissions.revoke', from.user ?? from.role ?? null);
    checkSubject(from);
    // Not checked against the installed modules: a permission of a removed module must stay revocable.
    checkPermission(permission);
    return this.changeGrant(actor, permission, from, 'revoke', options) as Promise<RevokeResult>;
  }

  private async changeGrant(
    actor: Actor,
    permission: string,
    subject: {user?: string; role?: string},
    change: 'grant' | 'revoke',
    options: RoleChangeOptions,
  ): Promise<GrantResult | RevokeResult> {
    const target = subject.user ? (await this.users.find(subject.user)).email : (await this.view(subject.role!)).name;
    if (subject.role && (await this.view(subject.role)).builtin)
      throw invalidInput(`The permissions of the built-in role ${subject.role} cannot be changed`, {
        code: 'ROLE_BUILTIN',
      });
    const who = subject.user ? {user: target} : {role: target};
    if (options.dryRun)
      return {permission, ...who, ...(change === 'grant' ? {granted: false} : {revoked: false}), dryRun: true};
    await this.db.transaction(async (manager) => {
      if (subject.user) {
        const userId = (await this.users.find(subject.user, manager)).id;
        const repository = manager.getRepository(Grant);
        if (change === 'grant' && !(await repository.findOneBy({userId, permission})))
          await repository.insert({userId, permission});
        if (change === 'revoke') await repository.delete({userId, permission});
      } else {
        const repository = manager.getRepository(RolePermission);
        if (change === 'grant' && !(await repository.findOneBy({role: subject.role!, permission})))
          await repository.insert({role: subject.role!, permission});
        if (change === 'revoke') await repository.delete({role: subject.role!, permission});
      }
      await this.audit.record(
        actor,
        {
          action: `permissions.${change}`,
          target,
          result: 'ok',
          permission: 'permissions:grant',
          details: {permission, ...who},
        },
        manager,
      );
      await this.events.emit(
        change === 'grant' ? PERMISSION_GRANTED : PERMISSION_REVOKED,
        {permission, ...who},
        {transaction: manager, actor, subject: target},
      );
    });
    return {permission, ...who, ...(change === 'grant' ? {granted: true} : {revoked: true})};
  }
}

function checkSubject(subject: {user?: string; role?: string}): void {
  if (Boolean(subject.user) === Boolean(subject.role))
    throw invalidInput('Name one user (--user) or one role (--role)', {code: 'GRANT_SUBJECT'});
}
