import {SystemPromptCommand, type OclifCommand} from '@systemprompt/core';
import type {SchedulerApi} from './index.js';
import {SCHEDULER} from './token.js';

/** The module that registers the `workflow` target (it depends on the scheduler, not the other way round). */
const WORKFLOWS_MODULE = 'workflows';

/** Base of the scheduler:* commands. */
export abstract class SchedulerCommand<T extends typeof OclifCommand> extends SystemPromptCommand<T> {
  protected scheduler(): Promise<SchedulerApi> {
    return this.service(SCHEDULER);
  }

  /**
   * The scheduler with the modules that run its targets booted too (the workflows module, when it is
   * installed and enabled): a workflow target is then validated, and a tick run here can start it. A
   * workflows module that fails to boot is a warning: command targets work without it, and a workflow
   * target then says that it cannot be run (exit 6).
   */
  protected async schedulerWithTargets(): Promise<SchedulerApi> {
    const kernel = await this.kernel();
    const workflows = (await this.modules()).find(
      (record) => record.name === WORKFLOWS_MODULE && !record.error && record.enabled !== false,
    );
    if (workflows) {
      try {
        await kernel.boot([WORKFLOWS_MODULE]);
      } catch (error) {
        this.warnings.push(
          `The workflows module did not boot (${error instanceof Error ? error.message : String(error)}); workflow targets cannot run here`,
        );
      }
    }
    await kernel.boot([SCHEDULER.module]);
    return kernel.service<SchedulerApi>(SCHEDULER.module);
  }
}
