import {serviceToken} from '@systemprompt/core';
import type {SystemApi} from './index.js';

/** The system module's service, typed: `this.service(SYSTEM)` in a command. */
export const SYSTEM = serviceToken<SystemApi>('system');
