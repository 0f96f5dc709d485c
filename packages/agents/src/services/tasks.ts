import {
  conflict,
  invalidInput,
  newSortableId,
  notFound,
  type AccessProvider,
  type Actor,
  type EventBus,
  type ListQuery,
  type ListResult,
} from '@systemprompt/core';
import {isUniqueViolation, queryList, type ListPlan} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import type {QueueService} from '@systemprompt/queue';
import {Agent, AgentTask, type AgentRow, type TaskRow} from '../entities.js';
import type {AgentService} from './agents.js';
import {MAX_TASK_TEXT} from './settings.js';
import {FINAL, OPEN, taskEventPayload, type AgentSnapshot, type TaskStore} from './task-store.js';
import {logLines, stepView, taskView, type LogLine, type TaskDetail, type TaskView} from './views.js';

/** The queue that runs agent tasks: one job per task at a time, payload {taskId, now?}. */
export const TASK_QUEUE = 'agents.task';

export interface TaskJob {
  taskId: string;
  /** Run even while the agent is stopped (assigned with --wait where no server runs). */
  now?: boolean;
}

export interface AssignOptions {
  input?: Record<string, unknown>;
  /** cli, mcp, workflow:RUN... */
  trigger?: string;
  /** A repeated assignment with the same key returns the first task (a workflow step run again). */
  idempotencyKey?: string;
  /** Queue it even though the agent is stopped (it is run right away by this process). */
  now?: boolean;
  /** Not queued: `owner` (a workflow's job) runs it in its own process, whatever the agent's state. */
  owner?: string;
}

export interface FollowOptions {
  signal: AbortSignal;
  /** Work the agents queue in this process meanwhile (no server runs). */
  work?: boolean;
  onEnd?: (task: TaskView) => void;
}

export const TASK_LIST_FIELDS = [
  'id',
  'agent',
  'status',
  'stopReason',
  'requestedBy',
  'trigger',
  'steps',
  'createdAt',
  'finishedAt',
  'error',
] as const;
const TASK_LIST: ListPlan = {
  fields: {
    id: 't.id',
    agent: 't.agent',
    status: 't.status',
    stopReason: 't.stop_reason',
    requestedBy: 't.requested_by',
    trigger: 't.trigger_label',
    steps: {sql: 't.steps', kind: 'number'},
    createdAt: {sql: 't.created_at', kind: 'number'},
    finishedAt: {sql: 't.finished_at', kind: 'number'},
    error: 't.error',
  },
  searchable: ['agent', 'requestedBy', 'trigger', 'error'],
  order: [['id', 'desc']],
};

export const taskNotFound = (id: string) =>
  notFound(`No task ${id}`, {code: 'TASK_NOT_FOUND', details: {id}, hint: 'See agents:status AGENT.'});

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, {once: true});
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

/** Per agent: its state and how many of its tasks stand where. */
export type AgentStatus = {
  agent: string;
  state: string;
  model: string;
  runAs: string;
  pending: number;
  queued: number;
  running: number;
  completed: number;
  failed: number;
  lastTaskAt: string | null;
};

/**
 * Tasks: assigned by people (agents:execute, and only to agents acting as someone whose permissions
 * they hold), queued while the agent is started (else pending until it is), run by the server's
 * workers, every step recorded. Reading takes agents:read.
 */
export class TaskService {
  constructor(
    private readonly store: TaskStore,
    private readonly agents: AgentService,
    private readonly queue: QueueService,
    private readonly access: AccessProvider,
    private readonly events: EventBus,
    private readonly settings: {pollMs: number},
  ) {}

  async assign(actor: Actor, agentName: string, text: string, options: AssignOptions = {}): Promise<TaskView> {
    await this.access.authorize(actor, 'agents:execute', 'agents.assign', agentName);
    const agent = await this.agents.require(agentName);
    // A task makes the agent act as its user: assigning one is acting as them.
    await this.agents.checkMayActAs(actor, agent, agentName);
    const task = text.trim();
    if (!task || task.length > MAX_TASK_TEXT)
      throw invalidInput(task ? `The task is longer than ${MAX_TASK_TEXT} characters` : 'The task text is empty', {
        code: 'TASK_INVALID',
        hint: 'Say what the agent should do, e.g. agents:assign helper "create user bob@example.com".',
      });
    if (options.idempotencyKey) {
      const existing = await this.store.findByKey(options.idempotencyKey);
      if (existing) return taskView(existing);
    }
    const now = Date.now();
    const row: TaskRow = {
      id: newSortableId(),
      agent: agentName,
      status: 'pending',
      text: task,
      input: options.input === undefined ? null : JSON.stringify(options.input),
      snapshot: JSON.stringify(snapshotOf(agent)),
      output: null,
      error: null,
      stopReason: null,
      requestedBy: actor.label,
      trigger: options.trigger ?? null,
      idempotencyKey: options.idempotencyKey ?? null,
      jobId: null,
      steps: 0,
      tokensIn: 0,
      tokensOut: 0,
      costMicros: 0,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      updatedAt: now,
    };
    try {
      await this.store.db.transaction(async (manager) => {
        // Both in one transaction: no worker sees the job before the task it names exists.
        if (options.owner) Object.assign(row, {status: 'queued', jobId: options.owner});
        else if (agent.state === 'started' || options.now) await this.enqueue(manager, row, options.now);
        await manager.getRepository(AgentTask).insert(row);
        await this.events.emit('agent.task.queued', taskEventPayload(row), {transaction: manager, subject: row.id});
      });
    } catch (error) {
      // The same key assigned at the same moment elsewhere: that task is the one.
      if (options.idempotencyKey && isUniqueViolation(error)) {
        const existing = await this.store.findByKey(options.idempotencyKey);
        if (existing) return taskView(existing);
      }
      throw error;
    }
    await this.access.record(actor, {
      action: 'agents.assign',
      target: agentName,
      result: 'ok',
      permission: 'agents:execute',
      details: {task: row.id, status: row.status},
    });
    return taskView(row);
  }

