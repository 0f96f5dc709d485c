import {invalidInput, isPermission, permissionCovers, type Actor} from '@systemprompt/core';
import type {AccessDecision, RoleView, UsersApi} from '@systemprompt/users';
import type {DeclaredPermission} from './catalog.js';

export interface PermissionRow {
  name: string;
  module: string;
  description: string;
  /** The roles whose permissions cover it, wildcards included. */
  roles: string[];
}

export type PermissionCheck = AccessDecision & {user: string};

/**
 * What the permissions commands read: the declared permissions with the roles that cover them, and
 * whether a user holds one. Each method checks `permissions:read` first, so any caller (CLI, HTTP,
 * MCP) gets the same answer; grants and revokes are the users module's RoleService.
 */
export class PermissionService {
  constructor(private readonly users: UsersApi) {}

  /** The permissions modules declare (`catalog`, from module discovery), each with the roles that cover it. */
  async list(actor: Actor, catalog: readonly DeclaredPermission[]): Promise<PermissionRow[]> {
    await this.users.access.authorize(actor, 'permissions:read', 'permissions.list');
    const roles = await this.users.roles.all();
    return catalog.map((permission) => ({
      ...permission,
      roles: roles
        .filter((role) => role.permissions.some((granted) => permissionCovers(granted, permission.name)))
        .map((role) => role.name),
    }));
  }

  /** The roles with their permissions (what grants come from). */
  async roles(actor: Actor): Promise<RoleView[]> {
    await this.users.access.authorize(actor, 'permissions:read', 'permissions.list');
    return this.users.roles.all();
  }

  /** Whether a user holds `permission`, and through what; a user that does not exist is exit 3. */
  async check(actor: Actor, reference: string, permission: string): Promise<PermissionCheck> {
    await this.users.access.authorize(actor, 'permissions:read', 'permissions.check', reference);
    if (typeof permission !== 'string' || permission.length > 130 || !isPermission(permission)) {
      throw invalidInput(`"${String(permission).slice(0, 130)}" is not a permission (resource:action)`, {
        code: 'PERMISSION_INVALID',
      });
    }
    const user = await this.users.users.find(reference);
    return {user: user.email, ...(await this.users.access.decideForUser(user.id, permission))};
  }
}
