import type {Logger} from '@systemprompt/core';

type Method = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** pino's numeric levels; `silent` lets nothing through. */
export const LEVEL_VALUES: Record<string, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

interface Pending {
  logger: DeferredLogger;
  method: Method;
  obj: unknown;
  msg: string | undefined;
  /** When the record was made (ms since the epoch): its `time`, even though it is written later. */
  at: number;
}

/** What a DeferredLogger writes through: starts the real logger on the first record that passes the level. */
export interface DeferredSink {
  /** The lowest level any destination takes; records below it are dropped at once. */
  readonly threshold: number;
  /** Starts the real logger (once), then writes the pending records in order. */
  start(): Promise<Logger>;
}

/**
 * A logger that loads nothing until a record passes the level. Most CLI commands log nothing at or
 * above `info`, and loading pino costs one such command about a tenth of its start-up, so the root
 * logger starts on the first record that will be written; records made before it is ready wait in
 * order, with the time at which they were made.
 */
export class DeferredLogger implements Logger {
  private real: Logger | undefined;

  constructor(
    private readonly queue: DeferredQueue,
    private readonly bindings: ReadonlyArray<Record<string, unknown>>,
  ) {}

  trace(obj: unknown, msg?: string): void {
    this.queue.write(this, 'trace', obj, msg);
  }

  debug(obj: unknown, msg?: string): void {
    this.queue.write(this, 'debug', obj, msg);
  }

  info(obj: unknown, msg?: string): void {
    this.queue.write(this, 'info', obj, msg);
  }

  warn(obj: unknown, msg?: string): void {
    this.queue.write(this, 'warn', obj, msg);
  }

  error(obj: unknown, msg?: string): void {
    this.queue.write(this, 'error', obj, msg);
  }

  fatal(obj: unknown, msg?: string): void {
    this.queue.write(this, 'fatal', obj, msg);
  }

  child(bindings: Record<string, unknown>): Logger {
    return new DeferredLogger(this.queue, [...this.bindings, bindings]);
  }

  /** The real logger with this logger's bindings, once the root has started. */
  realFrom(root: Logger): Logger {
    this.real ??= this.bindings.reduce<Logger>((logger, bindings) => logger.child(bindings), root);
    return this.real;
  }
}

/** Holds records until the real logger has started, then writes them and every later one directly. */
export class DeferredQueue {
  private root: Logger | undefined;
  private starting: Promise<void> | undefined;
  private readonly pending: Pending[] = [];
  /** The `time` of the record being written from the queue (read by the logger's timestamp function). */
  replayTime: number | undefined;

  constructor(private readonly sink: DeferredSink) {}

  write(logger: DeferredLogger, method: Method, obj: unknown, msg: string | undefined): void {
    if ((LEVEL_VALUES[method] ?? 0) < this.sink.threshold) return;
    if (this.root) {
      logger.realFrom(this.root)[method](obj, msg);
      return;
    }
    this.pending.push({logger, method, obj, msg, at: Date.now()});
    this.starting ??= this.sink.start().then(
      (root) => this.drain(root),
      (error: unknown) => {
        // The log file could not be opened after all: say so once, where the operator sees it.
        process.stderr.write(`Warning: logging stopped: ${error instanceof Error ? error.message : String(error)}\n`);
        this.pending.length = 0;
      },
    );
  }

  private drain(root: Logger): void {
    for (const record of this.pending.splice(0)) {
      this.replayTime = record.at;
      try {
        record.logger.realFrom(root)[record.method](record.obj, record.msg);
      } finally {
        this.replayTime = undefined;
      }
    }
    this.root = root;
  }

  /** Waits until the records made so far are handed to the real logger (none: nothing to wait for). */
  async settled(): Promise<boolean> {
    await this.starting;
    return this.root !== undefined;
  }
}
