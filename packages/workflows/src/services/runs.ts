import {
  conflict,
  invalidInput,
  notFound,
  type AccessProvider,
  type Actor,
  type EventBus,
  type ListQuery,
  type ListResult,
  newSortableId,
} from '@systemprompt/core';
import {queryList, type ListPlan} from '@systemprompt/database';
import {storedActor, type QueueService} from '@systemprompt/queue';
import {WorkflowRun, type RunRow} from '../entities.js';
import type {Step, WorkflowDefinition} from '../generated/workflow.js';
import {allSteps, childLists} from './definition-check.js';
import type {DefinitionService} from './definitions.js';
import {RUN_QUEUE, type EngineSettings} from './parts.js';
import {checkInput} from './inputs.js';
import {FINAL, SETTLED, newRunRow, parseJson, runEventPayload, runRow, type RunStore} from './run-store.js';
import {inRunOrder, runView, stepView, summary, type ProgressLine, type RunDetail, type RunView} from './views.js';

export const RUN_LIST_FIELDS = [
  'id',
  'workflow',
  'version',
  'status',
  'actor',
  'trigger',
  'parentRunId',
  'createdAt',
  'startedAt',
  'finishedAt',
  'error',
] as const;
const RUN_LIST: ListPlan = {
  fields: {
    id: 'r.id',
    workflow: 'r.workflow',
    version: {sql: 'r.version', kind: 'number'},
    status: 'r.status',
    actor: 'r.actor_label',
    trigger: 'r.trigger_label',
    parentRunId: 'r.parent_run_id',
    createdAt: {sql: 'r.created_at', kind: 'number'},
    startedAt: {sql: 'r.started_at', kind: 'number'},
    finishedAt: {sql: 'r.finished_at', kind: 'number'},
    error: 'r.error',
  },
  searchable: ['workflow', 'actor', 'trigger', 'error'],
  // Newest first: ids grow with time, so they order runs made in the same millisecond too.
  order: [
    ['createdAt', 'desc'],
    ['id', 'desc'],
  ],
};

export interface StartOptions {
  /** What started the run, shown in its history: cli, schedule:NAME, ... */
  trigger?: string;
  /**
   * Makes the start safe to repeat (a scheduler tick whose job runs again): a second start with the
   * same key starts nothing and returns the run the first one started.
   */
  idempotencyKey?: string;
}

export interface FollowOptions {
  signal: AbortSignal;
  /** Run this process's workers on the workflows queue while following (no server runs the run). */
  work?: boolean;
  /** Called with the run once it has ended. */
  onEnd?: (run: RunView) => void;
}

export interface RetryResult extends RunView {
  /** The step results cleared, to run again. */
  cleared: string[];
}

const runNotFound = (id: string) =>
  notFound(`No workflow run ${id}`, {code: 'RUN_NOT_FOUND', details: {id}, hint: 'See workflows:history.'});

const isoOf = (millis: number) => new Date(millis).toISOString();

/** Waits `ms`, or less when `signal` aborts. */
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

/**
 * Runs as people see and steer them: start (workflows:execute), look (workflows:read), cancel and
 * retry (workflows:execute). A run acts as whoever started it; its steps are decided by what that
 * person may do when each step runs.
 */
export class RunService {
  constructor(
    private readonly store: RunStore,
    private readonly definitions: DefinitionService,
    private readonly queue: QueueService,
    private readonly access: AccessProvider,
    private readonly events: EventBus,
    private readonly settings: EngineSettings,
  ) {}

  /** Checks that `actor` may run `name` with `input` (the scheduler checks a schedule's target so), starting nothing. */
  async validate(actor: Actor, name: string, input: unknown): Promise<{workflow: string; version: number}> {
    await this.access.authorize(actor, 'workflows:execute', 'workflows.validate', name);
    const {row, definition} = await this.definitions.require(name);
    await checkInput(name, definition.inputs, input ?? {});
    return {workflow: row.name, version: Number(row.version)};
  }

  /** Queues a run of the workflow's current version; the run and its job are stored together. */
  async start(actor: Actor, name: string, input: unknown, options: StartOptions = {}): Promise<RunView> {
    await this.access.authorize(actor, 'workflows:execute', 'workflows.execute', name);
    const {row, definition} = await this.definitions.require(name);
    const checked = await checkInput(name, definition.inputs, input ?? {});
    if (Buffer.byteLength(JSON.stringify(checked)) > this.settings.maxOutputBytes)
      throw invalidInput(`The input is larger than ${this.settings.maxOutputBytes} bytes (workflows.maxOutputBytes)`, {
        code: 'WORKFLOW_INPUT_INVALID',
      });
    const id = newSortableId();
    const started = await this.store.db.transaction(async (manager) => {
      const job = await this.queue.enqueue(
        RUN_QUEUE,
        {runId: id},
        {
          maxAttempts: this.settings.runAttempts,
          actor,
          transaction: manager,
          ...(options.idempotencyKey ? {idempotencyKey: options.idempotencyKey} : {}),
        },
      );
      if (!job.created) {
        // Started before under this key: that run, whatever it has become since.
        const first = (await this.queue.find(job.id))?.payload as {runId?: string} | undefined;
        const existing = first?.runId ? await this.store.findRun(first.runId, manager) : undefined;
        if (existing) return {run: existing, created: false};
      }
      const made = newRunRow({
        id,
        workflow: row.name,
        version: Number(row.version),
        definition: row.definition,
        input: checked,
        actor: JSON.stringify(storedActor(actor)),
        actorLabel: actor.label,
        trigger: options.trigger === undefined ? null : options.trigger.slice(0, 200),
        jobId: job.id,
        now: Date.now(),
      });
      await this.store.insertRun(made, manager);
      return {run: made, created: true};
    });
    const {run} = started;
    if (!started.created) return runView(run);
    await this.access.record(actor, {
      action: 'workflows.execute',
      target: name,
      result: 'ok',
      permission: 'workflows:execute',
      details: {run: id, version: run.version, trigger: run.trigger},
    });
    return runView(run);
  }

