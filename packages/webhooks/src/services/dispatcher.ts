import type {DomainEvent, EventStore, Logger} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import {Endpoint, State} from '../entities.js';
import type {DeliveryService} from './deliveries.js';

const CURSOR = 'events';
const BATCH = 500;
/** A missing id younger than this may belong to a transaction still open: the cursor waits for it. */
const GAP_MS = 5000;

/**
 * Turns stored events into deliveries, from a cursor kept in the database: events written by any
 * process (a CLI, another server) while no server ran are delivered too, and servers sharing a
 * database take turns at the cursor (a row lock on MySQL/MariaDB, the one writer on SQLite), so an
 * event becomes one delivery per endpoint. The deliveries, their jobs and the cursor move together
 * in one transaction.
 */
export class Dispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly db: ModuleDatabase,
    private readonly store: () => EventStore | undefined,
    private readonly deliveries: DeliveryService,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number): void {
    const tick = () => {
      this.running ??= this.drain()
        .catch((error: unknown) => this.logger.warn({err: error}, 'could not turn events into webhook deliveries'))
        .finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Dispatches until the cursor has caught up; returns the deliveries made. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const {read, created} = await this.dispatchOnce();
      total += created;
      if (read < BATCH) return total;
    }
  }

  /**
   * One batch: events after the cursor, their deliveries, the cursor moved. The events are read
   * before the transaction (the store reads on its own); the transaction then takes the cursor and
   * goes on only if no other server moved it meanwhile.
   */
  async dispatchOnce(): Promise<{read: number; created: number}> {
    const store = this.store();
    if (!store) return {read: 0, created: 0};
    const seen = await this.cursor(store);
    const events = usable(await store.after(seen, BATCH), seen);
    if (events.length === 0) return {read: 0, created: 0};
    return this.db.transaction(async (manager) => {
      const lock = this.db.engine === 'sqlite' ? '' : ' FOR UPDATE';
      const [row] = await manager.query<Array<{value: number | string}>>(
        `SELECT value FROM webhook_state WHERE name = ?${lock}`,
        [CURSOR],
      );
      // Another server dispatched these meanwhile: read again from where it left off.
      if (Number(row?.value) !== seen) return {read: BATCH, created: 0};
      const endpoints = await manager.getRepository(Endpoint).findBy({enabled: true});
      const created = await this.deliveries.fanOut(manager, events, endpoints);
      await manager.getRepository(State).update({name: CURSOR}, {value: events.at(-1)!.id!});
      return {read: events.length, created};
    });
  }

  /** The lowest event id still to be read (the cursor + 1; before the cursor exists, what endpoints want). */
  async neededFrom(): Promise<number> {
    const row = await this.db.repository(State).findOneBy({name: CURSOR});
    if (row) return Number(row.value) + 1;
    const oldest = await this.db.repository(Endpoint).minimum('fromEventId');
    return oldest === null || oldest === undefined ? Number.POSITIVE_INFINITY : Number(oldest) + 1;
  }

  /** The cursor; made the first time at the oldest point an endpoint wants (else the store's newest id). */
  private async cursor(store: EventStore): Promise<number> {
    const state = this.db.repository(State);
    const row = await state.findOneBy({name: CURSOR});
    if (row) return Number(row.value);
    const oldest = await this.db.repository(Endpoint).minimum('fromEventId');
    const start = Number(oldest ?? (await store.latestId()));
    await state.insert({name: CURSOR, value: start}).catch(async (error: unknown) => {
      // Another server made it at the same moment.
      if (!(await state.existsBy({name: CURSOR}))) throw error;
    });
    return Number((await state.findOneByOrFail({name: CURSOR})).value);
  }
}

/** The events that follow the cursor without a gap younger than GAP_MS (an older gap was rolled back). */
function usable(events: readonly DomainEvent[], cursor: number, now = Date.now()): DomainEvent[] {
  const ready: DomainEvent[] = [];
  let expected = cursor + 1;
  for (const event of events) {
    if (event.id !== expected && now - Date.parse(event.occurredAt) < GAP_MS) break;
    ready.push(event);
    expected = event.id! + 1;
  }
  return ready;
}
