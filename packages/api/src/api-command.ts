import type {OclifCommand} from '@systemprompt/core';
import {SystemPromptCommand} from '@systemprompt/core';
import type {ApiModuleApi} from './index.js';
import {API} from './token.js';

/** Base of the api:* commands: the api module's services (declaredPermissions comes from the command base). */
export abstract class ApiCommand<T extends typeof OclifCommand> extends SystemPromptCommand<T> {
  protected api(): Promise<ApiModuleApi> {
    return this.service(API);
  }
}
