import {pause} from './command/follow.js';
import {invalidInput} from './errors.js';
import type {DomainEvent, EmitOptions, EventBus, EventHandler, EventType} from './module.js';

/** What `EventStore.list` returns: filters, then at most `limit` events by id. */
export interface EventQuery {
  /** Exact types (`user.created`) or prefix patterns (`user.*`); `*` or none: every type. */
  types?: string[];
  since?: Date;
  afterId?: number;
  subject?: string;
  limit: number;
  /** By id; `asc` by default. */
  order?: 'asc' | 'desc';
}

/**
 * Where events are kept (the database module's `events` capability): an outbox written in the
 * transaction of the change, read by pollers in every process that shares the database.
 */
export interface EventStore {
  /** Writes the event (in `transaction` when given) and returns its id. */
  append(event: Omit<DomainEvent, 'id'>, transaction?: unknown): Promise<number>;
  /**
   * Runs `callback` once `transaction` commits (never when it rolls back), and waits for the promise
   * it returns before the transaction's own promise resolves; false when the store does not know the
   * transaction (the caller then acts at once).
   */
  afterCommit(transaction: unknown, callback: () => void | Promise<void>): boolean;
  /** Up to `limit` events with an id above `id`, ascending. */
  after(id: number, limit: number): Promise<DomainEvent[]>;
  /** The events of these ids that exist (and are committed), ascending. */
  byIds(ids: readonly number[]): Promise<DomainEvent[]>;
  /** The highest id written so far; 0 when there is none. */
  latestId(): Promise<number>;
  list(query: EventQuery): Promise<DomainEvent[]>;
  /**
   * Removes (or with dryRun counts) the events that occurred before `before`, except those a reader
   * still holds (see `hold`); how many.
   */
  prune(before: Date, options?: {dryRun?: boolean}): Promise<number>;
  /**
   * A reader that follows the store from a cursor kept elsewhere (the webhook dispatcher) says from
   * which id on it still needs the events: no prune removes them before it has read them.
   */
  hold(reader: string, neededFrom: () => Promise<number>): void;
}

export interface EventPollingOptions {
  intervalMs: number;
  /**
   * How long an id that was skipped (a lower id than one already read) is looked for again: the
   * transaction holding it may commit later, or have rolled back and left the id unused for good.
   */
  gapTimeoutMs?: number;
  /** Told when reading the store fails; polling goes on. */
  onError: (error: unknown) => void;
}

export interface EventPolling {
  /** Stops polling; resolves when the read in progress, if any, has been dispatched. */
  stop(): Promise<void>;
  /** Reads now instead of at the next interval. */
  poke(): void;
  /** Reads now; resolves when what it read has been dispatched. */
  flush(): Promise<void>;
}

type TypeOrToken = string | EventType<unknown>;

const typeOf = (event: TypeOrToken): string => (typeof event === 'string' ? event : event.type);

const EVENT_TYPE = /^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$/;

function checkType(type: string): void {
  if (!EVENT_TYPE.test(type))
    throw invalidInput(`"${type}" is not an event type: dot-separated words such as user.created`, {
      code: 'EVENT_INVALID',
      details: {type},
    });
}

/** Throws exit 2 unless `pattern` is an event type, a prefix pattern (`user.*`) or `*`. */
export function checkPattern(pattern: string): void {
  if (pattern !== '*' && !EVENT_TYPE.test(pattern.endsWith('.*') ? pattern.slice(0, -2) : pattern))
    throw invalidInput(`"${pattern}" is not an event pattern: a type (user.created), a prefix (user.*) or *`, {
      code: 'EVENT_INVALID',
      details: {pattern},
    });
}

/** The patterns that match `type`, most specific first: the type, its prefixes (`a.b.*`, `a.*`), `*`. */
function patternsFor(type: string): string[] {
  const patterns = [type];
  for (let dot = type.lastIndexOf('.'); dot > 0; dot = type.lastIndexOf('.', dot - 1))
    patterns.push(`${type.slice(0, dot)}.*`);
  patterns.push('*');
  return patterns;
}

/** Whether one of `patterns` (types, prefix patterns such as `user.*`, or `*`) matches `type`. */
export function eventMatches(patterns: readonly string[], type: string): boolean {
  return patternsFor(type).some((pattern) => patterns.includes(pattern));
}

/**
 * What identifies an event besides its id. SQLite hands the id of a rolled-back row to the next
 * insert, possibly another process's: an id this process wrote is its own only if the rest agrees.
 */
const fingerprint = (event: DomainEvent): string => `${event.type}\n${event.source}\n${event.occurredAt}`;

