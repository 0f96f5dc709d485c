import {serviceToken} from '@systemprompt/core';
import type {DatabaseService} from './services/database-service.js';

/** The database module's service, typed: `this.service(DATABASE)` in a command, `context.services.get(DATABASE)` in a module. */
export const DATABASE = serviceToken<DatabaseService>('database');
