import {conflict, invalidInput, isPermission, notFound, type Actor, type EventBus} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import {Grant, Role, RolePermission} from '../entities.js';
import type {AccessService} from './access.js';
import type {AuditService} from './audit.js';
import type {UserService} from './users.js';

export interface RoleView {
  name: string;
  description: string;
  builtin: boolean;
  permissions: string[];
}

const ROLE_NAME = /^[a-z][a-z0-9-]{0,63}$/;

function checkPermission(permission: string, declared?: ReadonlySet<string>): void {
  if (!isPermission(permission)) throw invalidInput(`"${permission}" is not a permission (resource:action, resource:*, *:action or *)`, {code: 'PERMISSION_INVALID'});
  if (declared && !permission.includes('*') && !declared.has(permission)) {
    throw invalidInput(`No installed module declares the permission ${permission}`, {code: 'PERMISSION_UNKNOWN', hint: 'See permissions:list; wildcards such as users:* are always accepted.'});
  }
}

/** Roles (built-in admin, operator and viewer cannot be deleted) and the grants of roles and users. */
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
    if (!role) throw notFound(`No role "${name}"`, {code: 'ROLE_NOT_FOUND', hint: 'See auth:role for the roles.'});
    const permissions = (await this.db.repository(RolePermission).findBy({role: name})).map((row) => row.permission).sort();
    return {name: role.name, description: role.description, builtin: Boolean(role.builtin), permissions};
  }

  async list(actor: Actor): Promise<RoleView[]> {
    await this.access.authorize(actor, 'roles:read', 'roles.list');
    const roles = await this.db.repository(Role).find({order: {name: 'ASC'}});
    return Promise.all(roles.map((role) => this.view(role.name)));
  }

  async get(actor: Actor, name: string): Promise<RoleView> {
    await this.access.authorize(actor, 'roles:read', 'roles.read', name);
    return this.view(name);
  }

  async create(actor: Actor, input: {name: string; description?: string; permissions?: string[]}, declared?: ReadonlySet<string>): Promise<RoleView> {
    if (!ROLE_NAME.test(input.name)) throw invalidInput(`"${input.name}" is not a role name (lower-case letters, digits and dashes)`, {code: 'ROLE_NAME_INVALID'});
    for (const permission of input.permissions ?? []) checkPermission(permission, declared);
    await this.access.authorize(actor, 'roles:write', 'roles.create', input.name);
    await this.db.transaction(async (manager) => {
      if (await manager.getRepository(Role).findOneBy({name: input.name})) throw conflict(`Role ${input.name} already exists`, {code: 'ROLE_EXISTS'});
      await manager.getRepository(Role).insert({name: input.name, description: input.description ?? '', builtin: false, createdAt: new Date().toISOString()});
      for (const permission of new Set(input.permissions ?? [])) await manager.getRepository(RolePermission).insert({role: input.name, permission});
      await this.audit.record(actor, {action: 'roles.create', target: input.name, result: 'ok', permission: 'roles:write', details: {permissions: input.permissions ?? []}}, manager);
    });
    await this.events.emit('role.changed', {role: input.name, change: 'created'});
    return this.view(input.name);
  }

  async update(actor: Actor, name: string, input: {description?: string; addPermissions?: string[]; removePermissions?: string[]}, declared?: ReadonlySet<string>): Promise<RoleView> {
    const role = await this.view(name);
    for (const permission of input.addPermissions ?? []) checkPermission(permission, declared);
    await this.access.authorize(actor, 'roles:write', 'roles.update', name);
    if (role.builtin && (input.addPermissions?.length || input.removePermissions?.length)) {
      throw invalidInput(`The permissions of the built-in role ${name} cannot be changed`, {code: 'ROLE_BUILTIN', hint: 'Create a role of your own with auth:role:create.'});
    }
    await this.db.transaction(async (manager) => {
      if (input.description !== undefined) await manager.getRepository(Role).update({name}, {description: input.description});
      for (const permission of input.addPermissions ?? []) if (!role.permissions.includes(permission)) await manager.getRepository(RolePermission).insert({role: name, permission});
      for (const permission of input.removePermissions ?? []) await manager.getRepository(RolePermission).delete({role: name, permission});
      await this.audit.record(actor, {action: 'roles.update', target: name, result: 'ok', permission: 'roles:write', details: input}, manager);
    });
    await this.events.emit('role.changed', {role: name, change: 'updated'});
    return this.view(name);
  }

  async delete(actor: Actor, name: string): Promise<{name: string; deleted: true}> {
    const role = await this.view(name);
    await this.access.authorize(actor, 'roles:write', 'roles.delete', name);
    if (role.builtin) throw invalidInput(`The built-in role ${name} cannot be deleted`, {code: 'ROLE_BUILTIN'});
    await this.db.transaction(async (manager) => {
      await manager.getRepository(Role).delete({name});
      await this.audit.record(actor, {action: 'roles.delete', target: name, result: 'ok', permission: 'roles:write'}, manager);
    });
    await this.events.emit('role.changed', {role: name, change: 'deleted'});
    return {name, deleted: true};
  }

  /** Grants a permission to a user or a role (idempotent). */
  async grant(actor: Actor, permission: string, to: {user?: string; role?: string}, declared?: ReadonlySet<string>): Promise<{permission: string; user?: string; role?: string; granted: true}> {
    checkPermission(permission, declared);
    return this.changeGrant(actor, permission, to, 'grant') as never;
  }

  async revoke(actor: Actor, permission: string, from: {user?: string; role?: string}): Promise<{permission: string; user?: string; role?: string; revoked: true}> {
    return this.changeGrant(actor, permission, from, 'revoke') as never;
  }

  private async changeGrant(actor: Actor, permission: string, subject: {user?: string; role?: string}, change: 'grant' | 'revoke') {
    if (Boolean(subject.user) === Boolean(subject.role)) throw invalidInput('Name one user (--user) or one role (--role)', {code: 'GRANT_SUBJECT'});
    const target = subject.user ? (await this.users.find(subject.user)).email : (await this.view(subject.role!)).name;
    await this.access.authorize(actor, 'permissions:grant', `permissions.${change}`, target);
    if (subject.role && (await this.view(subject.role)).builtin) throw invalidInput(`The permissions of the built-in role ${subject.role} cannot be changed`, {code: 'ROLE_BUILTIN'});
    await this.db.transaction(async (manager) => {
      if (subject.user) {
        const userId = (await this.users.find(subject.user, manager)).id;
        const repository = manager.getRepository(Grant);
        if (change === 'grant' && !(await repository.findOneBy({userId, permission}))) await repository.insert({userId, permission});
        if (change === 'revoke') await repository.delete({userId, permission});
      } else {
        const repository = manager.getRepository(RolePermission);
        if (change === 'grant' && !(await repository.findOneBy({role: subject.role!, permission}))) await repository.insert({role: subject.role!, permission});
        if (change === 'revoke') await repository.delete({role: subject.role!, permission});
      }
      await this.audit.record(actor, {action: `permissions.${change}`, target, result: 'ok', permission: 'permissions:grant', details: {permission, ...(subject.user ? {user: target} : {role: target})}}, manager);
    });
    await this.events.emit(change === 'grant' ? 'permission.granted' : 'permission.revoked', {permission, ...(subject.user ? {user: target} : {role: target})});
    return {permission, ...(subject.user ? {user: target} : {role: target}), ...(change === 'grant' ? {granted: true as const} : {revoked: true as const})};
  }
}
