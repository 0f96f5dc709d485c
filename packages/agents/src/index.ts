import {BaseModule, packageVersionOf, type Actor, type ModuleContext} from '@systemprompt/core';
import {CONFIG, providerService} from '@systemprompt/config';
import {DATABASE, pruneRows} from '@systemprompt/database';
import {MCP} from '@systemprompt/mcp';
import {QUEUE, type JobFailedPayload} from '@systemprompt/queue';
import {USERS} from '@systemprompt/users';
import {AGENT_ENTITIES} from './entities.js';
import type {AgentsConfig} from './generated/config.js';
import {AgentTools} from './services/agent-tools.js';
import {AgentService} from './services/agents.js';
import {runInline, runTaskJob, type ExecutorParts, type InlineTask} from './services/executor.js';
import {taskView, type TaskView} from './services/views.js';
import {TaskStore} from './services/task-store.js';
import {TASK_QUEUE, TaskService} from './services/tasks.js';

export type {AgentsConfig} from './generated/config.js';
export {AgentService, AGENT_LIST_FIELDS, type AgentChanges, type AgentView} from './services/agents.js';
export {
  TaskService,
  TASK_LIST_FIELDS,
  TASK_QUEUE,
  type AgentStatus,
  type AssignOptions,
  type FollowOptions,
} from './services/tasks.js';
export {TASK_STATUSES, FINAL as FINAL_TASK_STATUSES, type TaskEventPayload} from './services/task-store.js';
export {agentToolName} from './services/agent-tools.js';
export type {InlineTask} from './services/executor.js';
export {parseSeconds, type AgentLimits} from './services/settings.js';
export type {LogLine, StepView, TaskDetail, TaskView} from './services/views.js';

/** What the agents module publishes (to its commands, and to workflows' agent steps). */
export interface AgentsApi {
  config: AgentsConfig;
  agents: AgentService;
  tasks: TaskService;
  /**
   * Runs a task to its end in this process, inside `task.runner`'s job (a workflow's agent step),
   * whatever the agent's state; the same key after a crash resumes the task (agents:execute checked).
   */
  runInline(actor: Actor, task: InlineTask): Promise<TaskView>;
}

export class AgentsModule extends BaseModule<AgentsConfig> {
  readonly name = 'agents';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;
  private api: AgentsApi | undefined;
  private reconciler: NodeJS.Timeout | undefined;

  override async initialize(context: ModuleContext<AgentsConfig>): Promise<void> {
    await super.initialize(context);
    const {config, events, logger} = context;
    const db = await context.services.get(DATABASE).forModule(context, AGENT_ENTITIES);
    const users = context.services.get(USERS);
    const providers = providerService(context.services.get(CONFIG));
    const {queue} = context.services.get(QUEUE);
    const mcp = context.services.get(MCP);
    const agents = new AgentService({db, users, providers, events});
    const store = new TaskStore(db);
    const tasks = new TaskService(store, agents, queue, users.access, events, config);
    const parts: ExecutorParts = {
      store,
      agents,
      providers,
      users,
      access: users.access,
      events,
      catalogue: () => mcp.catalogue,
      calls: () => mcp.calls,
      settings: config,
      logger,
    };
    // Every process that may work the queue knows how (the server's workers, a CLI's --wait).
    queue.register(TASK_QUEUE, (job) => runTaskJob(parts, job as never), {
      concurrency: config.concurrency,
      maxAttempts: config.taskAttempts,
      backoff: {baseMs: 1000, maxMs: 60_000},
    });
    events.on('job.failed', async (event) => {
      const payload = event.payload as JobFailedPayload;
      if (payload.queue === TASK_QUEUE) await tasks.abandon(payload.id, payload.error);
    });
    mcp.catalogue.addSource(new AgentTools(store, agents, tasks, config, logger).source);
    this.api = {
      config,
      agents,
      tasks,
      runInline: async (actor, task) => taskView(await runInline(parts, tasks, actor, task)),
    };
    context.retention.add({
      name: 'tasks',
      description: 'Finished agent tasks (completed, failed, limited or cancelled) and their steps',
      keepDays: context.config.retentionDays,
      setting: 'agents.retentionDays',
      prune: (before, options) =>
        pruneRows(
          db,
          {
            table: 'agent_tasks',
            key: 'id',
            where: "status IN ('completed', 'failed', 'limited', 'cancelled') AND finished_at < ?",
            params: [before.getTime()],
            dependents: [{table: 'agent_steps', column: 'task_id'}],
          },
          options,
        ),
    });
    context.provide<AgentsApi>(this.api);
  }

  /** Only the server starts modules: it queues the waiting tasks of started agents now and then. */
  override async start(): Promise<void> {
    const tasks = this.api?.tasks;
    const context = this.context;
    if (!tasks || !context) return;
    const reconcile = () =>
      void tasks
        .reconcile()
        .catch((error: unknown) => context.logger.warn({err: error}, 'could not queue waiting agent tasks'));
    reconcile();
    this.reconciler = setInterval(reconcile, context.config.reconcileSeconds * 1000);
    this.reconciler.unref();
  }

  override async stop(): Promise<void> {
    clearInterval(this.reconciler);
  }
}

export default (): AgentsModule => new AgentsModule();
export {AGENTS} from './token.js';
