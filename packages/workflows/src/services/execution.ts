import {createHash} from 'node:crypto';
import {
  ExitCode,
  SystemPromptError,
  invalidInput,
  toSystemPromptError,
  newSortableId,
  tracing,
} from '@systemprompt/core';
import {isRetryable} from '@systemprompt/queue';
import type {RunRow} from '../entities.js';
import type {
  AgentStep,
  ConditionStep,
  ForeachStep,
  Step,
  StepList,
  WorkflowDefinition,
  WorkflowStep,
} from '../generated/workflow.js';
import {
  RunCancelled,
  StepFailure,
  Suspend,
  expressionFailure,
  failureText,
  sleep,
  timeoutFailure,
  untilAborted,
} from './control.js';
import {allSteps} from './definition-check.js';
import {parseDuration, parseTime} from './durations.js';
import {evaluate, render, truthy, type ExpressionContext} from './expressions.js';
import {checkInput} from './inputs.js';
import {RunLedger} from './ledger.js';
import {runHttpStep, runToolStep} from './leaf-steps.js';
import type {EngineParts, RunOutcome} from './parts.js';
import {SETTLED, newRunRow, parseJson} from './run-store.js';

/** Where steps run: at the top, or inside foreach items (each item's steps get their own paths). */
interface Scope {
  prefix: string;
  item?: unknown;
  index?: number;
  parent?: Scope;
}

const ROOT: Scope = {prefix: ''};
const CONTAINERS: ReadonlySet<string> = new Set(['condition', 'parallel', 'foreach', 'workflow']);
const MAX_ITEMS = 10_000;
/** Set by a branch or item that failed: the others start no further step. */
interface Stop {
  failed: boolean;
}

/**
 * One run being executed by one job (a sub-run by its parent's): walks the definition, skipping the
 * steps whose result is stored (their outputs feed the expressions) and running the others, each
 * result written in its own committed statement before the next step starts. A job that dies
 * mid-step leaves that step `running`: the next job runs it again, and nothing before it.
 */
export class Execution {
  private readonly ledger: RunLedger;
  private readonly ids: string[];
  private readonly cancel = new AbortController();
  private readonly signal: AbortSignal;
  private input: unknown;

  constructor(
    private readonly parts: EngineParts,
    run: RunRow,
    private readonly definition: WorkflowDefinition,
    private readonly job: {id: string; signal: AbortSignal},
    /** A sub-run's: the signal of its parent's step (its timeout, its run's cancellation). */
    base?: AbortSignal,
  ) {
    this.ids = allSteps(definition.steps).map((step) => step.id);
    this.ledger = new RunLedger(parts, run);
    this.signal = AbortSignal.any([job.signal, this.cancel.signal, ...(base ? [base] : [])]);
  }

  private get run(): RunRow {
    return this.ledger.run;
  }

  /** Runs the run until it ends or waits. Throws only when the job must stop (shutdown) or the database failed. */
  async execute(): Promise<RunOutcome> {
    await this.ledger.load();
    this.input = parseJson(this.run.input);
    if (!(await this.ledger.markRunning())) return this.ledger.endedAs();
    const watcher = setInterval(() => void this.watch(), this.parts.settings.pollMs);
    watcher.unref();
    try {
      let output = await this.runList(this.definition.steps, ROOT, this.signal);
      let text: string;
      try {
        if (this.definition.output !== undefined) output = await this.value(this.definition.output, ROOT, 'output');
        text = this.ledger.serialize(output, 'output');
      } catch (error) {
        throw new StepFailure('output', toSystemPromptError(error));
      }
      return (await this.ledger.finish('completed', {output: text}))
        ? {status: 'completed', output}
        : this.ledger.endedAs();
    } catch (error) {
      if (error instanceof Suspend) {
        await this.ledger.pause(error.until);
        return {status: 'waiting', until: error.until};
      }
      if (this.job.signal.aborted) throw this.job.signal.reason;
      if (error instanceof RunCancelled || this.cancel.signal.aborted) return {status: 'cancelled'};
      const failure =
        error instanceof StepFailure
          ? error
          : this.signal.aborted
            ? new StepFailure('(run)', toSystemPromptError(this.signal.reason))
            : undefined;
      if (!failure) throw error;
      const text = `${failure.path}: ${failureText(failure.failure)}`;
      return (await this.ledger.finish('failed', {error: text}))
        ? {status: 'failed', error: text}
        : this.ledger.endedAs();
    } finally {
      clearInterval(watcher);
    }
  }

