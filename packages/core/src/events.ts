import type {DomainEvent, EventBus, EventHandler} from './module.js';

/**
 * In-process event bus. Handlers run in registration order; one failing handler is reported to
 * `onError` and does not stop the others.
 */
export class InMemoryEventBus implements EventBus {
  private readonly handlers = new Map<string, Set<EventHandler>>();

  constructor(
    private readonly source = 'system',
    private readonly onError: (error: unknown, event: DomainEvent) => void = () => {},
  ) {}

  /** The same bus, with events stamped as coming from `source`. */
  forSource(source: string): EventBus {
    return {
      emit: (type, payload) => this.publish({type, payload, source, occurredAt: new Date().toISOString()}),
      on: (type, handler) => this.on(type, handler),
    };
  }

  emit<T>(type: string, payload: T): Promise<void> {
    return this.publish({type, payload, source: this.source, occurredAt: new Date().toISOString()});
  }

  on(type: string, handler: EventHandler): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  private async publish(event: DomainEvent): Promise<void> {
    for (const handler of [...(this.handlers.get(event.type) ?? []), ...(this.handlers.get('*') ?? [])]) {
      try {
        await handler(event);
      } catch (error) {
        this.onError(error, event);
      }
    }
  }
}
