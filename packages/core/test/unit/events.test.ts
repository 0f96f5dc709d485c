import {expect} from 'chai';
import {InMemoryEventBus} from '../../src/events.js';
import type {DomainEvent} from '../../src/module.js';

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
