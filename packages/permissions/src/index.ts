import {BaseModule, packageVersionOf, type ModuleContext} from '@systemprompt/core';
import type {UsersApi} from '@systemprompt/users';

export {declaredPermissions, type DeclaredPermission} from './services/catalog.js';

/** The permissions module: its commands work on the users module's grants and access decisions. */
export class PermissionsModule extends BaseModule {
  readonly name = 'permissions';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;

  override async initialize(context: ModuleContext): Promise<void> {
    await super.initialize(context);
    context.provide(context.services.get<UsersApi>('users'));
  }
}

export default (): PermissionsModule => new PermissionsModule();
