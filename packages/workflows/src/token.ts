import {serviceToken} from '@systemprompt/core';
import type {WorkflowsApi} from './index.js';

/** The workflows module's service, typed: `this.service(WORKFLOWS)` in a command, `context.services.get(WORKFLOWS)` in a module. */
export const WORKFLOWS = serviceToken<WorkflowsApi>('workflows');
