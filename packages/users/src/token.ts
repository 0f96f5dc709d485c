import {serviceToken} from '@systemprompt/core';
import type {UsersApi} from './index.js';

/** The users module's service, typed: `this.service(USERS)` in a command, `context.services.get(USERS)` in a module. */
export const USERS = serviceToken<UsersApi>('users');
