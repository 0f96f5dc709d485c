import {invalidInput, type Actor} from '@systemprompt/core';
import type {EntityManager} from '@systemprompt/database/schema';
import {actorOf, type StoredActor} from '@systemprompt/queue';
import type {RunRow, StepRow} from '../entities.js';
import type {Step} from '../generated/workflow.js';
import {FINAL, parseJson, runEventPayload} from './run-store.js';
import {RUN_QUEUE, type EngineParts, type RunOutcome} from './parts.js';

/**
 * What one run has stored, and every write that changes it: the run's row and status (each change
 * guarded by the status it was decided from, with its event in the same transaction), and its step
 * results by path, each written and committed on its own before the walk goes on.
 */
export class RunLedger {
  /** The stored step results by path, and their outputs parsed. */
  readonly results = new Map<string, StepRow>();
  readonly outputs = new Map<string, unknown>();
  readonly actor: Actor;

  constructor(
    private readonly parts: EngineParts,
    public run: RunRow,
  ) {
    this.actor = actorOf(JSON.parse(run.actor) as StoredActor);
  }

  /** A run started directly (or retried on its own) has its own jobs; a sub-run runs in its parent's. */
  get isRoot(): boolean {
    return this.run.depth === 0 || this.run.jobId !== null;
  }

  async load(): Promise<void> {
    for (const row of await this.parts.store.steps(this.run.id)) {
      this.results.set(row.path, row);
      this.outputs.set(row.path, parseJson(row.output));
    }
  }

  /** A step output as stored; too large fails the step. */
  serialize(value: unknown, path: string): string {
    const text = JSON.stringify(value ?? null);
    const bytes = Buffer.byteLength(text);
    if (bytes > this.parts.settings.maxOutputBytes)
      throw invalidInput(
        `${path}: the output has ${bytes} bytes, more than workflows.maxOutputBytes (${this.parts.settings.maxOutputBytes})`,
        {
          code: 'STEP_OUTPUT_TOO_LARGE',
        },
      );
    return text;
  }

  /** An attempt starts: running, one attempt more (a step resuming from a pause is the same attempt). */
  begin(path: string, step: Step): Promise<void> {
    const previous = this.results.get(path);
    const attempts = previous?.status === 'waiting' ? previous.attempts : (previous?.attempts ?? 0) + 1;
    return this.save(path, step, {status: 'running', attempts, error: null, finishedAt: null});
  }

  /** The step ended (completed, skipped, failed or cancelled). */
  settle(path: string, step: Step, status: string, change: {error?: string}, output?: {value: unknown; text?: string}) {
    return this.save(path, step, {status, finishedAt: Date.now(), ...change}, output);
  }

  /**
   * Writes the step's row (inserted, or the stored one changed) in one statement, committed on its own
   * unless `manager` is a transaction. `output` replaces what the row holds: the step's output, or a
   * container's decision (a condition's branch, a foreach's items, a sub-run's id).
   */
  async save(
    path: string,
    step: Step,
    change: Partial<StepRow>,
    output?: {value: unknown; text?: string},
    manager?: EntityManager,
  ): Promise<void> {
    const previous = this.results.get(path);
    const now = Date.now();
    const row: StepRow = {
      runId: this.run.id,
      path,
      stepId: step.id,
      type: step.type,
      status: change.status ?? previous?.status ?? 'running',
      attempts: change.attempts ?? previous?.attempts ?? 0,
      output: output ? (output.text ?? JSON.stringify(output.value ?? null)) : (previous?.output ?? null),
      error: change.error !== undefined ? change.error : (previous?.error ?? null),
      startedAt: previous?.startedAt ?? now,
      finishedAt: change.finishedAt !== undefined ? change.finishedAt : (previous?.finishedAt ?? null),
      updatedAt: now,
    };
    await this.parts.store.saveStep(row, previous !== undefined, manager);
    this.results.set(path, row);
    if (output) this.outputs.set(path, output.value ?? null);
  }

  async superseded(): Promise<boolean> {
    const current = await this.parts.store.status(this.run.id);
    return !current || current.status === 'cancelled' || (this.run.jobId !== null && current.jobId !== this.run.jobId);
  }

  /** The run's status as stored, as an outcome (it was cancelled or finished by someone else). */
  async endedAs(): Promise<RunOutcome> {
    const current = await this.parts.store.findRun(this.run.id);
    if (current?.status === 'completed') return {status: 'completed', output: parseJson(current.output)};
    if (current?.status === 'failed') return {status: 'failed', error: current.error ?? 'failed'};
    return {status: 'cancelled'};
  }

  async markRunning(): Promise<boolean> {
    const {store} = this.parts;
    return store.db.transaction(async (manager) => {
      const current = await store.findRun(this.run.id, manager);
      if (!current || FINAL.has(current.status)) return false;
      const now = Date.now();
      const change = {status: 'running', startedAt: current.startedAt ?? now, updatedAt: now};
      if (!(await store.updateRun(this.run.id, [current.status], change, manager))) return false;
      this.run = {...current, ...change};
      if (current.status === 'queued') await this.emit('workflow.run.started', manager);
      return true;
    });
  }

  /** Ends the run (unless it was cancelled meanwhile), with its event in the same transaction. */
  async finish(status: 'completed' | 'failed', change: {output?: string; error?: string}): Promise<boolean> {
    const {store} = this.parts;
    return store.db.transaction(async (manager) => {
      const now = Date.now();
      const update = {
        status,
        finishedAt: now,
        updatedAt: now,
        output: change.output ?? null,
        error: change.error ?? null,
      };
      if (!(await store.updateRun(this.run.id, ['running'], update, manager))) return false;
      this.run = {...this.run, ...update};
      await this.emit(`workflow.run.${status}`, manager);
      return true;
    });
  }

  /** The run waits: a top-level run's next job is queued for `until` (a sub-run waits with its parent). */
  async pause(until: number): Promise<void> {
    const {store, queue, settings} = this.parts;
    await store.db.transaction(async (manager) => {
      const now = Date.now();
      if (!this.isRoot) {
        await store.updateRun(this.run.id, ['running'], {status: 'waiting', updatedAt: now}, manager);
        return;
      }
      const job = await queue.enqueue(
        RUN_QUEUE,
        {runId: this.run.id},
        {runAt: until, maxAttempts: settings.runAttempts, actor: this.actor, transaction: manager},
      );
      await store.updateRun(this.run.id, ['running'], {status: 'waiting', jobId: job.id, updatedAt: now}, manager);
    });
  }

  private emit(type: string, manager: EntityManager): Promise<void> {
    return this.parts.events.emit(type, runEventPayload(this.run), {
      transaction: manager,
      actor: this.actor,
      subject: this.run.id,
    });
  }
}
