import {AsyncLocalStorage} from 'node:async_hooks';

/**
 * Group commit: writes that arrive while one is in progress are written together, in one go, as soon
 * as it ends. A lone write goes out at once (on the next turn of the event loop); under load, one
 * transaction carries many records instead of one each. Each `add` resolves when its own batch is
 * written, or rejects with that batch's error.
 */
export class WriteBatcher<T> {
  private queue: Array<{item: T; deferred: boolean; resolve: () => void; reject: (error: unknown) => void}> = [];
  private running: Promise<void> | undefined;
  /** Whether the last batch carried more than one write: they come in faster than one by one. */
  private busy = false;
  /**
   * Runs the writer in the async context the batcher was made in, never in that of the first caller:
   * a caller inside a database transaction must not carry the whole batch into it.
   */
  private readonly detached = AsyncLocalStorage.snapshot();

  /**
   * `write` stores a batch, in order, all or nothing. A batch waits `gatherMs` for more writes when
   * nobody waits on its answer's path: while writes keep coming (the last batch had several), or
   * when every write queued is `deferred`. A lone write somebody waits for goes out at once.
   */
  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly options: {gatherMs?: number} = {},
  ) {}

  add(item: T, options: {deferred?: boolean} = {}): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({item, deferred: options.deferred === true, resolve, reject});
      this.running ??= this.detached(() => this.run());
    });
  }

  /** Resolves once everything added so far is written (or failed). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    const gather = this.busy || this.queue.every((entry) => entry.deferred) ? (this.options.gatherMs ?? 0) : 0;
    // One turn of the event loop (or the gathering time): the writes of the requests being answered
    // right now join the batch.
    await new Promise<void>((resolve) => (gather > 0 ? setTimeout(resolve, gather) : setImmediate(resolve)));
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      this.busy = batch.length > 1;
      try {
        await this.write(batch.map((entry) => entry.item));
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.running = undefined;
  }
}
