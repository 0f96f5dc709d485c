import {serviceToken} from '@systemprompt/core';
import type {ApiModuleApi} from './index.js';

/** The api module's service, typed: `this.service(API)` in a command, `context.services.get(API)` in a module. */
export const API = serviceToken<ApiModuleApi>('api');
