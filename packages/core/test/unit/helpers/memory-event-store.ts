import type {EventQuery, EventStore} from '../../../src/events.js';
import type {DomainEvent} from '../../../src/module.js';

/** A transaction of MemoryEventStore: its rows are seen by readers only once it commits. */
export class MemoryTransaction {
  readonly rows: DomainEvent[] = [];
  readonly callbacks: Array<() => void | Promise<void>> = [];
  open = true;
}

/**
 * An event store in memory that behaves as the database one does where the bus can tell: ids are
 * taken at append, rows written in a transaction are seen only after it commits (so a lower id can
 * appear after a higher one, as on MySQL), and after-commit callbacks run at commit, never on rollback.
 */
export class MemoryEventStore implements EventStore {
  readonly visible: DomainEvent[] = [];
  byIdsCalls = 0;
  private nextId = 1;

  /** With `reuseRolledBackIds`, a rolled-back transaction gives its ids back, as SQLite does. */
  constructor(private readonly options: {reuseRolledBackIds?: boolean} = {}) {}

  begin(): MemoryTransaction {
    return new MemoryTransaction();
  }

  async commit(transaction: MemoryTransaction): Promise<void> {
    transaction.open = false;
    this.visible.push(...transaction.rows);
    for (const callback of transaction.callbacks) await callback();
  }

  rollback(transaction: MemoryTransaction): void {
    transaction.open = false;
    if (this.options.reuseRolledBackIds && transaction.rows.length > 0)
      this.nextId = Math.min(...transaction.rows.map((row) => row.id!));
  }

  /** Writes an event as another process would, outside any bus of the test. */
  async write(type: string, source = 'elsewhere'): Promise<number> {
    return this.append({type, payload: {}, source, actor: null, subject: null, occurredAt: new Date().toISOString()});
  }

  async append(event: Omit<DomainEvent, 'id'>, transaction?: unknown): Promise<number> {
    const row: DomainEvent = {id: this.nextId++, ...event};
    if (transaction instanceof MemoryTransaction) transaction.rows.push(row);
    else this.visible.push(row);
    return row.id!;
  }

  afterCommit(transaction: unknown, callback: () => void | Promise<void>): boolean {
    if (!(transaction instanceof MemoryTransaction) || !transaction.open) return false;
    transaction.callbacks.push(callback);
    return true;
  }

  private sorted(): DomainEvent[] {
    return [...this.visible].sort((a, b) => a.id! - b.id!);
  }

  async after(id: number, limit: number): Promise<DomainEvent[]> {
    return this.sorted()
      .filter((event) => event.id! > id)
      .slice(0, limit);
  }

  async byIds(ids: readonly number[]): Promise<DomainEvent[]> {
    this.byIdsCalls += 1;
    return this.sorted().filter((event) => ids.includes(event.id!));
  }

  async latestId(): Promise<number> {
    return Math.max(0, ...this.visible.map((event) => event.id!));
  }

  async list(query: EventQuery): Promise<DomainEvent[]> {
    const events = this.sorted().filter((event) => event.id! > (query.afterId ?? 0));
    return (query.order === 'desc' ? events.reverse() : events).slice(0, query.limit);
  }

  hold(): void {}

  async prune(before: Date): Promise<number> {
    const kept = this.visible.filter((event) => event.occurredAt >= before.toISOString());
    const removed = this.visible.length - kept.length;
    this.visible.splice(0, this.visible.length, ...kept);
    return removed;
  }
}