/** The most recent ids with a mark each; the oldest is forgotten first (a Map keeps insertion order). */
class RecentIds {
  private readonly marks = new Map<number, string>();

  constructor(private readonly limit: number) {}

  get(id: number): string | undefined {
    return this.marks.get(id);
  }

  set(id: number, mark: string): void {
    this.marks.delete(id);
    this.marks.set(id, mark);
    if (this.marks.size > this.limit) this.marks.delete(this.marks.keys().next().value!);
  }
}

/** Ids this process wrote or dispatched that are remembered, so a poller leaves them alone. */
const REMEMBERED_IDS = 10_000;

/**
 * The kernel's event bus. With an event store (the database module's `events` capability) an event
 * is written first: inside the caller's transaction when `transaction` is given, and then dispatched
 * only after that transaction commits (a rollback removes the row and the event is never
 * dispatched); without a transaction it is dispatched as soon as it is written. Without a store (no
 * database booted) events stay in this process. Handlers run one after another, most specific
 * pattern first; one failing handler is reported to `onError` and does not stop the others.
 *
 * Events written by other processes (CLI commands, other servers on the same database) reach this
 * process's handlers through `startPolling`.
 */
export class KernelEventBus implements EventBus {
  private readonly handlers = new Map<string, Set<EventHandler>>();
  private readonly known = new RecentIds(REMEMBERED_IDS);
  /** Writes in progress: their ids are not known yet, and a poller must not take them for foreign events. */
  private readonly appending = new Set<Promise<unknown>>();

  constructor(
    private readonly store: () => EventStore | undefined,
    private readonly onError: (error: unknown, event: DomainEvent) => void = () => {},
    private readonly source = 'system',
  ) {}

  /** The same bus, with events stamped as coming from `source`. */
  forSource(source: string): EventBus {
    return {
      emit: (event: TypeOrToken, payload: unknown, options?: EmitOptions) =>
        this.publish(source, typeOf(event), payload, options),
      on: (event: TypeOrToken, handler: EventHandler<never>) => this.on(typeOf(event), handler as EventHandler),
    } as EventBus;
  }

  emit<P>(event: EventType<P>, payload: NoInfer<P>, options?: EmitOptions): Promise<void>;
  emit<T>(type: string, payload: T, options?: EmitOptions): Promise<void>;
  emit(event: TypeOrToken, payload: unknown, options?: EmitOptions): Promise<void> {
    return this.publish(this.source, typeOf(event), payload, options);
  }

  on<P>(event: EventType<P>, handler: EventHandler<P>): () => void;
  on(pattern: string, handler: EventHandler): () => void;
  on(event: TypeOrToken, handler: EventHandler<never>): () => void {
    const pattern = typeOf(event);
    checkPattern(pattern);
    let set = this.handlers.get(pattern);
    if (!set) this.handlers.set(pattern, (set = new Set()));
    set.add(handler as EventHandler);
    return () => void set.delete(handler as EventHandler);
  }

  /**
   * Reads the events other processes write and dispatches them here, from the newest id at start on.
   * Every `intervalMs` it reads what follows the last id read. On MySQL a transaction that took a
   * lower id can commit after a higher one is read: an id skipped that way is looked for again on
   * each read until it appears or `gapTimeoutMs` passes. Events this process wrote (dispatched when
   * they were written) and ids already dispatched are left out.
   */
  startPolling(options: EventPollingOptions): EventPolling {
    return new StorePoller(this.store, options, (events) => this.deliverStored(events));
  }

  private async publish(source: string, type: string, payload: unknown, options: EmitOptions = {}): Promise<void> {
    checkType(type);
    const event: DomainEvent = {
      type,
      payload,
      source,
      actor: options.actor?.label ?? null,
      subject: options.subject ?? null,
      occurredAt: new Date().toISOString(),
    };
    const store = this.store();
    if (!store) return this.dispatch(event);
    const appended = store.append(event, options.transaction).then((id) => {
      this.known.set(id, fingerprint(event));
      return id;
    });
    this.appending.add(appended);
    let id: number;
    try {
      id = await appended;
    } finally {
      this.appending.delete(appended);
    }
    const stored: DomainEvent = {id, ...event};
    if (options.transaction !== undefined && store.afterCommit(options.transaction, () => this.dispatch(stored)))
      return;
    await this.dispatch(stored);
  }

