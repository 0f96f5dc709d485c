import {SystemPromptCommand, type OclifCommand} from '@systemprompt/core';
import type {SystemApi} from './index.js';
import {SYSTEM} from './token.js';

/** The base of the system:* and heartbeat:* commands. */
export abstract class SystemCommand<T extends typeof OclifCommand> extends SystemPromptCommand<T> {
  protected systemApi(): Promise<SystemApi> {
    return this.service(SYSTEM);
  }

  /** The CLI entry this process runs (bin/run.js), to start the server as another process of it. */
  protected get cliEntry(): string {
    return process.argv[1]!;
  }
}