  async get(actor: Actor, id: string): Promise<RunDetail> {
    await this.access.authorize(actor, 'workflows:read', 'workflows.status', id);
    const run = await this.store.findRun(id);
    if (!run) throw runNotFound(id);
    return {...runView(run), steps: inRunOrder(await this.store.steps(id)).map(stepView)};
  }

  /** Runs, newest first (of one workflow when named), with list flags; sub-runs included. */
  async history(actor: Actor, query: ListQuery, workflow?: string): Promise<ListResult<RunView>> {
    await this.access.authorize(actor, 'workflows:read', 'workflows.history', workflow ?? null);
    const builder = this.store.db.repository(WorkflowRun).createQueryBuilder('r');
    if (workflow !== undefined) builder.where('r.workflow = :workflow', {workflow});
    const page = await queryList(builder, query, RUN_LIST);
    return {...page, items: page.items.map((row) => runView(runRow(row)))};
  }

  /**
   * Cancels an unfinished run and its sub-runs. A step in flight is aborted (its run notices within
   * workflows.pollMs); a waiting run's wake-up finds it cancelled and does nothing.
   */
  async cancel(actor: Actor, id: string): Promise<RunView> {
    await this.access.authorize(actor, 'workflows:execute', 'workflows.cancel', id);
    const {store} = this;
    const cancelled = await store.db.transaction(async (manager) => {
      const run = await store.findRun(id, manager);
      if (!run) throw runNotFound(id);
      if (FINAL.has(run.status))
        throw conflict(`Run ${id} is ${run.status}`, {
          code: 'RUN_STATE',
          details: {id, status: run.status},
          hint: 'Only a queued, running or waiting run can be cancelled.',
        });
      const now = Date.now();
      const change = {status: 'cancelled', finishedAt: now, updatedAt: now, error: `Cancelled by ${actor.label}`};
      const runs = [run, ...(await store.unfinishedDescendants(id, manager))];
      for (const each of runs) {
        if (!(await store.updateRun(each.id, [each.status], change, manager)) && each === run)
          throw conflict(`Run ${id} changed while it was being cancelled`, {
            code: 'RUN_STATE',
            hint: 'Look again with workflows:status.',
          });
        await this.events.emit('workflow.run.cancelled', runEventPayload({...each, ...change}), {
          transaction: manager,
          actor,
          subject: each.id,
        });
      }
      return {...run, ...change};
    });
    await this.access.record(actor, {
      action: 'workflows.cancel',
      target: id,
      result: 'ok',
      permission: 'workflows:execute',
      details: {workflow: cancelled.workflow},
    });
    return runView(cancelled);
  }

  /**
   * Runs a failed or cancelled run again, in place: the step results from `fromStep` on (in the
   * definition's order, with the steps that contain it) are cleared, or without it those that did
   * not complete; the earlier ones are kept and not run again.
   */
  async retry(actor: Actor, id: string, options: {fromStep?: string} = {}): Promise<RetryResult> {
    await this.access.authorize(actor, 'workflows:execute', 'workflows.retry', id);
    const {store} = this;
    const run = await store.findRun(id);
    if (!run) throw runNotFound(id);
    if (run.status !== 'failed' && run.status !== 'cancelled')
      throw conflict(`Run ${id} is ${run.status}`, {
        code: 'RUN_STATE',
        details: {id, status: run.status},
        hint: 'Only a failed or cancelled run can be retried.',
      });
    // A cancelled run's job may still be ending the step it was in: its last writes must come first.
    const job = run.jobId ? await this.queue.find(run.jobId) : undefined;
    if (job?.status === 'running')
      throw conflict(`Run ${id} is still stopping its current step`, {
        code: 'RUN_STATE',
        details: {id, job: job.id},
        hint: 'Try again in a few seconds.',
      });
    const rows = await store.steps(id);
    const clear = rows
      .filter(
        options.fromStep === undefined ? (row) => !SETTLED.has(row.status) : fromStepFilter(run, options.fromStep),
      )
      .map((row) => row.path);
    const retried = await store.db.transaction(async (manager) => {
      await store.deleteSteps(id, clear, manager);
      const next = await this.queue.enqueue(
        RUN_QUEUE,
        {runId: id},
        {maxAttempts: this.settings.runAttempts, actor, transaction: manager},
      );
      const change = {
        status: 'queued',
        output: null,
        error: null,
        finishedAt: null,
        jobId: next.id,
        updatedAt: Date.now(),
      };
      if (!(await store.updateRun(id, [run.status], change, manager)))
        throw conflict(`Run ${id} changed while it was being retried`, {
          code: 'RUN_STATE',
          hint: 'Look again with workflows:status.',
        });
      return {...run, ...change};
    });
    await this.access.record(actor, {
      action: 'workflows.retry',
      target: id,
      result: 'ok',
      permission: 'workflows:execute',
      details: {workflow: run.workflow, fromStep: options.fromStep ?? null, cleared: clear.length},
    });
    return {...runView(retried), cleared: clear};
  }

