import type {ModuleDatabase} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';
import {AgentStep, AgentTask, type StepRow, type TaskRow} from '../entities.js';
import type {AgentLimits} from './settings.js';

/** The agent as a task runs it: taken when the task is assigned, so a change meanwhile does not alter it. */
export interface AgentSnapshot {
  instructions: string;
  provider: string;
  model: string;
  tools: string[];
  limits: AgentLimits;
  runAsId: string | null;
  runAsLabel: string;
}

export const TASK_STATUSES = ['pending', 'queued', 'running', 'completed', 'failed', 'limited', 'cancelled'] as const;
export const FINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'limited', 'cancelled']);
export const OPEN = ['pending', 'queued', 'running'] as const;

/** The payload of an agent.task.* event. */
export interface TaskEventPayload {
  id: string;
  agent: string;
  status: string;
  stopReason: string | null;
  error: string | null;
  steps: number;
  tokensIn: number;
  tokensOut: number;
}

export const taskEventPayload = (row: TaskRow): TaskEventPayload => ({
  id: row.id,
  agent: row.agent,
  status: row.status,
  stopReason: row.stopReason,
  error: row.error,
  steps: Number(row.steps),
  tokensIn: Number(row.tokensIn),
  tokensOut: Number(row.tokensOut),
});

/** Tasks and their steps in the database; every write is its own committed statement or transaction. */
export class TaskStore {
  constructor(readonly db: ModuleDatabase) {}

  find(id: string, manager?: EntityManager): Promise<TaskRow | null> {
    return (manager ?? this.db.manager).getRepository(AgentTask).findOneBy({id});
  }

  findByJob(jobId: string, manager?: EntityManager): Promise<TaskRow | null> {
    return (manager ?? this.db.manager).getRepository(AgentTask).findOneBy({jobId});
  }

  findByKey(key: string, manager?: EntityManager): Promise<TaskRow | null> {
    return (manager ?? this.db.manager).getRepository(AgentTask).findOneBy({idempotencyKey: key});
  }

  /** The task's steps in order. */
  steps(taskId: string): Promise<StepRow[]> {
    return this.db.repository(AgentStep).find({where: {taskId}, order: {seq: 'ASC'}});
  }

  /** Changes a task that is in one of `from` (and, given, run by `jobId`); false when it was not. */
  async update(
    id: string,
    from: readonly string[],
    change: Partial<TaskRow>,
    options: {jobId?: string; manager?: EntityManager} = {},
  ): Promise<boolean> {
    const query = (options.manager ?? this.db.manager)
      .getRepository(AgentTask)
      .createQueryBuilder()
      .update()
      .set(change)
      .where('id = :id', {id})
      .andWhere('status IN (:...from)', {from});
    if (options.jobId) query.andWhere('job_id = :jobId', {jobId: options.jobId});
    return Boolean((await query.execute()).affected);
  }

  async insertStep(row: StepRow): Promise<void> {
    await this.db.repository(AgentStep).insert(row);
  }

  async updateStep(taskId: string, seq: number, change: Partial<StepRow>): Promise<void> {
    await this.db.repository(AgentStep).update({taskId, seq}, change);
  }

  /** Forgets a model call that never answered (a crash mid-call): it changed nothing, and is made again. */
  async dropStep(taskId: string, seq: number): Promise<void> {
    await this.db.repository(AgentStep).delete({taskId, seq});
  }

  /** The pending tasks of started agents, oldest first (what a start or a server's reconcile queues). */
  async pendingOfStarted(manager: EntityManager, agent?: string, limit = 500): Promise<Array<{id: string}>> {
    const query = manager
      .getRepository(AgentTask)
      .createQueryBuilder('t')
      .select('t.id', 'id')
      .innerJoin('agents', 'a', 'a.name = t.agent')
      .where('t.status = :pending', {pending: 'pending'})
      .andWhere('a.state = :started', {started: 'started'})
      .orderBy('t.created_at', 'ASC')
      .limit(limit);
    if (agent) query.andWhere('t.agent = :agent', {agent});
    return query.getRawMany<{id: string}>();
  }
}