  // ---- walking ------------------------------------------------------------------------------

  /** Runs the steps in order; returns the output of the last one that ran (skipped ones give none). */
  private async runList(steps: StepList, scope: Scope, signal: AbortSignal, stop?: Stop): Promise<unknown> {
    let last: unknown = null;
    for (const step of steps) {
      if (stop?.failed) break;
      try {
        const path = scope.prefix + step.id;
        const {output, ran} = await tracing().span(`workflow step ${path}`, {attributes: {'workflow.step': path}}, () =>
          this.runStep(step, scope, signal),
        );
        if (ran) last = output;
      } catch (error) {
        if (stop && !(error instanceof Suspend)) stop.failed = true;
        throw error;
      }
    }
    return last;
  }

  private async runStep(step: Step, scope: Scope, signal: AbortSignal): Promise<{output: unknown; ran: boolean}> {
    const path = scope.prefix + step.id;
    const stored = this.ledger.results.get(path);
    if (stored && SETTLED.has(stored.status))
      return {output: this.ledger.outputs.get(path) ?? null, ran: stored.status === 'completed'};
    await this.checkStopped(signal);
    if (step.if !== undefined) {
      let go: boolean;
      try {
        go = truthy(await evaluate(step.if, this.context(scope)));
      } catch (error) {
        const failure = expressionFailure(error, `${path}.if`);
        await this.ledger.settle(path, step, 'failed', {error: failureText(failure)});
        throw new StepFailure(path, failure);
      }
      if (!go) {
        await this.ledger.settle(path, step, 'skipped', {}, {value: null});
        return {output: null, ran: false};
      }
    }
    const attempts = step.retry?.attempts ?? 1;
    for (let failures = 1; ; failures++) {
      await this.ledger.begin(path, step);
      let failure: StepFailure;
      try {
        const output = await this.attempt(step, path, scope, signal);
        await this.ledger.settle(
          path,
          step,
          'completed',
          {},
          {value: output, text: this.ledger.serialize(output, path)},
        );
        return {output, ran: true};
      } catch (error) {
        failure = await this.classify(error, path, step);
      }
      const again = failures < attempts && isRetryable(failure.failure);
      const text =
        failure.path === path ? failureText(failure.failure) : `${failure.path}: ${failureText(failure.failure)}`;
      if (!again) {
        await this.ledger.settle(path, step, 'failed', {error: text});
        throw failure;
      }
      // Still running: the next attempt follows; the error says why there is one.
      await this.ledger.save(path, step, {error: text});
      try {
        await sleep((step.retry?.backoffMs ?? 1000) * 2 ** (failures - 1), signal);
      } catch (error) {
        const stopped = await this.classify(error, path, step);
        await this.ledger.settle(path, step, 'failed', {error: failureText(stopped.failure)});
        throw stopped;
      }
    }
  }

  /**
   * What an attempt's error means: a pause (the step is stored as waiting), the job stopping (nothing
   * written), a cancel (the step stored as cancelled), else the step's failure.
   */
  private async classify(error: unknown, path: string, step: Step): Promise<StepFailure> {
    if (error instanceof Suspend) {
      // A delay notes when it ends; a container keeps its decision (branch, items, sub-run).
      const until = step.type === 'delay' ? {value: {until: new Date(error.until).toISOString()}} : undefined;
      await this.ledger.save(path, step, {status: 'waiting'}, until);
      throw error;
    }
    if (this.job.signal.aborted) throw this.job.signal.reason;
    if (error instanceof RunCancelled || this.cancel.signal.aborted) {
      await this.ledger.settle(path, step, 'cancelled', {error: 'The run was cancelled.'});
      throw new RunCancelled();
    }
    if (error instanceof StepFailure) return error;
    if (error instanceof SystemPromptError) return new StepFailure(path, error);
    // An error without a code is a fault of this process (a bug, the database): the job runs again.
    throw error;
  }

