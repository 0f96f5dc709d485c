import {serviceToken} from '@systemprompt/core';
import type {MonitorApi} from './index.js';

/** The monitor module's service, typed: `this.service(MONITOR)` in a command, `context.services.get(MONITOR)` in a module. */
export const MONITOR = serviceToken<MonitorApi>('monitor');