  /**
   * Hands an unfinished task to `owner` (a workflow job that took over after a crash): from then on
   * only that job runs it. False when the task already ended.
   */
  async adopt(id: string, owner: string): Promise<boolean> {
    return this.store.update(id, OPEN, {status: 'queued', jobId: owner, updatedAt: Date.now()});
  }

  /** Queues a task about to be inserted, in `manager`'s transaction: the row becomes queued with its job. */
  private async enqueue(manager: EntityManager, row: TaskRow, now?: boolean): Promise<void> {
    const job = await this.queue.enqueue(TASK_QUEUE, {taskId: row.id, ...(now ? {now: true} : {})} satisfies TaskJob, {
      transaction: manager,
    });
    row.status = 'queued';
    row.jobId = job.id;
    row.updatedAt = Date.now();
  }

  /**
   * Queues the pending tasks of started agents (of one, given): agents:start does it in its
   * transaction, and each server every reconcileSeconds. A task another server queued meanwhile is
   * left alone (the change is guarded by its status).
   */
  async releasePending(manager: EntityManager, agent?: string): Promise<number> {
    let queued = 0;
    for (const {id} of await this.store.pendingOfStarted(manager, agent)) {
      // Claimed by its status first: another server releasing the same task at once changes nothing.
      if (!(await this.store.update(id, ['pending'], {status: 'queued', updatedAt: Date.now()}, {manager}))) continue;
      const job = await this.queue.enqueue(TASK_QUEUE, {taskId: id} satisfies TaskJob, {transaction: manager});
      await this.store.update(id, ['queued'], {jobId: job.id}, {manager});
      queued++;
    }
    return queued;
  }

  /** Runs releasePending in a transaction of its own (a server's reconcile). */
  reconcile(): Promise<number> {
    return this.store.db.transaction((manager) => this.releasePending(manager));
  }

  async get(actor: Actor, id: string): Promise<TaskDetail> {
    await this.access.authorize(actor, 'agents:read', 'agents.task', id);
    const row = await this.store.find(id);
    if (!row) throw taskNotFound(id);
    return {...taskView(row), log: (await this.store.steps(id)).map(stepView)};
  }

  /** The newest task of an agent (agents:logs AGENT). */
  async latest(actor: Actor, agent: string): Promise<string> {
    await this.access.authorize(actor, 'agents:read', 'agents.logs', agent);
    await this.agents.require(agent);
    const row = await this.store.db
      .repository(AgentTask)
      .createQueryBuilder('t')
      .where('t.agent = :agent', {agent})
      .orderBy('t.id', 'DESC')
      .limit(1)
      .getOne();
    if (!row)
      throw notFound(`The agent ${agent} has no task yet`, {
        code: 'TASK_NOT_FOUND',
        hint: `Give it one with agents:assign ${agent} "..."`,
      });
    return row.id;
  }

  async list(actor: Actor, query: ListQuery, agent?: string): Promise<ListResult<TaskView>> {
    await this.access.authorize(actor, 'agents:read', 'agents.tasks', agent ?? null);
    const builder = this.store.db.repository(AgentTask).createQueryBuilder('t');
    if (agent) builder.where('t.agent = :agent', {agent});
    const page = await queryList(builder, query, TASK_LIST);
    return {...page, items: page.items.map(taskView)};
  }

