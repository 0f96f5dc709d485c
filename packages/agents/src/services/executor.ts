import {
  ExitCode,
  LOCAL_ADMIN,
  SYSTEM_ACTOR,
  SystemPromptError,
  toSystemPromptError,
  type AccessProvider,
  type Actor,
  type EventBus,
  type Logger,
} from '@systemprompt/core';
import type {ProviderEndpoint, ProviderService} from '@systemprompt/config';
import type {CatalogueTool, ToolCaller, ToolCatalogue} from '@systemprompt/mcp';
import type {JobContext} from '@systemprompt/queue';
import type {UsersApi} from '@systemprompt/users';
import type {StepRow, TaskRow} from '../entities.js';
import type {AgentsConfig} from '../generated/config.js';
import type {ModelAnswer, ModelToolCall, OfferedTool, TranscriptEntry} from '../runtime/types.js';
import type {AgentService} from './agents.js';
import {costMicros, toolAllowed, type AgentLimits} from './settings.js';
import {FINAL, taskEventPayload, type AgentSnapshot, type TaskStore} from './task-store.js';
import type {TaskJob, TaskService} from './tasks.js';

/** What running tasks needs from the module and the modules it uses. */
export interface ExecutorParts {
  store: TaskStore;
  agents: AgentService;
  providers: ProviderService;
  users: UsersApi;
  access: AccessProvider;
  events: EventBus;
  /** The mcp module's catalogue and caller (every module's tools, once they are booted). */
  catalogue: () => ToolCatalogue;
  calls: () => ToolCaller;
  settings: AgentsConfig;
  logger: Logger;
}

export interface TaskJobResult {
  taskId: string;
  status: string;
}

/** Agents never get the agents_run_* tools: an agent delegating to agents could loop without end. */
const AGENT_TOOL_PREFIX = 'agents_run_';

/** How a task ended (or why it stopped running here). */
type Ending =
  | {status: 'completed'; output: string}
  | {status: 'failed' | 'limited'; stopReason: string; error: string}
  | {status: 'cancelled'}
  | {status: 'paused'};

class Stop extends Error {
  constructor(readonly ending: Ending) {
    super('stop');
  }
}

/**
 * The handler of the agents.task queue. A job runs its task while the task names it as its job; a
 * stopped agent's task goes back to pending (unless it was queued to run now); the job throws (and
 * the queue runs it again) only when the server stops or the database fails, and the next job
 * resumes after the last recorded step.
 */
/** What runs a task: a job of the agents.task queue, or the job of a workflow whose agent step runs it. */
export type TaskRunner = Pick<JobContext<TaskJob>, 'id' | 'payload' | 'signal'>;

export async function runTaskJob(parts: ExecutorParts, job: TaskRunner): Promise<TaskJobResult> {
  const taskId = String(job.payload?.taskId ?? '');
  const task = await parts.store.find(taskId);
  if (!task) return {taskId, status: 'missing'};
  if (FINAL.has(task.status)) return {taskId, status: task.status};
  if (task.jobId !== job.id) return {taskId, status: 'superseded'};
  const execution = new TaskExecution(parts, task, job);
  return {taskId, status: await execution.run()};
}

/** One task run by one job: replays the recorded steps into the conversation, then goes on. */
class TaskExecution {
  private readonly snapshot: AgentSnapshot;
  private readonly limits: Required<Pick<AgentLimits, 'maxSteps' | 'timeoutSeconds'>> & AgentLimits;
  private readonly stopper = new AbortController();
  private readonly signal: AbortSignal;
  private transcript: TranscriptEntry[] = [];
  private seq = 0;
  private modelCalls = 0;
  private tokensIn = 0;
  private tokensOut = 0;

  constructor(
    private readonly parts: ExecutorParts,
    private task: TaskRow,
    private readonly job: TaskRunner,
  ) {
    this.snapshot = JSON.parse(task.snapshot) as AgentSnapshot;
    this.limits = {
      maxSteps: parts.settings.defaultMaxSteps,
      timeoutSeconds: parts.settings.defaultTimeoutSeconds,
      ...this.snapshot.limits,
    };
    this.signal = AbortSignal.any([job.signal, this.stopper.signal]);
  }

