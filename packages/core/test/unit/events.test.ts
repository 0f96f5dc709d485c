import {expect} from 'chai';
import {InMemoryEventBus, KernelEventBus} from '../../src/events.js';
import {defineEvent, type DomainEvent} from '../../src/module.js';
import {caught, rejected} from './helpers/errors.js';
import {MemoryEventStore} from './helpers/memory-event-store.js';

describe('InMemoryEventBus', () => {
  it('delivers an event to the handlers of its type and to "*" handlers, in registration order', async () => {
    const bus = new InMemoryEventBus('users');
    const seen: string[] = [];
    bus.on('*', (event) => void seen.push(`*:${event.type}`));
    bus.on('user.created', (event) => void seen.push(`first:${String((event.payload as {id: string}).id)}`));
    bus.on('user.created', () => void seen.push('second'));
    bus.on('user.deleted', () => void seen.push('deleted'));
    await bus.emit('user.created', {id: 'u1'});
    expect(seen).to.deep.equal(['first:u1', 'second', '*:user.created']);
  });

  it('stamps the event with its source and the time it occurred', async () => {
    const bus = new InMemoryEventBus('users');
    const events: DomainEvent[] = [];
    bus.on('*', (event) => void events.push(event));
    await bus.emit('user.created', 1);
    await bus.forSource('auth').emit('auth.login', 2);
    expect(events.map(({type, payload, source}) => ({type, payload, source}))).to.deep.equal([
      {type: 'user.created', payload: 1, source: 'users'},
      {type: 'auth.login', payload: 2, source: 'auth'},
    ]);
    for (const event of events) expect(new Date(event.occurredAt).toISOString()).to.equal(event.occurredAt);
  });

  it('reports a failing handler to onError and still runs the others', async () => {
    const failures: Array<{error: unknown; type: string}> = [];
    const bus = new InMemoryEventBus('system', (error, event) => failures.push({error, type: event.type}));
    const seen: string[] = [];
    bus.on('job.done', () => {
      throw new Error('handler broke');
    });
    bus.on('job.done', async () => {
      seen.push('ran');
    });
    await bus.emit('job.done', null);
    expect(seen).to.deep.equal(['ran']);
    expect(failures).to.have.length(1);
    expect((failures[0]!.error as Error).message).to.equal('handler broke');
    expect(failures[0]!.type).to.equal('job.done');
  });

  it('stops delivering to a handler after it unsubscribes', async () => {
    const bus = new InMemoryEventBus();
    let count = 0;
    const off = bus.on('tick', () => {
      count += 1;
    });
    await bus.emit('tick', null);
    off();
    await bus.emit('tick', null);
    expect(count).to.equal(1);
  });
});

