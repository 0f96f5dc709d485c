import {BaseModule, packageVersionOf, type ModuleContext} from '@systemprompt/core';
import {USERS, type UsersApi} from '@systemprompt/users';
import {PermissionService} from './services/permissions.js';
import {addPermissionsTools} from './tools.js';

export {declaredPermissions, type DeclaredPermission} from './services/catalog.js';
export {PermissionService, type PermissionRow, type PermissionCheck} from './services/permissions.js';

/** What the permissions module publishes: the users module's services, and its own read side. */
export interface PermissionsApi extends UsersApi {
  permissions: PermissionService;
}

/** The permissions module: its commands work on the users module's grants and access decisions. */
export class PermissionsModule extends BaseModule {
  readonly name = 'permissions';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;

  override async initialize(context: ModuleContext): Promise<void> {
    await super.initialize(context);
    const users = context.services.get(USERS);
    const api: PermissionsApi = {...users, permissions: new PermissionService(users)};
    context.provide(api);
    addPermissionsTools(context.tools, api.permissions, () => context.modules());
  }
}

export default (): PermissionsModule => new PermissionsModule();
export {PERMISSIONS} from './token.js';