  async run(): Promise<string> {
    const agent = await this.parts.agents.find(this.task.agent);
    if (!agent) return this.end({status: 'failed', stopReason: 'error', error: 'The agent was deleted.'});
    if (agent.state !== 'started' && !this.job.payload?.now) return this.end({status: 'paused'});
    const now = Date.now();
    const startedAt = this.task.startedAt === null ? now : Number(this.task.startedAt);
    if (
      !(await this.parts.store.update(
        this.task.id,
        ['queued', 'running'],
        {status: 'running', startedAt, updatedAt: now},
        {jobId: this.job.id},
      ))
    )
      return 'superseded';
    this.task = {...this.task, status: 'running', startedAt};
    const deadline = startedAt + this.limits.timeoutSeconds * 1000;
    const timer = setTimeout(() => this.stopper.abort(new Stop(this.timedOut())), Math.max(0, deadline - Date.now()));
    const watcher = setInterval(() => void this.watch(), this.parts.settings.pollMs);
    watcher.unref();
    try {
      return await this.end(await this.loop());
    } catch (error) {
      if (this.job.signal.aborted) throw this.job.signal.reason;
      const stop = error instanceof Stop ? error : this.signal.reason instanceof Stop ? this.signal.reason : undefined;
      if (stop) return this.end(stop.ending);
      if (error instanceof SystemPromptError)
        return this.end({status: 'failed', stopReason: 'error', error: error.message});
      // A fault of this process or the database: the job runs again and resumes.
      throw error;
    } finally {
      clearTimeout(timer);
      clearInterval(watcher);
    }
  }

  private timedOut(): Ending {
    return {
      status: 'limited',
      stopReason: 'timeout',
      error: `Stopped: the task ran out of time (timeout ${this.limits.timeoutSeconds} s) before a final answer.`,
    };
  }

  /** Cancelled, stopped or deleted elsewhere: stops the work in hand at once. */
  private async watch(): Promise<void> {
    try {
      const task = await this.parts.store.find(this.task.id);
      if (!task || task.status === 'cancelled') return this.stopper.abort(new Stop({status: 'cancelled'}));
      if (task.jobId !== this.job.id) return this.stopper.abort(new Stop({status: 'cancelled'}));
      const agent = await this.parts.agents.find(this.task.agent);
      if (!agent)
        this.stopper.abort(new Stop({status: 'failed', stopReason: 'error', error: 'The agent was deleted.'}));
      else if (agent.state !== 'started' && !this.job.payload?.now) this.stopper.abort(new Stop({status: 'paused'}));
    } catch (error) {
      this.parts.logger.warn({err: error, task: this.task.id}, 'could not look at a running task');
    }
  }

  private async loop(): Promise<Ending> {
    const actor = await this.actor();
    const endpoint = await this.endpoint();
    const tools = await this.offeredTools(actor);
    let waiting = await this.replay();
    const {callModel} = await import('../runtime/model.js');
    for (;;) {
      for (const call of waiting) await this.callTool(actor, call);
      if (this.modelCalls >= this.limits.maxSteps)
        return {
          status: 'limited',
          stopReason: 'max-steps',
          error: `Stopped after ${this.modelCalls} model calls (max steps ${this.limits.maxSteps}) without a final answer.`,
        };
      const answer = await this.modelStep((signal) =>
        callModel({
          endpoint,
          model: this.snapshot.model,
          system: this.snapshot.instructions,
          transcript: this.transcript,
          tools,
          maxOutputTokens: this.parts.settings.maxOutputTokens,
          maxRetries: this.parts.settings.modelRetries,
          signal,
        }),
      );
      if (answer.toolCalls.length === 0) return {status: 'completed', output: answer.text};
      const over = this.overLimit();
      if (over) return over;
      waiting = answer.toolCalls;
    }
  }

  /** The user the agent acts as, now (a disabled user holds nothing; a deleted one ends the task). */
  private async actor(): Promise<Actor> {
    const via = ` via agent ${this.task.agent}`;
    if (this.snapshot.runAsId === null) return {...LOCAL_ADMIN, label: `${LOCAL_ADMIN.label}${via}`};
    const user = await this.parts.users.users.find(this.snapshot.runAsId).catch(() => undefined);
    if (!user)
      throw new Stop({
        status: 'failed',
        stopReason: 'error',
        error: `The agent's user ${this.snapshot.runAsLabel} no longer exists.`,
      });
    return {kind: 'user', id: user.id, label: `${user.email}${via}`, via: 'agent'};
  }

