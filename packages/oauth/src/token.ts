import {serviceToken} from '@systemprompt/core';
import type {OAuthApi} from './index.js';

/** The oauth module's service, typed: `this.service(OAUTH)` in a command. */
export const OAUTH = serviceToken<OAuthApi>('oauth');
