import {serviceToken} from '@systemprompt/core';
import type {PermissionsApi} from './index.js';

/** The permissions module's service, typed: `this.service(PERMISSIONS)` in a command, `context.services.get(PERMISSIONS)` in a module. */
export const PERMISSIONS = serviceToken<PermissionsApi>('permissions');