  private async endpoint(): Promise<ProviderEndpoint> {
    try {
      // The agent's creator chose the model; the provider's key is used by the system on its behalf.
      return await this.parts.providers.endpoint(SYSTEM_ACTOR, this.snapshot.provider);
    } catch (error) {
      const failure = toSystemPromptError(error);
      throw new Stop({status: 'failed', stopReason: 'error', error: failure.message});
    }
  }

  /** The enabled tools the agent may use: allowed by its patterns and held by its user (never agents_run_*). */
  private async offeredTools(actor: Actor): Promise<OfferedTool[]> {
    const visible: CatalogueTool[] = await this.parts.catalogue().visibleTo(actor);
    return visible
      .filter((tool) => !tool.name.startsWith(AGENT_TOOL_PREFIX) && toolAllowed(this.snapshot.tools, tool.name))
      .map((tool) => ({name: tool.name, description: tool.description, inputSchema: tool.inputSchema}));
  }

  /**
   * Rebuilds the conversation from the recorded steps and returns the tool calls of the last answer
   * that have no result yet. A model call cut off by a crash is made again (it changed nothing); a
   * tool call cut off is not, since it may have taken effect: the task fails saying so.
   */
  private async replay(): Promise<ModelToolCall[]> {
    const steps = await this.parts.store.steps(this.task.id);
    const last = steps.at(-1);
    if (last?.status === 'running' && last.kind === 'model') {
      await this.parts.store.dropStep(this.task.id, last.seq);
      steps.pop();
    } else if (last?.status === 'running') {
      throw new Stop({
        status: 'failed',
        stopReason: 'interrupted',
        error: `Interrupted while calling ${last.name} (step ${last.seq}); it is not called again, since it may have taken effect. See agents:logs ${this.task.id} and check before assigning the task again.`,
      });
    }
    this.transcript = [{role: 'user', text: this.userMessage()}];
    let waiting: ModelToolCall[] = [];
    for (const step of steps) {
      this.seq = Number(step.seq);
      if (step.kind === 'model') {
        this.modelCalls++;
        this.tokensIn += Number(step.tokensIn);
        this.tokensOut += Number(step.tokensOut);
        const answer = JSON.parse(step.output ?? '{}') as {text?: string; toolCalls?: ModelToolCall[]};
        waiting = answer.toolCalls ?? [];
        this.transcript.push({role: 'assistant', text: answer.text ?? '', toolCalls: waiting});
      } else {
        waiting = waiting.filter((call) => call.id !== step.callId);
        this.addResult(step.callId ?? '', step.name, step.output ?? '', step.outcome !== 'ok');
      }
    }
    return waiting;
  }

  private userMessage(): string {
    return this.task.input === null ? this.task.text : `${this.task.text}\n\nInput (JSON):\n${this.task.input}`;
  }

  private addResult(id: string, name: string, output: string, isError: boolean): void {
    const last = this.transcript.at(-1);
    const result = {id, name, output, isError};
    if (last?.role === 'tool') last.results.push(result);
    else this.transcript.push({role: 'tool', results: [result]});
  }

  /** One model call, recorded as it starts and when it answers (or fails). */
  private async modelStep(call: (signal: AbortSignal) => Promise<ModelAnswer>): Promise<ModelAnswer> {
    this.signal.throwIfAborted();
    const seq = ++this.seq;
    const startedAt = Date.now();
    await this.parts.store.insertStep(this.stepRow(seq, 'model', this.snapshot.model, startedAt));
    const timeout = AbortSignal.timeout(this.parts.settings.modelTimeoutMs);
    let answer: ModelAnswer;
    try {
      answer = await call(AbortSignal.any([this.signal, timeout]));
    } catch (error) {
      if (this.job.signal.aborted) throw error;
      const stopped = this.signal.reason instanceof Stop;
      const message = stopped
        ? 'stopped while the model answered'
        : timeout.aborted
          ? `The model did not answer within ${this.parts.settings.modelTimeoutMs} ms`
          : toSystemPromptError(error).message;
      await this.parts.store.updateStep(this.task.id, seq, {status: 'failed', error: message, finishedAt: Date.now()});
      if (stopped) throw this.signal.reason;
      throw new Stop({status: 'failed', stopReason: 'error', error: message});
    }
    this.modelCalls++;
    this.tokensIn += answer.tokensIn;
    this.tokensOut += answer.tokensOut;
    await this.parts.store.updateStep(this.task.id, seq, {
      status: 'completed',
      output: JSON.stringify({text: answer.text, toolCalls: answer.toolCalls, finishReason: answer.finishReason}),
      tokensIn: answer.tokensIn,
      tokensOut: answer.tokensOut,
      latencyMs: answer.latencyMs,
      finishedAt: Date.now(),
    });
    await this.progress();
    this.transcript.push({role: 'assistant', text: answer.text, toolCalls: answer.toolCalls});
    return answer;
  }

