import {serviceToken} from '@systemprompt/core';
import type {ConfigModuleApi} from './index.js';

/** The config module's service, typed: `this.service(CONFIG)` in a command, `context.services.get(CONFIG)` in a module. */
export const CONFIG = serviceToken<ConfigModuleApi>('config');
