import type {AccessProvider, EventBus, Logger} from '@systemprompt/core';
import type {AgentsApi} from '@systemprompt/agents';
import type {ToolCaller} from '@systemprompt/mcp';
import type {QueueService} from '@systemprompt/queue';
import type {DefinitionService} from './definitions.js';
import type {RunStore} from './run-store.js';

/** The queue that runs workflow runs: one job per run at a time, payload {runId}. */
export const RUN_QUEUE = 'workflows.run';

export interface EngineSettings {
  defaultStepTimeoutMs: number;
  httpTimeoutMs: number;
  maxOutputBytes: number;
  maxDepth: number;
  pollMs: number;
  runAttempts: number;
}

/** What executing runs needs from the module. */
export interface EngineParts {
  store: RunStore;
  definitions: DefinitionService;
  /** The mcp module's tool caller (every module's tools, once they are booted). */
  calls: () => ToolCaller;
  /** The agents module's service (agent steps run its agents). */
  agents: () => AgentsApi;
  access: AccessProvider;
  events: EventBus;
  queue: QueueService;
  settings: EngineSettings;
  logger: Logger;
}

export type RunOutcome =
  | {status: 'completed'; output: unknown}
  | {status: 'failed'; error: string}
  | {status: 'cancelled'}
  | {status: 'waiting'; until: number};