  /** One tool call, through the MCP service path as the agent's user (RBAC, audit, rate limit), recorded. */
  private async callTool(actor: Actor, call: ModelToolCall): Promise<void> {
    this.signal.throwIfAborted();
    const seq = ++this.seq;
    const startedAt = Date.now();
    await this.parts.store.insertStep({
      ...this.stepRow(seq, 'tool', call.name.slice(0, 200), startedAt),
      callId: call.id.slice(0, 200),
      input: JSON.stringify(call.input ?? null),
    });
    const {outcome, text, latencyMs} = await this.invoke(actor, call);
    const output = this.cut(text);
    await this.parts.store.updateStep(this.task.id, seq, {
      status: 'completed',
      outcome,
      output,
      latencyMs,
      finishedAt: Date.now(),
    });
    this.addResult(call.id, call.name, output, outcome !== 'ok');
  }

  private async invoke(actor: Actor, call: ModelToolCall): Promise<{outcome: string; text: string; latencyMs: number}> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    if (call.name.startsWith(AGENT_TOOL_PREFIX) || !toolAllowed(this.snapshot.tools, call.name)) {
      const tool = await this.parts
        .catalogue()
        .find(call.name)
        .catch(() => undefined);
      await this.parts.access.record(actor, {
        action: 'agents.tool.refused',
        target: call.name.slice(0, 200),
        result: 'denied',
        permission: tool && tool.permission !== 'authenticated' ? tool.permission : null,
        details: {task: this.task.id, reason: 'not among the tools the agent may use'},
      });
      return {outcome: 'refused', text: `The tool ${call.name} is not one this agent may use.`, latencyMs: elapsed()};
    }
    // Not the stopper's signal: a stop, cancel or time-out waits for the tool in hand (stopping a tool
    // halfway could leave its change half-made); only the server's shutdown reaches into it.
    const signal = AbortSignal.any([this.job.signal, AbortSignal.timeout(this.parts.settings.toolTimeoutMs)]);
    try {
      const result = await this.parts.calls().call(actor, call.name, call.input, signal);
      const text = result.result.structuredContent
        ? JSON.stringify(result.result.structuredContent)
        : result.result.content
            .map((part) => ('text' in part && typeof part.text === 'string' ? part.text : JSON.stringify(part)))
            .join('\n');
      return {outcome: result.outcome, text, latencyMs: elapsed()};
    } catch (error) {
      if (this.job.signal.aborted) throw error;
      const failure = toSystemPromptError(error);
      if (failure.code === 'TOOL_NOT_FOUND')
        return {outcome: 'unknown', text: `There is no tool ${call.name}.`, latencyMs: elapsed()};
      throw error;
    }
  }

  private cut(text: string): string {
    const max = this.parts.settings.maxToolResultChars;
    return text.length > max ? `${text.slice(0, max)}… [cut: ${text.length} characters in all]` : text;
  }

  private overLimit(): Ending | undefined {
    const tokens = this.tokensIn + this.tokensOut;
    if (this.limits.maxTokens !== undefined && tokens > this.limits.maxTokens)
      return {
        status: 'limited',
        stopReason: 'max-tokens',
        error: `Stopped: ${tokens} tokens used (max tokens ${this.limits.maxTokens}) before a final answer.`,
      };
    if (this.limits.maxCost !== undefined) {
      const cost = costMicros(this.limits, this.tokensIn, this.tokensOut) / 1e6;
      if (cost > this.limits.maxCost)
        return {
          status: 'limited',
          stopReason: 'budget',
          error: `Stopped: the tokens used cost ${cost.toFixed(4)} (max cost ${this.limits.maxCost}) before a final answer.`,
        };
    }
    return undefined;
  }

  private stepRow(seq: number, kind: 'model' | 'tool', name: string, startedAt: number): StepRow {
    return {
      taskId: this.task.id,
      seq,
      kind,
      status: 'running',
      name,
      callId: null,
      input: null,
      output: null,
      outcome: null,
      error: null,
      tokensIn: 0,
      tokensOut: 0,
      latencyMs: null,
      startedAt,
      finishedAt: null,
    };
  }

  private totals(): Partial<TaskRow> {
    return {
      steps: this.modelCalls,
      tokensIn: this.tokensIn,
      tokensOut: this.tokensOut,
      costMicros: costMicros(this.limits, this.tokensIn, this.tokensOut),
    };
  }

  /** The running totals, after each model answer (agents:status and logs show them). */
  private async progress(): Promise<void> {
    await this.parts.store.update(
      this.task.id,
      ['running'],
      {...this.totals(), updatedAt: Date.now()},
      {jobId: this.job.id},
    );
  }

  /** Writes the ending with its event in one transaction, while the task is still this job's. */
  private async end(ending: Ending): Promise<string> {
    const now = Date.now();
    const {store, events} = this.parts;
    if (ending.status === 'paused') {
      // Its agent was stopped: the task waits, and resumes after its last step once the agent starts.
      await store.update(
        this.task.id,
        ['queued', 'running'],
        {status: 'pending', jobId: null, updatedAt: now},
        {jobId: this.job.id},
      );
      return 'pending';
    }
    if (ending.status === 'cancelled') return 'cancelled';
    const change: Partial<TaskRow> = {
      ...this.totals(),
      status: ending.status,
      stopReason: ending.status === 'completed' ? 'answer' : ending.stopReason,
      output: ending.status === 'completed' ? ending.output : null,
      error: ending.status === 'completed' ? null : ending.error.slice(0, 4000),
      finishedAt: now,
      updatedAt: now,
    };
    await store.db.transaction(async (manager) => {
      if (!(await store.update(this.task.id, ['queued', 'running'], change, {jobId: this.job.id, manager}))) return;
      const event = ending.status === 'completed' ? 'agent.task.completed' : 'agent.task.failed';
      await events.emit(event, taskEventPayload({...this.task, ...change}), {
        transaction: manager,
        subject: this.task.id,
      });
    });
    return ending.status;
  }
}

