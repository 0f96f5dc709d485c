import {join} from 'node:path';
import {expect} from 'chai';
import {Kernel} from '../../../src/kernel/kernel.js';
import type {DomainEvent, ModuleContext} from '../../../src/module.js';
import {MemoryEventStore} from '../helpers/memory-event-store.js';
import {discoverFixtures, resetModules, setHooks, type FixtureModule} from '../helpers/modules.js';
import {makeTempDir, removeTempDir} from '../helpers/temp.js';

describe('Kernel events', () => {
  let directory: string;
  let store: MemoryEventStore;

  beforeEach(async () => {
    directory = await makeTempDir();
    resetModules();
    store = new MemoryEventStore();
    setHooks('database', {
      initialize: (context: ModuleContext) => context.provideCapability('events', store),
    });
  });
  afterEach(async () => {
    resetModules();
    await removeTempDir(directory);
  });

  const modules: FixtureModule[] = [
    {name: 'users', version: '2.1.0', manifest: {dependencies: ['database']}},
    {name: 'database', version: '1.0.0', manifest: {provides: ['events']}},
  ];

  async function kernel(): Promise<{kernel: Kernel; dispatched: DomainEvent[]}> {
    const records = await discoverFixtures(directory, modules);
    const kernel = new Kernel({
      modules: records,
      paths: {
        home: directory,
        config: join(directory, 'config'),
        data: join(directory, 'data'),
        cache: join(directory, 'cache'),
      },
    });
    const dispatched: DomainEvent[] = [];
    kernel.events.on('module.*', (event) => void dispatched.push(event));
    return {kernel, dispatched};
  }

  const summary = (events: DomainEvent[]) => events.map((event) => [event.type, event.subject, event.source]);

  it('records module.started and module.stopped in the store of the module that provides events', async () => {
    const {kernel: booted, dispatched} = await kernel();
    await booted.boot(['users']);
    await booted.start();
    expect(summary(store.visible)).to.deep.equal([
      ['module.started', 'database', 'kernel'],
      ['module.started', 'users', 'kernel'],
    ]);
    expect(store.visible[1]!.payload).to.deep.equal({module: 'users', version: '2.1.0'});
    await booted.restart('users');
    await booted.stop();
    expect(summary(store.visible).slice(2)).to.deep.equal([
      ['module.stopped', 'users', 'kernel'],
      ['module.started', 'users', 'kernel'],
      ['module.stopped', 'users', 'kernel'],
    ]);
    // The store's own module has stopped: its event is dispatched here and not written.
    expect(summary(dispatched)).to.deep.equal([...summary(store.visible), ['module.stopped', 'database', 'kernel']]);
    expect(dispatched.at(-1)).to.not.have.property('id');
  });

  it('records nothing for modules that were booted and stopped without starting (a CLI command)', async () => {
    const {kernel: booted, dispatched} = await kernel();
    await booted.boot(['users']);
    await booted.stop();
    expect(store.visible).to.deep.equal([]);
    expect(dispatched).to.deep.equal([]);
  });

  it('does not fail a start when the event cannot be written', async () => {
    store.append = async () => {
      throw new Error('disk full');
    };
    const {kernel: booted} = await kernel();
    await booted.boot(['users']);
    await booted.start();
    expect(booted.state('users')).to.equal('started');
  });
});
