import {serviceToken} from '@systemprompt/core';
import type {WebhooksApi} from './index.js';

/** The webhooks module's service, typed: `this.service(WEBHOOKS)` in a command, `context.services.get(WEBHOOKS)` in a module. */
export const WEBHOOKS = serviceToken<WebhooksApi>('webhooks');
