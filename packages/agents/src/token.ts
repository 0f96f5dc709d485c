import {serviceToken} from '@systemprompt/core';
import type {AgentsApi} from './index.js';

/** The agents module's service, typed: `this.service(AGENTS)` in a command, `context.services.get(AGENTS)` in a module. */
export const AGENTS = serviceToken<AgentsApi>('agents');
