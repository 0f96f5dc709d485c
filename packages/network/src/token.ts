import {serviceToken} from '@systemprompt/core';
import type {NetworkApi} from './index.js';

/** The network module's service, typed: `this.service(NETWORK)` in a command, `kernel.service(NETWORK)` in the server. */
export const NETWORK = serviceToken<NetworkApi>('network');