  /** One attempt, bounded by its timeout; a container waits for its children to stop before it answers. */
  private async attempt(step: Step, path: string, scope: Scope, signal: AbortSignal): Promise<unknown> {
    const limit =
      step.type === 'tool'
        ? (step.timeoutMs ?? this.parts.settings.defaultStepTimeoutMs)
        : step.type === 'http'
          ? (step.timeoutMs ?? this.parts.settings.httpTimeoutMs)
          : step.type === 'delay'
            ? undefined
            : step.timeoutMs;
    const timeout = new AbortController();
    const timer = limit === undefined ? undefined : setTimeout(() => timeout.abort(timeoutFailure(path, limit)), limit);
    const inner = AbortSignal.any([signal, timeout.signal]);
    const work = this.perform(step, path, scope, inner);
    // Handled here too: a tool that ignores its abort signal may fail after its step moved on.
    void work.catch(() => undefined);
    try {
      return await untilAborted(work, inner);
    } catch (error) {
      if (CONTAINERS.has(step.type)) await work.catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async perform(step: Step, path: string, scope: Scope, signal: AbortSignal): Promise<unknown> {
    switch (step.type) {
      case 'tool':
        return runToolStep(
          this.parts.calls(),
          this.ledger.actor,
          step.tool,
          await this.fill(step.args ?? {}, scope, `${path}.args`),
          signal,
        );
      case 'http':
        return runHttpStep(
          {
            method: step.method ?? 'GET',
            url: String(await this.fill(step.url, scope, `${path}.url`)),
            headers: Object.fromEntries(
              Object.entries(
                (await this.fill(step.headers ?? {}, scope, `${path}.headers`)) as Record<string, unknown>,
              ).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]),
            ),
            body: step.body === undefined ? undefined : await this.fill(step.body, scope, `${path}.body`),
            allowStatus: step.allowStatus,
            idempotencyKey: `run:${this.run.id}:${path}`,
            maxBytes: this.parts.settings.maxOutputBytes,
          },
          signal,
        );
      case 'delay':
        return this.delay(step.duration, step.until, path, scope);
      case 'condition':
        return this.condition(step, path, scope, signal);
      case 'parallel':
        return this.gather(
          await this.all(step.branches.length, (index, stop) =>
            this.runList(step.branches[index]!, scope, signal, stop),
          ),
        );
      case 'foreach':
        return this.foreach(step, path, scope, signal);
      case 'workflow':
        return this.subWorkflow(step, path, scope, signal);
      case 'agent':
        return this.agentStep(step, path, scope, signal);
    }
  }

  // ---- step types ---------------------------------------------------------------------------

  /**
   * Runs the agent's task here, in this run's job, acting for the run's user. Its key names the run,
   * the step and the job: the same job resumes the task after a crash (its recorded steps are not
   * repeated); a retried run (a new job) gives the agent a new task.
   */
  private async agentStep(step: AgentStep, path: string, scope: Scope, signal: AbortSignal): Promise<unknown> {
    const agents = this.parts.agents();
    const text = await this.fill(step.task, scope, `${path}.task`);
    const input = step.input === undefined ? undefined : await this.fill(step.input, scope, `${path}.input`);
    let key = `workflow:${this.run.id}:${this.job.id}:${path}`;
    if (key.length > 200) key = `workflow:${createHash('sha256').update(key).digest('hex')}`;
    const task = await agents.runInline(this.ledger.actor, {
      agent: step.agent,
      text: typeof text === 'string' ? text : JSON.stringify(text),
      ...(input && typeof input === 'object' ? {input: input as Record<string, unknown>} : {}),
      key,
      trigger: `workflow:${this.run.id}`,
      runner: {id: this.job.id, signal},
    });
    signal.throwIfAborted();
    if (task.status !== 'completed')
      throw new SystemPromptError(
        `The agent ${step.agent} ended its task ${task.id} ${task.status}: ${task.error ?? ''}`.trim(),
        {
          code: 'STEP_AGENT_FAILED',
          exitCode: ExitCode.Unexpected,
          details: {task: task.id, status: task.status},
        },
      );
    return {task: task.id, output: task.output, steps: task.steps, tokensIn: task.tokensIn, tokensOut: task.tokensOut};
  }

  private async delay(duration: unknown, until: string | undefined, path: string, scope: Scope): Promise<unknown> {
    let at = parseTime((this.ledger.outputs.get(path) as {until?: unknown} | null)?.until);
    if (at === undefined) {
      if (duration !== undefined) {
        const value = await this.fill(duration, scope, `${path}.duration`);
        const ms = parseDuration(value);
        if (ms === undefined)
          throw invalidInput(
            `${path}.duration: ${JSON.stringify(value)} is not a duration (such as 30s, 5m or 1h30m)`,
            {
              code: 'STEP_DELAY_INVALID',
            },
          );
        at = Date.now() + ms;
      } else {
        const value = await this.fill(until, scope, `${path}.until`);
        at = parseTime(value);
        if (at === undefined)
          throw invalidInput(`${path}.until: ${JSON.stringify(value)} is not an ISO 8601 time`, {
            code: 'STEP_DELAY_INVALID',
          });
      }
    }
    if (Date.now() < at) throw new Suspend(at);
    return {until: new Date(at).toISOString()};
  }