  /** Dispatches events read from the store, except those this process wrote or dispatched already. */
  private async deliverStored(events: readonly DomainEvent[]): Promise<void> {
    // A write of this process that committed just before the read may not have its id noted yet.
    if (this.appending.size > 0) await Promise.allSettled([...this.appending]);
    for (const event of events) {
      const mark = fingerprint(event);
      if (this.known.get(event.id!) === mark) continue;
      this.known.set(event.id!, mark);
      await this.dispatch(event);
    }
  }

  private async dispatch(event: DomainEvent): Promise<void> {
    for (const pattern of patternsFor(event.type)) {
      const handlers = this.handlers.get(pattern);
      if (!handlers) continue;
      for (const handler of [...handlers]) {
        try {
          await handler(event);
        } catch (error) {
          this.onError(error, event);
        }
      }
    }
  }
}

/** An event bus of this process only, with no store (tests, and code written before the store). */
export class InMemoryEventBus extends KernelEventBus {
  constructor(source = 'system', onError: (error: unknown, event: DomainEvent) => void = () => {}) {
    super(() => undefined, onError, source);
  }
}

/** Events read per query. */
const BATCH = 500;

/**
 * The stored events of `types` with an id above `afterId`, as they are written (by any process),
 * until `signal` aborts: for a command that follows the event log or waits for an answer. Unlike
 * startPolling it dispatches nothing and keeps no state beyond its position.
 */
export async function* followStoredEvents(
  store: EventStore,
  options: {types?: string[]; afterId: number; signal: AbortSignal; pollMs?: number},
): AsyncIterable<DomainEvent> {
  let cursor = options.afterId;
  while (!options.signal.aborted) {
    const batch = await store.list({
      ...(options.types?.length ? {types: options.types} : {}),
      afterId: cursor,
      limit: BATCH,
      order: 'asc',
    });
    for (const event of batch) {
      cursor = Math.max(cursor, event.id ?? cursor);
      yield event;
    }
    if (batch.length < BATCH) await pause(options.pollMs ?? 300, options.signal);
  }
}
/** Skipped ids looked for at most at once; a wider gap keeps those just below the id that was read. */
const MAX_MISSING = 10_000;

class StorePoller implements EventPolling {
  /** The highest id read; undefined until the store is there to say where to start. */
  private cursor: number | undefined;
  /** Ids below the cursor not read yet, with when they were first missed. */
  private readonly missing = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: () => EventStore | undefined,
    private readonly options: EventPollingOptions,
    private readonly deliver: (events: readonly DomainEvent[]) => Promise<void>,
  ) {
    void this.flush();
  }

  poke(): void {
    void this.flush();
  }

  flush(): Promise<void> {
    if (this.stopped) return this.running;
    clearTimeout(this.timer);
    this.timer = undefined;
    // Reads never overlap; asking again while one waits to start joins it.
    if (this.queued) return this.queued;
    const next = this.running.then(async () => {
      this.queued = undefined;
      if (this.stopped) return;
      try {
        await this.read();
      } catch (error) {
        this.options.onError(error);
      }
      this.schedule();
    });
    this.queued = this.running = next;
    return next;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.options.intervalMs);
    // Polling never keeps a process alive on its own.
    this.timer.unref();
  }

  private async read(): Promise<void> {
    const store = this.store();
    if (!store) return;
    if (this.cursor === undefined) {
      this.cursor = await store.latestId();
      return;
    }
    const now = Date.now();
    if (this.missing.size > 0) {
      const found = await store.byIds([...this.missing.keys()]);
      for (const event of found) this.missing.delete(event.id!);
      const gapTimeoutMs = this.options.gapTimeoutMs ?? 30_000;
      for (const [id, since] of this.missing) if (now - since >= gapTimeoutMs) this.missing.delete(id);
      // Found ids are below the cursor, so below everything read next: the tick stays in id order.
      await this.deliver(found.sort((a, b) => a.id! - b.id!));
    }
    for (;;) {
      const batch = await store.after(this.cursor, BATCH);
      const fresh: DomainEvent[] = [];
      for (const event of batch) {
        const id = event.id!;
        if (id <= this.cursor) continue;
        for (let skipped = Math.max(this.cursor + 1, id - MAX_MISSING); skipped < id; skipped++)
          this.missing.set(skipped, now);
        this.cursor = id;
        fresh.push(event);
      }
      this.forgetOldestMissing();
      await this.deliver(fresh);
      if (batch.length < BATCH || this.stopped) return;
    }
  }

  private forgetOldestMissing(): void {
    if (this.missing.size <= MAX_MISSING) return;
    const ids = [...this.missing.keys()].sort((a, b) => a - b);
    for (const id of ids.slice(0, ids.length - MAX_MISSING)) this.missing.delete(id);
  }
}
