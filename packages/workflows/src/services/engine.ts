import type {JobContext} from '@systemprompt/queue';
import type {WorkflowDefinition} from '../generated/workflow.js';
import {Execution} from './execution.js';
import type {EngineParts} from './parts.js';
import {FINAL} from './run-store.js';

/** A job of the workflows.run queue. */
export interface RunJob {
  runId: string;
}

export interface RunJobResult {
  runId: string;
  /** How the run stands when the job ends (waiting: a later job continues it), or why the job did nothing. */
  status: string;
}

/**
 * The handler of the workflows.run queue. A job runs its run while the run names it as its job (a
 * retry or a delay's wake-up names another, and an older job that comes back then does nothing).
 * The job ends when the run ends or waits; it throws (and the queue runs it again, with backoff)
 * only when the server stops or the database fails, and then resumes after the last stored step.
 */
export async function runJob(parts: EngineParts, job: JobContext<RunJob>): Promise<RunJobResult> {
  const runId = String(job.payload?.runId ?? '');
  const run = await parts.store.findRun(runId);
  if (!run) return {runId, status: 'missing'};
  if (FINAL.has(run.status)) return {runId, status: run.status};
  if (run.jobId !== job.id) return {runId, status: 'superseded'};
  const execution = new Execution(parts, run, JSON.parse(run.definition) as WorkflowDefinition, {
    id: job.id,
    signal: job.signal,
  });
  const outcome = await execution.execute();
  return {runId, status: outcome.status};
}
