import {serviceToken} from '@systemprompt/core';
import type {QueueApi} from './index.js';

/** The queue module's service, typed: `this.service(QUEUE)` in a command, `context.services.get(QUEUE)` in a module. */
export const QUEUE = serviceToken<QueueApi>('queue');
