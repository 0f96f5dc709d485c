import {SystemPromptCommand, type OclifCommand} from '@systemprompt/core';
import type {ModulesHost, ModulesService} from './services/modules-service.js';
import {MODULES} from './token.js';

/** The base of the modules:* and extension:* commands: the modules service over this CLI's installation. */
export abstract class ModulesCommand<T extends typeof OclifCommand> extends SystemPromptCommand<T> {
  protected host(): ModulesHost {
    return {
      config: this.config,
      paths: this.paths,
      modules: () => this.modules(),
      kernel: () => this.kernel(),
      newKernel: (modules) => this.newKernel(modules),
    };
  }

  protected modulesService(): Promise<ModulesService> {
    return this.service(MODULES);
  }
}