  /** Every agent with its state and task counts, or one agent's. */
  async status(actor: Actor, agent?: string): Promise<AgentStatus[]> {
    await this.access.authorize(actor, 'agents:read', 'agents.status', agent ?? null);
    const agents = agent
      ? [await this.agents.require(agent)]
      : await this.store.db.repository(Agent).find({order: {name: 'ASC'}});
    const query = this.store.db
      .repository(AgentTask)
      .createQueryBuilder('t')
      .select('t.agent', 'agent')
      .addSelect('t.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .addSelect('MAX(t.created_at)', 'last')
      .groupBy('t.agent')
      .addGroupBy('t.status');
    if (agent) query.where('t.agent = :agent', {agent});
    const counts = await query.getRawMany<{
      agent: string;
      status: string;
      count: string | number;
      last: string | number;
    }>();
    return agents.map((row) => {
      const own = counts.filter((count) => count.agent === row.name);
      const of = (...statuses: string[]) =>
        own.filter((count) => statuses.includes(count.status)).reduce((sum, count) => sum + Number(count.count), 0);
      const last = own.reduce((max, count) => Math.max(max, Number(count.last)), 0);
      return {
        agent: row.name,
        state: row.state,
        model: `${row.provider}/${row.model}`,
        runAs: row.runAsLabel,
        pending: of('pending'),
        queued: of('queued'),
        running: of('running'),
        completed: of('completed'),
        failed: of('failed', 'limited', 'cancelled'),
        lastTaskAt: last ? new Date(last).toISOString() : null,
      };
    });
  }

  /** Cancels an unfinished task (agents:execute): a running one stops at its next look (within pollMs). */
  async cancel(actor: Actor, id: string): Promise<TaskView> {
    await this.access.authorize(actor, 'agents:execute', 'agents.cancel', id);
    const row = await this.store.find(id);
    if (!row) throw taskNotFound(id);
    if (FINAL.has(row.status))
      throw conflict(`The task ${id} already ended (${row.status})`, {
        code: 'TASK_STATE',
        details: {id, status: row.status},
      });
    const now = Date.now();
    const change = {
      status: 'cancelled',
      stopReason: 'cancelled',
      error: `Cancelled by ${actor.label}`,
      finishedAt: now,
      updatedAt: now,
    };
    const done = await this.store.db.transaction(async (manager) => {
      if (!(await this.store.update(id, OPEN, change, {manager}))) return false;
      await this.events.emit('agent.task.failed', taskEventPayload({...row, ...change}), {
        transaction: manager,
        subject: id,
      });
      return true;
    });
    if (!done) throw conflict(`The task ${id} ended meanwhile`, {code: 'TASK_STATE', details: {id}});
    await this.access.record(actor, {action: 'agents.cancel', target: id, result: 'ok', permission: 'agents:execute'});
    return taskView({...row, ...change});
  }

  /** A task's job failed for good (its attempts spent): the task fails with the reason. */
  async abandon(jobId: string, error: string): Promise<void> {
    await this.store.db.transaction(async (manager) => {
      const row = await this.store.findByJob(jobId, manager);
      if (!row || FINAL.has(row.status)) return;
      const now = Date.now();
      const change = {
        status: 'failed',
        stopReason: 'error',
        error: `The task's job failed for good: ${error}`.slice(0, 4000),
        finishedAt: now,
        updatedAt: now,
      };
      if (!(await this.store.update(row.id, OPEN, change, {manager}))) return;
      await this.events.emit('agent.task.failed', taskEventPayload({...row, ...change}), {
        transaction: manager,
        subject: row.id,
      });
    });
  }

  /** A task's steps as they are recorded, then its end (agents:logs --follow, agents:assign --wait). */
  async follow(actor: Actor, id: string, options: FollowOptions): Promise<AsyncIterable<LogLine>> {
    await this.access.authorize(actor, 'agents:read', 'agents.logs', id);
    if (!(await this.store.find(id))) throw taskNotFound(id);
    return this.progress(id, options);
  }

  /** The recorded steps of a task as log lines, and the task's state (agents:logs without --follow). */
  async log(actor: Actor, id: string): Promise<{task: TaskView; lines: LogLine[]}> {
    await this.access.authorize(actor, 'agents:read', 'agents.logs', id);
    const row = await this.store.find(id);
    if (!row) throw taskNotFound(id);
    return {task: taskView(row), lines: logLines(row, await this.store.steps(id), new Map())};
  }

  private async *progress(id: string, {signal, work, onEnd}: FollowOptions): AsyncGenerator<LogLine> {
    if (work) this.queue.startWorkers([TASK_QUEUE]);
    try {
      const seen = new Map<string, string>();
      for (;;) {
        const row = await this.store.find(id);
        if (!row) return;
        yield* logLines(row, await this.store.steps(id), seen);
        if (FINAL.has(row.status)) {
          onEnd?.(taskView(row));
          return;
        }
        if (signal.aborted) return;
        await pause(this.settings.pollMs, signal);
      }
    } finally {
      if (work) await this.queue.stopWorkers();
    }
  }
}

export function snapshotOf(agent: AgentRow): AgentSnapshot {
  return {
    instructions: agent.instructions,
    provider: agent.provider,
    model: agent.model,
    tools: JSON.parse(agent.tools) as string[],
    limits: JSON.parse(agent.limits) as AgentSnapshot['limits'],
    runAsId: agent.runAsId,
    runAsLabel: agent.runAsLabel,
  };
}
