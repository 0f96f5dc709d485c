import {defineEvent} from '@systemprompt/core';
import type {ChangeAction} from './services/config-store.js';

// The events of the config module (module.yaml `events`), with their payloads.

/** Runtime settings changed (set, unset, imported, rolled back); `version` is the configuration version after it. */
export const CONFIG_CHANGED = defineEvent<{action: ChangeAction; keys: string[]; version: number}>('config.changed');

/** A change of the AI provider registry: `provider.added`, `model.default`, ...; names and URLs, never a key. */
export type ProviderChange = {action: string; provider: string} & Record<string, unknown>;

/** An AI provider or model was added, changed or removed; the subject is the provider's name. */
export const CONFIG_PROVIDER_CHANGED = defineEvent<ProviderChange>('config.provider.changed');
