import {serviceToken} from '@systemprompt/core';
import type {ModulesService} from './services/modules-service.js';

/** The modules module's service, typed: `this.service(MODULES)` in a command, `context.services.get(MODULES)` in a module. */
export const MODULES = serviceToken<ModulesService>('modules');