  private async condition(step: ConditionStep, path: string, scope: Scope, signal: AbortSignal): Promise<unknown> {
    // Decided once: a resumed run takes the branch it took before, whatever the expression says now.
    let branch = (this.ledger.outputs.get(path) as {branch?: unknown} | null)?.branch;
    if (branch !== 'then' && branch !== 'else') {
      branch = truthy(await this.value(step.expression, scope, `${path}.expression`)) ? 'then' : 'else';
      await this.ledger.save(path, step, {}, {value: {branch}});
    }
    const list = branch === 'then' ? step.then : step.else;
    return {branch, output: list ? await this.runList(list, scope, signal) : null};
  }

  private async foreach(step: ForeachStep, path: string, scope: Scope, signal: AbortSignal): Promise<unknown> {
    // The items are stored before the first item runs, so a resumed run walks the same list.
    let items = (this.ledger.outputs.get(path) as {items?: unknown} | null)?.items;
    if (!Array.isArray(items)) {
      const value = await this.value(step.items, scope, `${path}.items`);
      // JSONata gives a single match as itself, not as a list of one.
      items = value === null ? [] : Array.isArray(value) ? value : [value];
      if ((items as unknown[]).length > MAX_ITEMS)
        throw invalidInput(`${path}.items: ${(items as unknown[]).length} items, more than ${MAX_ITEMS}`, {
          code: 'STEP_ITEMS_INVALID',
        });
      this.ledger.serialize({items}, path);
      await this.ledger.save(path, step, {}, {value: {items}});
    }
    const list = items as unknown[];
    const settled = await this.all(
      list.length,
      (index, stop) =>
        this.runList(step.steps, {prefix: `${path}[${index}].`, item: list[index], index, parent: scope}, signal, stop),
      step.concurrency ?? 1,
    );
    return this.gather(settled);
  }

  private async subWorkflow(step: WorkflowStep, path: string, scope: Scope, signal: AbortSignal): Promise<unknown> {
    const {store, settings} = this.parts;
    const stored = (this.ledger.outputs.get(path) as {runId?: unknown} | null)?.runId;
    let child = typeof stored === 'string' ? await store.findRun(stored) : undefined;
    // A sub-run that failed (or was cancelled) is not resumed: this attempt starts a new one.
    if (!child || child.status === 'failed' || child.status === 'cancelled') {
      if (this.run.depth + 1 > settings.maxDepth)
        throw invalidInput(`${path}: sub-workflows nest deeper than ${settings.maxDepth}`, {
          code: 'SUBWORKFLOW_TOO_DEEP',
        });
      await this.parts.access.authorize(this.ledger.actor, 'workflows:execute', 'workflows.execute', step.workflow);
      const {row, definition} = await this.parts.definitions.require(step.workflow);
      const input = await checkInput(
        step.workflow,
        definition.inputs,
        await this.fill(step.input ?? {}, scope, `${path}.input`),
      );
      const made = newRunRow({
        id: newSortableId(),
        workflow: row.name,
        version: Number(row.version),
        definition: row.definition,
        input,
        actor: this.run.actor,
        actorLabel: this.run.actorLabel,
        trigger: `workflow:${this.run.id}`,
        jobId: null,
        parent: {runId: this.run.id, step: path, depth: this.run.depth},
        now: Date.now(),
      });
      // The sub-run and the step's note of it commit together: no sub-run is ever left unknown to its parent.
      await store.db.transaction(async (manager) => {
        await store.insertRun(made, manager);
        await this.ledger.save(path, step, {}, {value: {runId: made.id}}, manager);
      });
      child = made;
    }
    if (child.status === 'completed') return parseJson(child.output);
    const execution = new Execution(
      this.parts,
      child,
      JSON.parse(child.definition) as WorkflowDefinition,
      this.job,
      signal,
    );
    const outcome = await execution.execute();
    switch (outcome.status) {
      case 'completed':
        return outcome.output;
      case 'waiting':
        throw new Suspend(outcome.until);
      case 'cancelled':
        // A cancel of this run reaches its sub-run too, which may notice it first.
        if (this.cancel.signal.aborted || (await this.ledger.superseded())) throw new RunCancelled();
        throw new SystemPromptError(`The sub-run ${child.id} of ${step.workflow} was cancelled`, {
          code: 'SUBWORKFLOW_FAILED',
          exitCode: ExitCode.Unexpected,
          details: {run: child.id},
        });
      case 'failed':
        throw new SystemPromptError(`The sub-run ${child.id} of ${step.workflow} failed: ${outcome.error}`, {
          code: 'SUBWORKFLOW_FAILED',
          exitCode: ExitCode.Unexpected,
          details: {run: child.id},
        });
    }
  }

