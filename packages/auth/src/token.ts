import {serviceToken} from '@systemprompt/core';
import type {AuthApi} from './index.js';

/** The auth module's service, typed: `this.service(AUTH)` in a command, `context.services.get(AUTH)` in a module. */
export const AUTH = serviceToken<AuthApi>('auth');
