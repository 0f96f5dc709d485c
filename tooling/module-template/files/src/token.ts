import {serviceToken} from '@systemprompt/core';
import type {__CLASS__Service} from './services/__NAME__-service.js';

/** This module's service, typed: `this.service(SERVICE)` in its commands, `context.services.get(SERVICE)` in modules that depend on it. */
export const SERVICE = serviceToken<__CLASS__Service>('__NAME__');