  /** Runs `count` tasks, `concurrency` at a time (all at once by default); after a failure, none more start. */
  private async all(
    count: number,
    task: (index: number, stop: Stop) => Promise<unknown>,
    concurrency = count,
  ): Promise<Array<PromiseSettledResult<unknown>>> {
    const settled: Array<PromiseSettledResult<unknown>> = [];
    const stop: Stop = {failed: false};
    let next = 0;
    const worker = async () => {
      while (next < count && !stop.failed) {
        const index = next++;
        try {
          settled[index] = {status: 'fulfilled', value: await task(index, stop)};
        } catch (reason) {
          settled[index] = {status: 'rejected', reason};
        }
      }
    };
    await Promise.all(Array.from({length: Math.min(concurrency, count)}, worker));
    return settled;
  }

  /**
   * The outputs of branches or items, or why there are none: the job stopping first, then a cancel,
   * then a failure; a pause only when everything else is done or paused (the earliest wake-up wins).
   */
  private gather(settled: ReadonlyArray<PromiseSettledResult<unknown> | undefined>): unknown[] {
    const reasons = settled.flatMap((result) => (result?.status === 'rejected' ? [result.reason as unknown] : []));
    if (reasons.length === 0) return settled.map((result) => (result?.status === 'fulfilled' ? result.value : null));
    if (this.job.signal.aborted) throw this.job.signal.reason;
    const pick = (match: (reason: unknown) => boolean) => reasons.find(match);
    const decisive =
      pick((reason) => reason instanceof RunCancelled) ??
      pick((reason) => reason instanceof StepFailure) ??
      pick((reason) => !(reason instanceof Suspend));
    if (decisive !== undefined) throw decisive;
    throw new Suspend(Math.min(...reasons.map((reason) => (reason as Suspend).until)));
  }

  // ---- expressions --------------------------------------------------------------------------

  /** What expressions see: the input, the item, and each step's result, the innermost foreach item's first. */
  private context(scope: Scope): ExpressionContext {
    const prefixes: string[] = [];
    for (let current: Scope | undefined = scope; current; current = current.parent) prefixes.push(current.prefix);
    const steps: ExpressionContext['steps'] = {};
    for (const id of this.ids) {
      for (const prefix of prefixes) {
        const row = this.ledger.results.get(prefix + id);
        if (!row) continue;
        steps[id] = {
          output: row.status === 'completed' ? (this.ledger.outputs.get(prefix + id) ?? null) : null,
          status: row.status,
        };
        break;
      }
    }
    return {
      inputs: this.input,
      steps,
      ...(scope.index !== undefined ? {item: scope.item, index: scope.index} : {}),
      run: {id: this.run.id, workflow: this.run.workflow},
    };
  }

  private async value(source: string, scope: Scope, where: string): Promise<unknown> {
    try {
      return await evaluate(source, this.context(scope));
    } catch (error) {
      throw expressionFailure(error, where);
    }
  }

  private async fill(template: unknown, scope: Scope, where: string): Promise<unknown> {
    try {
      return await render(template, this.context(scope));
    } catch (error) {
      throw expressionFailure(error, where);
    }
  }

  // ---- the run ------------------------------------------------------------------------------

  /** Before each step: the job still holds the run, and nobody cancelled it (or retried it elsewhere). */
  private async checkStopped(signal: AbortSignal): Promise<void> {
    if (this.job.signal.aborted) throw this.job.signal.reason;
    if (signal.aborted) throw signal.reason;
    if (await this.ledger.superseded()) {
      this.cancel.abort(new RunCancelled());
      throw new RunCancelled();
    }
  }

  /** Looks for a cancel while a step runs; the step's signal then aborts. */
  private async watch(): Promise<void> {
    try {
      if (!this.cancel.signal.aborted && (await this.ledger.superseded())) this.cancel.abort(new RunCancelled());
    } catch (error) {
      this.parts.logger.warn(
        {err: error, run: this.run.id},
        'Looking for a cancelled run failed; looking again shortly',
      );
    }
  }
}
