import {EntitySchema} from '@systemprompt/database/schema';

/** An agent. Times are milliseconds since the epoch on both engines. */
export interface AgentRow {
  name: string;
  description: string | null;
  instructions: string;
  /** The config registry's provider and model (config:model). */
  provider: string;
  model: string;
  /** JSON array of tool names or patterns (`users_*`, `github__*`, `*`). */
  tools: string;
  /** JSON AgentLimits. */
  limits: string;
  /** The user whose permissions bound its tool calls; null: the local operator. */
  runAsId: string | null;
  runAsLabel: string;
  /** started (takes tasks) or stopped (its tasks wait). */
  state: string;
  /** Counts changes; a change names the version it read. */
  version: number;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
  updatedBy: string;
}

/** One task given to an agent. */
export interface TaskRow {
  id: string;
  agent: string;
  /** pending (its agent is stopped), queued, running, completed, failed, limited (a limit ended it). */
  status: string;
  text: string;
  /** JSON, or null. */
  input: string | null;
  /** The agent as it was when the task was assigned (JSON AgentSnapshot): a resumed task keeps it. */
  snapshot: string;
  output: string | null;
  error: string | null;
  /** Why it ended: answer, max-steps, max-tokens, timeout, budget, error, interrupted. */
  stopReason: string | null;
  requestedBy: string;
  /** cli, mcp, workflow:RUN... */
  trigger: string | null;
  idempotencyKey: string | null;
  /** The queue job that runs it now. */
  jobId: string | null;
  steps: number;
  tokensIn: number;
  tokensOut: number;
  /** Micro-units of the agent's price currency (USD by convention); 0 without prices. */
  costMicros: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
}

/** One recorded step of a task: a model call, or one tool call it asked for. */
export interface StepRow {
  taskId: string;
  seq: number;
  /** model or tool. */
  kind: string;
  /** running, completed or failed. */
  status: string;
  /** The tool's name, or the model's. */
  name: string;
  /** The model's id for a tool call (links the result to the call). */
  callId: string | null;
  /** A tool call's arguments (JSON). */
  input: string | null;
  /** A model answer ({text, toolCalls, finishReason}) or a tool's result (JSON). */
  output: string | null;
  /** A tool call's outcome: ok, error, denied, invalid, limited, unknown, refused. */
  outcome: string | null;
  error: string | null;
  tokensIn: number;
  tokensOut: number;
  latencyMs: number | null;
  startedAt: number;
  finishedAt: number | null;
}

const varchar = (length: number, nullable = false) => ({type: 'varchar' as const, length, nullable});
const millis = (name: string, nullable = false) => ({type: 'bigint' as const, name, nullable});
const text = (name: string, nullable = false) => ({type: 'text' as const, name, nullable});
const integer = (name: string) => ({type: 'integer' as const, name});

export const Agent = new EntitySchema<AgentRow>({
  name: 'Agent',
  tableName: 'agents',
  columns: {
    name: {...varchar(64), primary: true},
    description: varchar(1000, true),
    instructions: text('instructions'),
    provider: varchar(64),
    model: varchar(200),
    tools: text('tools'),
    limits: text('limits'),
    runAsId: {...varchar(36, true), name: 'run_as_id'},
    runAsLabel: {...varchar(320), name: 'run_as_label'},
    state: varchar(12),
    version: {type: 'integer'},
    createdAt: millis('created_at'),
    updatedAt: millis('updated_at'),
    createdBy: {...varchar(320), name: 'created_by'},
    updatedBy: {...varchar(320), name: 'updated_by'},
  },
});

export const AgentTask = new EntitySchema<TaskRow>({
  name: 'AgentTask',
  tableName: 'agent_tasks',
  columns: {
    id: {...varchar(32), primary: true},
    agent: varchar(64),
    status: varchar(12),
    text: text('text'),
    input: text('input', true),
    snapshot: text('snapshot'),
    output: text('output', true),
    error: text('error', true),
    stopReason: {...varchar(16, true), name: 'stop_reason'},
    requestedBy: {...varchar(320), name: 'requested_by'},
    trigger: {...varchar(200, true), name: 'trigger_label'},
    idempotencyKey: {...varchar(200, true), name: 'idempotency_key'},
    jobId: {...varchar(32, true), name: 'job_id'},
    steps: integer('steps'),
    tokensIn: integer('tokens_in'),
    tokensOut: integer('tokens_out'),
    costMicros: {type: 'bigint', name: 'cost_micros'},
    createdAt: millis('created_at'),
    startedAt: millis('started_at', true),
    finishedAt: millis('finished_at', true),
    updatedAt: millis('updated_at'),
  },
});

export const AgentStep = new EntitySchema<StepRow>({
  name: 'AgentStep',
  tableName: 'agent_steps',
  columns: {
    taskId: {...varchar(32), name: 'task_id', primary: true},
    seq: {type: 'integer', primary: true},
    kind: varchar(8),
    status: varchar(12),
    name: varchar(200),
    callId: {...varchar(200, true), name: 'call_id'},
    input: text('input', true),
    output: text('output', true),
    outcome: varchar(12, true),
    error: text('error', true),
    tokensIn: integer('tokens_in'),
    tokensOut: integer('tokens_out'),
    latencyMs: {type: 'integer', name: 'latency_ms', nullable: true},
    startedAt: millis('started_at'),
    finishedAt: millis('finished_at', true),
  },
});

export const AGENT_ENTITIES = [Agent, AgentTask, AgentStep];
