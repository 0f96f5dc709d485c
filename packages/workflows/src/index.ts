import {BaseModule, packageVersionOf, rowCountGauge, type Actor, type ModuleContext} from '@systemprompt/core';
import {DATABASE, pruneRows} from '@systemprompt/database';
import type {AgentsApi} from '@systemprompt/agents';
import {MCP} from '@systemprompt/mcp';
import {QUEUE, type JobFailedPayload} from '@systemprompt/queue';
import {SCHEDULER} from '@systemprompt/scheduler';
import {WORKFLOW_ENTITIES} from './entities.js';
import type {WorkflowsConfig} from './generated/config.js';
import {DefinitionService} from './services/definitions.js';
import {runJob, type RunJob} from './services/engine.js';
import {RUN_QUEUE, type EngineParts} from './services/parts.js';
import {RUN_STATUSES, RunStore} from './services/run-store.js';
import {RunService, type StartOptions} from './services/runs.js';

export type {WorkflowsConfig} from './generated/config.js';
export type * from './generated/workflow.js';
export {
  DefinitionService,
  DEFINITION_LIST_FIELDS,
  type CreateResult,
  type DefinitionSummary,
  type DefinitionView,
} from './services/definitions.js';
export {RunService, RUN_LIST_FIELDS, type FollowOptions, type RetryResult, type StartOptions} from './services/runs.js';
export {RUN_QUEUE} from './services/parts.js';
export {RUN_STATUSES, type RunEventPayload, type RunStatus} from './services/run-store.js';
export type {ProgressLine, RunDetail, RunView, StepView} from './services/views.js';
export type {RunJob, RunJobResult} from './services/engine.js';

/** What the workflows module publishes (to its commands, and to the scheduler's workflow targets). */
export interface WorkflowsApi {
  config: WorkflowsConfig;
  definitions: DefinitionService;
  runs: RunService;
  /** Queues a run of `name` acting as `actor`; returns the run id (workflows:execute is checked). */
  startRun(actor: Actor, name: string, input: unknown, options?: StartOptions): Promise<string>;
  /** Whether `actor` may run `name` with `input`: throws the refusal (exit 2, 3 or 4) if not; starts nothing. */
  validate(name: string, input: unknown, actor: Actor): Promise<{workflow: string; version: number}>;
}

export class WorkflowsModule extends BaseModule<WorkflowsConfig> {
  readonly name = 'workflows';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;

  override async initialize(context: ModuleContext<WorkflowsConfig>): Promise<void> {
    await super.initialize(context);
    const {config, events, logger} = context;
    const db = await context.services.get(DATABASE).forModule(context, WORKFLOW_ENTITIES);
    const access = await context.access();
    const {queue} = context.services.get(QUEUE);
    const mcp = context.services.get(MCP);
    const store = new RunStore(db);
    rowCountGauge(context.metrics, {
      name: 'runs',
      help: 'Workflow runs by status (queued, running, waiting, completed, failed, cancelled), counted at each scrape.',
      label: 'status',
      known: RUN_STATUSES,
      count: async () =>
        (
          await db.manager.query<Array<{status: string; n: number | string}>>(
            'SELECT status, COUNT(*) AS n FROM workflow_runs GROUP BY status',
          )
        ).map((row) => [row.status, row.n] as const),
    });
    const definitions = new DefinitionService(db, access);
    const parts: EngineParts = {
      store,
      definitions,
      calls: () => mcp.calls,
      // Not a dependency: workflows without agent steps run where the agents module is off.
      agents: () => context.services.get<AgentsApi>('agents'),
      access,
      events,
      queue,
      settings: config,
      logger,
    };
    // Every process that may work the queue knows how (the server's workers, a CLI's --wait).
    queue.register<RunJob>(RUN_QUEUE, (job) => runJob(parts, job), {
      concurrency: config.concurrency,
      maxAttempts: config.runAttempts,
      backoff: {baseMs: 1000, maxMs: 60_000},
    });
    const runs = new RunService(store, definitions, queue, access, events, config);
    events.on('job.failed', async (event) => {
      const payload = event.payload as JobFailedPayload;
      if (payload.queue === RUN_QUEUE) await runs.abandon(payload.id, payload.error);
    });
    context.retention.add({
      name: 'runs',
      description: 'Finished workflow runs (completed, failed or cancelled) and their steps',
      keepDays: config.retentionDays,
      setting: 'workflows.retentionDays',
      prune: (before, options) =>
        pruneRows(
          db,
          {
            table: 'workflow_runs',
            key: 'id',
            // A finished sub-workflow's output is read by its parent while the parent runs.
            where: `status IN ('completed', 'failed', 'cancelled') AND finished_at < ? AND NOT EXISTS
              (SELECT 1 FROM workflow_runs parent WHERE parent.id = workflow_runs.parent_run_id
                AND parent.status NOT IN ('completed', 'failed', 'cancelled'))`,
            params: [before.getTime()],
            dependents: [{table: 'workflow_steps', column: 'run_id'}],
          },
          options,
        ),
    });
    const api: WorkflowsApi = {
      config,
      definitions,
      runs,
      startRun: async (actor, name, input, options) => (await runs.start(actor, name, input, options)).id,
      validate: (name, input, actor) => runs.validate(actor, name, input),
    };
    context.provide<WorkflowsApi>(api);
    // Schedules (scheduler:create --workflow, workflows:schedule) start runs through this; a tick whose
    // job runs again after a crash finds the run it started by its key instead of starting another.
    context.services.get(SCHEDULER).registerTarget('workflow', {
      validate: async (name, input, actor) => void (await api.validate(name, input, actor)),
      start: async (name, input, actor, tick) => ({
        reference: await api.startRun(actor, name, input, {
          trigger: `schedule:${tick.schedule}`,
          idempotencyKey: `schedule:${tick.schedule}:${tick.tickAt}`,
        }),
      }),
    });
  }
}

export default (): WorkflowsModule => new WorkflowsModule();
export {WORKFLOWS} from './token.js';