export interface InlineTask {
  agent: string;
  text: string;
  input?: Record<string, unknown>;
  /** Names the task: a repeated call (the same workflow step after a crash) resumes it instead of starting another. */
  key: string;
  trigger: string;
  /** The job that runs it (the workflow's): its id owns the task, its signal stops it. */
  runner: Pick<TaskRunner, 'id' | 'signal'>;
}

/**
 * Runs a task in this process, inside another job (a workflow's agent step), whatever the agent's
 * state: assigned once by its key (the same checks as agents:assign), then run here; after a crash
 * the same key finds the task and it resumes after its last recorded step.
 */
export async function runInline(
  parts: ExecutorParts,
  tasks: TaskService,
  actor: Actor,
  task: InlineTask,
): Promise<TaskRow> {
  const assigned = await tasks.assign(actor, task.agent, task.text, {
    ...(task.input ? {input: task.input} : {}),
    trigger: task.trigger,
    idempotencyKey: task.key,
    owner: task.runner.id,
  });
  if (!FINAL.has(assigned.status)) {
    await tasks.adopt(assigned.id, task.runner.id);
    await runTaskJob(parts, {
      id: task.runner.id,
      payload: {taskId: assigned.id, now: true},
      signal: task.runner.signal,
    });
  }
  const row = await parts.store.find(assigned.id);
  if (!row)
    throw new SystemPromptError(`The task ${assigned.id} was deleted`, {
      code: 'TASK_NOT_FOUND',
      exitCode: ExitCode.NotFound,
    });
  return row;
}
