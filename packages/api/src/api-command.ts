import type {OclifCommand} from '@systemprompt/core';
import {SystemPromptCommand} from '@systemprompt/core';
import type {ApiModuleApi} from './index.js';

/** Base of the api:* commands: the api module's services, and the permissions modules declare. */
export abstract class ApiCommand<T extends typeof OclifCommand> extends SystemPromptCommand<T> {
  protected api(): Promise<ApiModuleApi> {
    return this.service<ApiModuleApi>();
  }

  /** Every permission an installed module declares (scopes must be one of them, or a wildcard). */
  protected async declaredPermissions(): Promise<Set<string>> {
    const names = new Set<string>();
    for (const record of await this.modules()) {
      if (!record.error) for (const permission of record.manifest?.permissions ?? []) names.add(permission.name);
    }
    return names;
  }
}
