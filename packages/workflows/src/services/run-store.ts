import type {EntityManager} from '@systemprompt/database/schema';
import type {ModuleDatabase} from '@systemprompt/database';
import {WorkflowRun, WorkflowStepResult, type RunRow, type StepRow} from '../entities.js';

export const RUN_STATUSES = ['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** A run in one of these is over: nothing changes it but a retry. */
export const FINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);
/** Step results a run (resumed or retried) keeps and does not run again. */
export const SETTLED: ReadonlySet<string> = new Set(['completed', 'skipped']);

/** A stored JSON column as data (null stays null; text that is not JSON is kept as text). */
export function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Database numbers (bigint columns come back as strings on MySQL) as numbers. */
export function runRow(row: RunRow): RunRow {
  return {
    ...row,
    version: Number(row.version),
    depth: Number(row.depth),
    createdAt: Number(row.createdAt),
    startedAt: row.startedAt === null ? null : Number(row.startedAt),
    finishedAt: row.finishedAt === null ? null : Number(row.finishedAt),
    updatedAt: Number(row.updatedAt),
  };
}

export function stepRow(row: StepRow): StepRow {
  return {
    ...row,
    attempts: Number(row.attempts),
    startedAt: row.startedAt === null ? null : Number(row.startedAt),
    finishedAt: row.finishedAt === null ? null : Number(row.finishedAt),
    updatedAt: Number(row.updatedAt),
  };
}

/**
 * The rows of runs and their steps. Every write of a step result is one statement committed on its
 * own, so what a step did is stored before the next step starts; run status changes are guarded by
 * the status they were decided from, so a cancel that lands meanwhile wins.
 */
export class RunStore {
  constructor(readonly db: ModuleDatabase) {}

  async findRun(id: string, manager?: EntityManager): Promise<RunRow | undefined> {
    const row = await (manager ?? this.db.manager).getRepository(WorkflowRun).findOneBy({id});
    return row ? runRow(row) : undefined;
  }

  async findRunByJob(jobId: string, manager: EntityManager): Promise<RunRow | undefined> {
    const row = await manager.getRepository(WorkflowRun).findOneBy({jobId});
    return row ? runRow(row) : undefined;
  }

  async status(id: string): Promise<{status: string; jobId: string | null} | undefined> {
    const row = await this.db
      .repository(WorkflowRun)
      .findOne({where: {id}, select: {id: true, status: true, jobId: true}});
    return row ? {status: row.status, jobId: row.jobId} : undefined;
  }

  async steps(runId: string): Promise<StepRow[]> {
    const rows = await this.db.repository(WorkflowStepResult).findBy({runId});
    return rows.map(stepRow);
  }

  async insertRun(row: RunRow, manager: EntityManager): Promise<void> {
    await manager.getRepository(WorkflowRun).insert(row);
  }

  /** Changes the run when its status is one of `from`; false when it was not (someone else changed it). */
  async updateRun(
    id: string,
    from: readonly string[],
    change: Partial<RunRow>,
    manager: EntityManager,
  ): Promise<boolean> {
    const result = await manager
      .getRepository(WorkflowRun)
      .createQueryBuilder()
      .update()
      .set(change)
      .where('id = :id AND status IN (:...from)', {id, from})
      .execute();
    return Boolean(result.affected);
  }

  /**
   * Writes a step result (a new row, or the stored one changed): in `manager`'s transaction, or in one
   * of its own, committed before this returns. (On SQLite a process has one connection: a statement
   * outside a transaction would join whichever transaction another task has open, and vanish with
   * its rollback; a transaction of its own waits its turn.)
   */
  async saveStep(row: StepRow, exists: boolean, manager?: EntityManager): Promise<void> {
    const write = async (em: EntityManager) => {
      const steps = em.getRepository(WorkflowStepResult);
      if (exists) {
        const {runId, path, ...change} = row;
        await steps.update({runId, path}, change);
      } else await steps.insert(row);
    };
    if (manager) await write(manager);
    else await this.db.transaction(write, {leaf: true});
  }

  async deleteSteps(runId: string, paths: readonly string[], manager: EntityManager): Promise<void> {
    for (let start = 0; start < paths.length; start += 200)
      await manager
        .getRepository(WorkflowStepResult)
        .createQueryBuilder()
        .delete()
        .where('run_id = :runId AND path IN (:...paths)', {runId, paths: paths.slice(start, start + 200)})
        .execute();
  }

  /** The runs below `id` (sub-runs, theirs, ...) that have not finished. */
  async unfinishedDescendants(id: string, manager: EntityManager): Promise<RunRow[]> {
    const found: RunRow[] = [];
    let parents = [id];
    while (parents.length > 0) {
      const children = await manager
        .getRepository(WorkflowRun)
        .createQueryBuilder('r')
        .where('r.parentRunId IN (:...parents)', {parents})
        .getMany();
      const open = children.map(runRow).filter((child) => !FINAL.has(child.status));
      found.push(...open);
      parents = children.map((child) => child.id);
    }
    return found;
  }
}

/** A new run's row, queued. */
export function newRunRow(fields: {
  id: string;
  workflow: string;
  version: number;
  definition: string;
  input: unknown;
  actor: string;
  actorLabel: string;
  trigger: string | null;
  jobId: string | null;
  parent?: {runId: string; step: string; depth: number};
  now: number;
}): RunRow {
  return {
    id: fields.id,
    workflow: fields.workflow,
    version: fields.version,
    status: 'queued',
    definition: fields.definition,
    input: JSON.stringify(fields.input),
    output: null,
    error: null,
    actor: fields.actor,
    actorLabel: fields.actorLabel,
    parentRunId: fields.parent?.runId ?? null,
    parentStep: fields.parent?.step ?? null,
    trigger: fields.trigger,
    jobId: fields.jobId,
    depth: fields.parent ? fields.parent.depth + 1 : 0,
    createdAt: fields.now,
    startedAt: null,
    finishedAt: null,
    updatedAt: fields.now,
  };
}

/** The payload of the workflow.run.* events. */
export interface RunEventPayload {
  runId: string;
  workflow: string;
  version: number;
  status: string;
  error: string | null;
  parentRunId: string | null;
  trigger: string | null;
}

export const runEventPayload = (run: RunRow): RunEventPayload => ({
  runId: run.id,
  workflow: run.workflow,
  version: run.version,
  status: run.status,
  error: run.error,
  parentRunId: run.parentRunId,
  trigger: run.trigger,
});