describe('KernelEventBus', () => {
  const LOCAL = {kind: 'local', id: 'local-admin', label: 'local-admin', via: 'local-trust'} as const;
  const USER_CREATED = defineEvent<{id: string; email: string}>('user.created');

  /** A bus over `store`, recording every event its handlers see and every handler failure. */
  function busOver(store: MemoryEventStore | undefined) {
    const failures: Array<{error: unknown; type: string}> = [];
    const bus = new KernelEventBus(
      () => store,
      (error, event) => failures.push({error, type: event.type}),
    );
    const seen: DomainEvent[] = [];
    bus.on('*', (event) => void seen.push(event));
    return {bus, seen, failures, types: () => seen.map((event) => event.type)};
  }

  describe('patterns', () => {
    it('matches exact types, prefix patterns at any depth and *, most specific first', async () => {
      const {bus} = busOver(undefined);
      const seen: string[] = [];
      bus.on('*', (event) => void seen.push(`*:${event.type}`));
      bus.on('user.*', (event) => void seen.push(`user.*:${event.type}`));
      bus.on('user.role.*', (event) => void seen.push(`user.role.*:${event.type}`));
      bus.on('user.role.changed', (event) => void seen.push(`exact:${event.type}`));
      await bus.emit('user.role.changed', null);
      await bus.emit('user.created', null);
      await bus.emit('users.listed', null);
      expect(seen).to.deep.equal([
        'exact:user.role.changed',
        'user.role.*:user.role.changed',
        'user.*:user.role.changed',
        '*:user.role.changed',
        'user.*:user.created',
        '*:user.created',
        '*:users.listed',
      ]);
    });

    it('takes typed tokens for emit and on', async () => {
      const {bus} = busOver(undefined);
      const emails: string[] = [];
      bus.on(USER_CREATED, (event) => void emails.push(event.payload.email));
      await bus.emit(USER_CREATED, {id: 'u1', email: 'ana@example.com'});
      await bus.forSource('users').emit(USER_CREATED, {id: 'u2', email: 'bo@example.com'});
      expect(emails).to.deep.equal(['ana@example.com', 'bo@example.com']);
      expect(Object.isFrozen(USER_CREATED)).to.equal(true);
    });

    it('refuses a type with a wildcard and a pattern with one inside (EVENT_INVALID, exit 2)', async () => {
      const {bus} = busOver(undefined);
      for (const pattern of ['user.*.created', '*.created', 'user*', '']) {
        const error = caught(() => bus.on(pattern, () => {}));
        expect([error.code, error.exitCode]).to.deep.equal(['EVENT_INVALID', 2]);
      }
      for (const type of ['user.*', '*', 'user created', '']) {
        const error = await rejected(bus.emit(type, null));
        expect([error.code, error.exitCode]).to.deep.equal(['EVENT_INVALID', 2]);
      }
    });

    it('reports a failing handler to onError and still runs the others, with a store too', async () => {
      const store = new MemoryEventStore();
      const {bus, seen, failures} = busOver(store);
      bus.on('job.*', () => {
        throw new Error('handler broke');
      });
      await bus.emit('job.done', null);
      expect(seen.map((event) => event.type)).to.deep.equal(['job.done']);
      expect(failures.map((failure) => [(failure.error as Error).message, failure.type])).to.deep.equal([
        ['handler broke', 'job.done'],
      ]);
    });
  });

  describe('with a store', () => {
    it('writes the event with its source, actor label and subject, and dispatches it with its id', async () => {
      const store = new MemoryEventStore();
      const {bus, seen} = busOver(store);
      await bus.forSource('users').emit(USER_CREATED, {id: 'u1', email: 'a@b.co'}, {actor: LOCAL, subject: 'u1'});
      expect(store.visible).to.have.length(1);
      const stored = store.visible[0]!;
      expect(stored).to.deep.include({
        id: 1,
        type: 'user.created',
        source: 'users',
        actor: 'local-admin',
        subject: 'u1',
        payload: {id: 'u1', email: 'a@b.co'},
      });
      expect(new Date(stored.occurredAt).toISOString()).to.equal(stored.occurredAt);
      expect(seen).to.deep.equal([stored]);
    });

    it('dispatches an event of a transaction only when it commits, once', async () => {
      const store = new MemoryEventStore();
      const {bus, types} = busOver(store);
      const transaction = store.begin();
      await bus.emit('user.created', {id: 'u1'}, {transaction});
      expect(transaction.rows.map((row) => row.type)).to.deep.equal(['user.created']);
      expect(types()).to.deep.equal([]);
      await store.commit(transaction);
      expect(types()).to.deep.equal(['user.created']);
      expect(store.visible.map((row) => row.id)).to.deep.equal([1]);
    });

    it('never dispatches the event of a transaction that rolls back', async () => {
      const store = new MemoryEventStore();
      const {bus, types} = busOver(store);
      const transaction = store.begin();
      await bus.emit('user.created', {id: 'u1'}, {transaction});
      store.rollback(transaction);
      await bus.emit('user.deleted', {id: 'u2'});
      expect(types()).to.deep.equal(['user.deleted']);
      expect(store.visible.map((row) => row.type)).to.deep.equal(['user.deleted']);
    });

    it('dispatches at once when the store does not know the transaction', async () => {
      const store = new MemoryEventStore();
      const {bus, types} = busOver(store);
      await bus.emit('user.created', {id: 'u1'}, {transaction: {}});
      expect(types()).to.deep.equal(['user.created']);
    });

    it('stays in memory without a store: no id, dispatched at once, even with a transaction', async () => {
      const {bus, seen} = busOver(undefined);
      await bus.emit('user.created', {id: 'u1'}, {transaction: {}, subject: 'u1'});
      expect(seen).to.have.length(1);
      expect(seen[0]).to.not.have.property('id');
      expect(seen[0]).to.include({type: 'user.created', subject: 'u1', actor: null});
    });

    it('rejects the emit when the store cannot write it, and dispatches nothing', async () => {
      const store = new MemoryEventStore();
      store.append = async () => {
        throw new Error('disk full');
      };
      const {bus, seen} = busOver(store);
      let error: unknown;
      await bus.emit('user.created', null).catch((caughtError: unknown) => (error = caughtError));
      expect((error as Error).message).to.equal('disk full');
      expect(seen).to.deep.equal([]);
    });
  });

  describe('polling', () => {
    const polling = (bus: KernelEventBus, gapTimeoutMs?: number) => {
      const errors: unknown[] = [];
      // A long interval: the tests read with flush(), except the one that waits for the timer.
      const poller = bus.startPolling({intervalMs: 60_000, onError: (error) => errors.push(error), gapTimeoutMs});
      return {poller, errors};
    };

    it('delivers what other processes write after it started, in id order, once each', async () => {
      const store = new MemoryEventStore();
      await store.write('before.start');
      const {bus, types} = busOver(store);
      const {poller, errors} = polling(bus);
      await poller.flush();
      await store.write('user.created');
      await store.write('user.updated');
      await poller.flush();
      await poller.flush();
      await store.write('user.deleted');
      await poller.flush();
      await poller.stop();
      expect(types()).to.deep.equal(['user.created', 'user.updated', 'user.deleted']);
      expect(errors).to.deep.equal([]);
    });

    it('leaves out the events this process wrote, which were dispatched when written', async () => {
      const store = new MemoryEventStore();
      const {bus, types} = busOver(store);
      const {poller} = polling(bus);
      await poller.flush();
      await bus.emit('own.plain', null);
      const transaction = store.begin();
      await bus.emit('own.in.transaction', null, {transaction});
      await store.write('foreign.one');
      await store.commit(transaction);
      await poller.flush();
      await poller.stop();
      expect(types()).to.deep.equal(['own.plain', 'own.in.transaction', 'foreign.one']);
    });

    it('does not take an event this process is still writing for a foreign one', async () => {
      const store = new MemoryEventStore();
      const {bus, types} = busOver(store);
      const {poller} = polling(bus);
      await poller.flush();
      // The row is readable before append() returns its id, as after a commit on another connection.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const append = store.append.bind(store);
      store.append = async (event, transaction) => {
        const id = await append(event, transaction);
        await gate;
        return id;
      };
      const emitting = bus.emit('own.slow', null);
      const reading = poller.flush();
      await new Promise((resolve) => setImmediate(resolve));
      release();
      await Promise.all([emitting, reading]);
      await poller.stop();
      expect(types()).to.deep.equal(['own.slow']);
    });

    it('delivers an event whose lower id became visible after a higher one (a gap)', async () => {
      const store = new MemoryEventStore();
      const {bus, seen} = busOver(store);
      const {poller} = polling(bus);
      await poller.flush();
      const slow = store.begin();
      await store.append({type: 'slow.commit', payload: {}, source: 'cli', occurredAt: new Date().toISOString()}, slow);
      await store.write('fast.commit');
      await poller.flush();
      expect(seen.map((event) => [event.id, event.type])).to.deep.equal([[2, 'fast.commit']]);
      await store.write('later');
      await store.commit(slow);
      await poller.flush();
      await poller.flush();
      await poller.stop();
      expect(seen.map((event) => [event.id, event.type])).to.deep.equal([
        [2, 'fast.commit'],
        [1, 'slow.commit'],
        [3, 'later'],
      ]);
    });

    it('gives up on a skipped id after gapTimeoutMs (a rollback leaves it unused for good)', async () => {
      const store = new MemoryEventStore();
      const {bus, types} = busOver(store);
      const {poller} = polling(bus, 0);
      await poller.flush();
      const doomed = store.begin();
      await store.append({type: 'never', payload: {}, source: 'cli', occurredAt: new Date().toISOString()}, doomed);
      await store.write('after.gap');
      await poller.flush();
      await poller.flush();
      const calls = store.byIdsCalls;
      expect(calls).to.equal(1);
      await poller.flush();
      expect(store.byIdsCalls).to.equal(calls);
      store.rollback(doomed);
      await poller.stop();
      expect(types()).to.deep.equal(['after.gap']);
    });

    it("delivers another process's event that reused the id of this process's rolled-back one", async () => {
      const store = new MemoryEventStore({reuseRolledBackIds: true});
      const {bus, seen} = busOver(store);
      const {poller} = polling(bus);
      await poller.flush();
      const transaction = store.begin();
      await bus.emit('own.rolled.back', null, {transaction});
      store.rollback(transaction);
      const id = await store.write('foreign.same.id');
      expect(id).to.equal(1);
      await poller.flush();
      await poller.stop();
      expect(seen.map((event) => [event.id, event.type])).to.deep.equal([[1, 'foreign.same.id']]);
    });

    it('reads every interval, reads again at once on poke, and stops reading on stop', async () => {
      const store = new MemoryEventStore();
      const {bus, types} = busOver(store);
      const poller = bus.startPolling({intervalMs: 5, onError: () => {}});
      await poller.flush();
      await store.write('by.timer');
      await until(() => types().length === 1);
      await store.write('by.poke');
      poller.poke();
      await until(() => types().length === 2);
      await poller.stop();
      await store.write('after.stop');
      await poller.flush();
      expect(types()).to.deep.equal(['by.timer', 'by.poke']);
    });

    it('reports a failed read to onError and reads again afterwards', async () => {
      const store = new MemoryEventStore();
      const {bus, types} = busOver(store);
      const {poller, errors} = polling(bus);
      await poller.flush();
      const after = store.after.bind(store);
      store.after = async () => {
        throw new Error('connection lost');
      };
      await store.write('user.created');
      await poller.flush();
      store.after = after;
      await poller.flush();
      await poller.stop();
      expect(errors.map((error) => (error as Error).message)).to.deep.equal(['connection lost']);
      expect(types()).to.deep.equal(['user.created']);
    });

    it('waits for a store: without one it reads nothing, and starts from the newest id once there is one', async () => {
      const attached: {store?: MemoryEventStore} = {};
      const bus = new KernelEventBus(() => attached.store);
      const seen: string[] = [];
      bus.on('*', (event) => void seen.push(event.type));
      const poller = bus.startPolling({intervalMs: 60_000, onError: () => {}});
      await poller.flush();
      const store = (attached.store = new MemoryEventStore());
      await store.write('old');
      await poller.flush();
      await store.write('new');
      await poller.flush();
      await poller.stop();
      expect(seen).to.deep.equal(['new']);
    });
  });
});

/** Waits for `condition` (checked every few ms), failing after 5 s. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await condition())) {
    if (Date.now() > deadline) expect.fail('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
