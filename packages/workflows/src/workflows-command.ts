import {
  ExitCode,
  SystemPromptCommand,
  followResult,
  jsonObjectFlag,
  liveServer,
  type Actor,
  type FollowResult,
  type OclifCommand,
} from '@systemprompt/core';
import type {ProgressLine} from './services/views.js';
import type {WorkflowsApi} from './index.js';
import {WORKFLOWS} from './token.js';

/** Base of the workflows:* commands. */
export abstract class WorkflowsCommand<T extends typeof OclifCommand> extends SystemPromptCommand<T> {
  protected workflows(): Promise<WorkflowsApi> {
    return this.service(WORKFLOWS);
  }

  /**
   * The workflows service with every enabled module booted, as in the server: a run executed in this
   * process finds every module's tools.
   */
  protected async workflowsWithAllModules(): Promise<WorkflowsApi> {
    return (await this.kernelWithEnabledModules()).service(WORKFLOWS);
  }

  /** Whether this installation's server runs (its workers then run the runs). */
  protected serverRunning(): boolean {
    return liveServer(this.paths.data) !== undefined;
  }

  /**
   * The workflows service to start or retry a run with and then follow it: when this installation's
   * server runs, its workers run the run; when none does, this process does (every module booted).
   */
  protected async runner(wait: boolean): Promise<{api: WorkflowsApi; server: boolean}> {
    const server = this.serverRunning();
    return {api: wait && !server ? await this.workflowsWithAllModules() : await this.workflows(), server};
  }

  /** Follows a run to its end (exit 1 when it failed or was cancelled), working the queue here when no server runs. */
  protected async follow(
    api: WorkflowsApi,
    actor: Actor,
    runId: string,
    server: boolean,
  ): Promise<FollowResult<ProgressLine>> {
    const progress = await api.runs.follow(actor, runId, {
      signal: this.stopSignal,
      work: !server,
      onEnd: (ended) => {
        if (ended.status !== 'completed') this.exitAfterOutput(ExitCode.Unexpected);
      },
    });
    return followResult([], progress);
  }

  /** The --input flag: a JSON object (none: an empty one). */
  protected inputOf(text: string | undefined): Record<string, unknown> {
    return jsonObjectFlag(text, 'input', 'WORKFLOW_INPUT_INVALID') ?? {};
  }
}
