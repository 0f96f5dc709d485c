import {serviceToken} from '@systemprompt/core';
import type {SchedulerApi} from './index.js';

/** The scheduler module's service, typed: `this.service(SCHEDULER)` in a command, `context.services.get(SCHEDULER)` in a module. */
export const SCHEDULER = serviceToken<SchedulerApi>('scheduler');
