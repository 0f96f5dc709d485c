import {EntitySchema} from '@systemprompt/database/schema';

/** A workflow definition, latest version. Times are milliseconds since the epoch on both engines. */
export interface DefinitionRow {
  name: string;
  description: string | null;
  /** 1 when created; each --replace adds one. */
  version: number;
  /** The definition as JSON (checked against the schema when it was stored). */
  definition: string;
  createdAt: number;
  updatedAt: number;
  /** Actor labels. */
  createdBy: string;
  updatedBy: string;
}

/** One run of a workflow (a sub-workflow's run names its parent). */
export interface RunRow {
  id: string;
  workflow: string;
  version: number;
  /** queued, running, waiting (a delay, no worker held), completed, failed or cancelled. */
  status: string;
  /**
   * The definition the run executes, as it was when the run started: a run that resumes after a
   * crash, or is retried, walks the same steps even if the workflow was changed since.
   */
  definition: string;
  /** JSON. */
  input: string;
  output: string | null;
  error: string | null;
  /** The StoredActor (JSON) the run acts as; its permissions are decided when each step asks. */
  actor: string;
  actorLabel: string;
  parentRunId: string | null;
  /** The parent's step path that started this run. */
  parentStep: string | null;
  /** What started it: cli, schedule:NAME, workflow:RUN... */
  trigger: string | null;
  /** The queue job that runs it now; a job with another id finds the run no longer its own. */
  jobId: string | null;
  /** 0 for a run started directly, parent's + 1 for a sub-run. */
  depth: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
}

/** The stored result of one step of one run, by path (`fetch`, `each[2].save`). */
export interface StepRow {
  runId: string;
  path: string;
  stepId: string;
  type: string;
  /** running, waiting, completed, skipped, failed or cancelled. */
  status: string;
  attempts: number;
  /** JSON; while a container step runs, what it must not decide twice (a condition's branch, a foreach's items). */
  output: string | null;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
}

const varchar = (length: number, nullable = false) => ({type: 'varchar' as const, length, nullable});
const millis = (name: string, nullable = false) => ({type: 'bigint' as const, name, nullable});
const text = (name: string, nullable = false) => ({type: 'text' as const, name, nullable});

export const WorkflowDefinition = new EntitySchema<DefinitionRow>({
  name: 'WorkflowDefinition',
  tableName: 'workflow_definitions',
  columns: {
    name: {...varchar(64), primary: true},
    description: {...varchar(1000, true)},
    version: {type: 'integer'},
    definition: text('definition'),
    createdAt: millis('created_at'),
    updatedAt: millis('updated_at'),
    createdBy: {...varchar(320), name: 'created_by'},
    updatedBy: {...varchar(320), name: 'updated_by'},
  },
});

export const WorkflowRun = new EntitySchema<RunRow>({
  name: 'WorkflowRun',
  tableName: 'workflow_runs',
  columns: {
    id: {...varchar(32), primary: true},
    workflow: varchar(64),
    version: {type: 'integer'},
    status: varchar(12),
    definition: text('definition'),
    input: text('input'),
    output: text('output', true),
    error: text('error', true),
    actor: text('actor'),
    actorLabel: {...varchar(320), name: 'actor_label'},
    parentRunId: {...varchar(32, true), name: 'parent_run_id'},
    parentStep: {...varchar(400, true), name: 'parent_step'},
    trigger: {...varchar(200, true), name: 'trigger_label'},
    jobId: {...varchar(32, true), name: 'job_id'},
    depth: {type: 'integer'},
    createdAt: millis('created_at'),
    startedAt: millis('started_at', true),
    finishedAt: millis('finished_at', true),
    updatedAt: millis('updated_at'),
  },
});

export const WorkflowStepResult = new EntitySchema<StepRow>({
  name: 'WorkflowStepResult',
  tableName: 'workflow_steps',
  columns: {
    runId: {...varchar(32), name: 'run_id', primary: true},
    path: {...varchar(400), primary: true},
    stepId: {...varchar(64), name: 'step_id'},
    type: varchar(16),
    status: varchar(12),
    attempts: {type: 'integer'},
    output: text('output', true),
    error: text('error', true),
    startedAt: millis('started_at', true),
    finishedAt: millis('finished_at', true),
    updatedAt: millis('updated_at'),
  },
});

export const WORKFLOW_ENTITIES = [WorkflowDefinition, WorkflowRun, WorkflowStepResult];
