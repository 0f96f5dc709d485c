import {serviceToken} from '@systemprompt/core';
import type {DevService} from './services/dev.js';

/** The dev module's service, typed: `this.service(DEV)` in a command. */
export const DEV = serviceToken<DevService>('dev');