  /**
   * A run's job failed for good (its attempts spent: the database kept failing, or its servers kept
   * dying): the run fails too, instead of staying `running` with nothing left to run it.
   */
  async abandon(jobId: string, error: string): Promise<void> {
    const {store} = this;
    await store.db.transaction(async (manager) => {
      const run = await store.findRunByJob(jobId, manager);
      if (!run || FINAL.has(run.status)) return;
      const now = Date.now();
      const change = {
        status: 'failed',
        finishedAt: now,
        updatedAt: now,
        error: `The run's job failed for good: ${error}`.slice(0, 4000),
      };
      if (!(await store.updateRun(run.id, [run.status], change, manager))) return;
      await this.events.emit('workflow.run.failed', runEventPayload({...run, ...change}), {
        transaction: manager,
        subject: run.id,
      });
    });
  }

  /**
   * The run's progress as it happens: a line per step result that changes and per run state, until
   * the run ends (or `signal` aborts). With `work`, this process works the workflows queue meanwhile.
   */
  async follow(actor: Actor, id: string, options: FollowOptions): Promise<AsyncIterable<ProgressLine>> {
    await this.access.authorize(actor, 'workflows:read', 'workflows.status', id);
    if (!(await this.store.findRun(id))) throw runNotFound(id);
    return this.progress(id, options);
  }

  private async *progress(id: string, {signal, work, onEnd}: FollowOptions): AsyncGenerator<ProgressLine> {
    if (work) this.queue.startWorkers([RUN_QUEUE]);
    try {
      const seen = new Map<string, string>();
      let state = '';
      for (;;) {
        const run = await this.store.findRun(id);
        if (!run) return;
        const final = FINAL.has(run.status);
        const runLine = (): ProgressLine => ({
          time: isoOf(run.updatedAt),
          run: id,
          step: '(run)',
          status: run.status,
          attempts: null,
          detail: run.error ?? (final ? summary(parseJson(run.output)) : ''),
          ...(final ? {output: parseJson(run.output), error: run.error} : {}),
        });
        const lines: ProgressLine[] = [];
        if (!final && run.status !== state) {
          state = run.status;
          lines.push(runLine());
        }
        for (const step of inRunOrder(await this.store.steps(id))) {
          const key = `${step.status}:${step.attempts}:${step.error ?? ''}`;
          if (seen.get(step.path) === key) continue;
          seen.set(step.path, key);
          lines.push({
            time: isoOf(step.updatedAt),
            run: id,
            step: step.path,
            status: step.status,
            attempts: step.attempts,
            detail: step.error ?? (step.status === 'completed' ? summary(parseJson(step.output)) : ''),
          });
        }
        // In the order things happened (what one look finds may have happened in any order).
        yield* lines.sort((a, b) => a.time.localeCompare(b.time));
        if (final) {
          yield runLine();
          onEnd?.(runView(run));
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

/** The rows a retry from `fromStep` (a step id, or a path whose last step is meant) clears. */
function fromStepFilter(run: RunRow, fromStep: string): (row: {stepId: string; status: string}) => boolean {
  const definition = JSON.parse(run.definition) as WorkflowDefinition;
  const steps = allSteps(definition.steps);
  const stepId = (fromStep.split('.').pop() ?? '').replace(/\[\d+\]$/, '');
  const index = steps.findIndex((step) => step.id === stepId);
  if (index < 0)
    throw notFound(`Workflow ${run.workflow} has no step ${fromStep}`, {
      code: 'STEP_NOT_FOUND',
      details: {step: fromStep, steps: steps.map((step) => step.id)},
      hint: `Its steps: ${steps.map((step) => step.id).join(', ')}.`,
    });
  const order = new Map(steps.map((step, position) => [step.id, position]));
  // The containers around the step are entered again, or their stored result would skip it.
  const around = new Set<string>();
  const enclose = (list: readonly Step[], path: string[]): boolean =>
    list.some((step) => {
      if (step.id === stepId) {
        for (const id of path) around.add(id);
        return true;
      }
      return childLists(step).some((child) => enclose(child, [...path, step.id]));
    });
  enclose(definition.steps, []);
  return (row) => (order.get(row.stepId) ?? Infinity) >= index || around.has(row.stepId) || !SETTLED.has(row.status);
}
