import {readdirSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {KernelEventBus, LOCAL_ADMIN, silentLogger, type DomainEvent, type EventPolling} from '@systemprompt/core';
import {describeEachEngine} from '@systemprompt/testing';
import {parseDatabaseUrl} from '../../src/connection.js';
import {DatabaseService} from '../../src/services/database-service.js';
import {DatabaseEventStore, EVENTS_TABLE, MAX_EVENT_PAYLOAD_BYTES} from '../../src/services/event-store.js';
import {tableNames} from '../helpers/tables.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const OWN_MIGRATIONS = fileURLToPath(new URL('../../src/own-migrations', import.meta.url));

/** A database process: its service (its own connection or pool), the event store over it and a bus. */
interface Process {
  service: DatabaseService;
  store: DatabaseEventStore;
  bus: KernelEventBus;
  seen: DomainEvent[];
  failures: unknown[];
}

describeEachEngine('DatabaseEventStore', {root}, (t) => {
  const processes: Process[] = [];
  const pollers: EventPolling[] = [];

  function open(): Process {
    const service = new DatabaseService(
      {
        target: parseDatabaseUrl(t.database.url, join(t.home.path, 'events.sqlite')),
        poolSize: 4,
        busyTimeoutMs: 5000,
        connectTimeoutMs: 5000,
        queryTimeoutMs: 5000,
      },
      silentLogger,
    );
    const store = new DatabaseEventStore(service);
    const failures: unknown[] = [];
    const bus = new KernelEventBus(
      () => store,
      (error) => failures.push(error),
    );
    const seen: DomainEvent[] = [];
    bus.on('*', (event) => void seen.push(event));
    const process = {service, store, bus, seen, failures};
    processes.push(process);
    return process;
  }

  function poll(process: Process): EventPolling {
    const poller = process.bus.startPolling({intervalMs: 60_000, onError: (error) => process.failures.push(error)});
    pollers.push(poller);
    return poller;
  }

  afterEach(async () => {
    for (const poller of pollers.splice(0)) await poller.stop();
    for (const {service} of processes.splice(0)) await service.close();
  });

  const rows = async ({service}: Process) =>
    (await service.dataSource()).query<Array<Record<string, unknown>>>(
      `SELECT id, type, source, actor, subject, payload, occurred_at FROM ${EVENTS_TABLE} ORDER BY id`,
    );
  const types = (events: DomainEvent[]) => events.map((event) => event.type);

  it('creates the events table when the DataSource opens, as the database module migration', async () => {
    const {service} = open();
    expect(await tableNames(service)).to.include(EVENTS_TABLE);
    const applied = (await (await service.runner()).applied()).filter((row) => row.module === 'database');
    const files = readdirSync(OWN_MIGRATIONS).map((file) => file.replace(/\.ts$/, ''));
    expect(applied.map((row) => row.name)).to.deep.equal(files.sort());
  });

  it('stores an event emitted in a committed transaction and dispatches it once, after the commit', async () => {
    const process = open();
    const {service, bus, seen} = process;
    const dispatchedInside = await service.transaction(async (manager) => {
      await bus
        .forSource('users')
        .emit('user.created', {id: 'u1', roles: ['viewer']}, {transaction: manager, actor: LOCAL_ADMIN, subject: 'u1'});
      return seen.length;
    });
    expect(dispatchedInside).to.equal(0);
    expect(seen).to.have.length(1);
    const [row] = await rows(process);
    expect(row).to.deep.include({
      type: 'user.created',
      source: 'users',
      actor: 'local-admin',
      subject: 'u1',
      payload: '{"id":"u1","roles":["viewer"]}',
    });
    expect(seen[0]).to.deep.equal({
      id: Number(row!.id),
      type: 'user.created',
      payload: {id: 'u1', roles: ['viewer']},
      source: 'users',
      actor: 'local-admin',
      subject: 'u1',
      occurredAt: row!.occurred_at,
    });
  });

  it('neither stores nor dispatches an event of a transaction that rolls back', async () => {
    const process = open();
    const failure = await process.service
      .transaction(async (manager) => {
        await process.bus.emit('user.created', {id: 'u1'}, {transaction: manager});
        throw new Error('the change failed');
      })
      .catch((error: unknown) => error as Error);
    expect(failure.message).to.equal('the change failed');
    await process.bus.emit('user.deleted', {id: 'u2'});
    expect(types(process.seen)).to.deep.equal(['user.deleted']);
    expect((await rows(process)).map((row) => row.type)).to.deep.equal(['user.deleted']);
  });

  it('runs the handlers of a nested transaction on the same connection only when the outer one commits', async function () {
    if (t.engine !== 'sqlite') this.skip(); // on MySQL a nested transaction takes a connection of its own
    const process = open();
    const {service, bus, seen} = process;
    await service.transaction(async (outer) => {
      await service.transaction(async (inner) => {
        await bus.emit('inner.kept', null, {transaction: inner});
      });
      await service
        .transaction(async (inner) => {
          await bus.emit('inner.rolled.back', null, {transaction: inner});
          throw new Error('savepoint rolled back');
        })
        .catch(() => undefined);
      expect(seen).to.deep.equal([]);
      await bus.emit('outer', null, {transaction: outer});
    });
    expect(types(seen)).to.deep.equal(['inner.kept', 'outer']);
    expect((await rows(process)).map((row) => row.type)).to.deep.equal(['inner.kept', 'outer']);
  });

  it('refuses a payload over 64 KiB (EVENT_TOO_LARGE, exit 2), and the change of its transaction with it', async () => {
    const process = open();
    const large = 'x'.repeat(MAX_EVENT_PAYLOAD_BYTES);
    const error = await process.service
      .transaction(async (manager) => {
        await process.bus.emit('user.created', {id: 'u1'}, {transaction: manager});
        await process.bus.emit('blob.saved', large, {transaction: manager});
      })
      .catch((caught: unknown) => caught as {code: string; exitCode: number});
    expect([error.code, error.exitCode]).to.deep.equal(['EVENT_TOO_LARGE', 2]);
    // Just at the limit it is kept (the JSON string adds its two quotes).
    await process.bus.emit('blob.saved', large.slice(2));
    expect((await rows(process)).map((row) => row.type)).to.deep.equal(['blob.saved']);
    expect(types(process.seen)).to.deep.equal(['blob.saved']);
  });

  it('delivers to a poller the events another connection writes, exactly once, and not its own', async () => {
    const server = open();
    const cli = open();
    const poller = poll(server);
    await poller.flush();
    await server.bus.emit('server.own', null);
    await cli.bus.forSource('users').emit('user.created', {id: 'u1'});
    await cli.service.transaction(async (manager) => {
      await cli.bus.emit('user.updated', {id: 'u1'}, {transaction: manager, subject: 'u1'});
      await cli.bus.emit('role.changed', {role: 'viewer'}, {transaction: manager});
    });
    await poller.flush();
    await poller.flush();
    await cli.bus.emit('user.deleted', {id: 'u1'});
    await poller.flush();
    expect(server.seen.map((event) => [event.type, event.source])).to.deep.equal([
      ['server.own', 'system'],
      ['user.created', 'users'],
      ['user.updated', 'system'],
      ['role.changed', 'system'],
      ['user.deleted', 'system'],
    ]);
    expect(server.seen.map((event) => event.id)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(server.seen[2]).to.include({subject: 'u1'});
    expect(server.failures).to.deep.equal([]);
  });

  it('delivers an event whose transaction took a lower id but committed after a higher one (a gap)', async function () {
    if (t.engine !== 'mysql') this.skip(); // SQLite has one writer at a time: ids become visible in order
    const server = open();
    const cli = open();
    const poller = poll(server);
    await poller.flush();
    let written!: () => void;
    const holdsId = new Promise<void>((resolve) => (written = resolve));
    let commit!: () => void;
    const mayCommit = new Promise<void>((resolve) => (commit = resolve));
    const slow = cli.service.transaction(async (manager) => {
      await cli.bus.emit('slow.commit', null, {transaction: manager});
      written();
      await mayCommit;
    });
    await holdsId;
    await cli.bus.emit('fast.commit', null);
    await poller.flush();
    expect(server.seen.map((event) => [event.id, event.type])).to.deep.equal([[2, 'fast.commit']]);
    commit();
    await slow;
    await poller.flush();
    await poller.flush();
    expect(server.seen.map((event) => [event.id, event.type])).to.deep.equal([
      [2, 'fast.commit'],
      [1, 'slow.commit'],
    ]);
    expect(types(cli.seen)).to.deep.equal(['fast.commit', 'slow.commit']);
  });

  it('reads by id, lists by type pattern, time, subject and position, and prunes what is older', async () => {
    const {bus, store} = open();
    await bus.emit('user.created', null, {subject: 'u1'});
    await bus.emit('user.role.changed', null, {subject: 'u1'});
    await bus.emit('users_x.created', null);
    await bus.emit('auth.login', null, {subject: 'u2'});
    const listed = async (query: Parameters<DatabaseEventStore['list']>[0]) => types(await store.list(query));
    expect(await store.latestId()).to.equal(4);
    expect(types(await store.after(1, 2))).to.deep.equal(['user.role.changed', 'users_x.created']);
    expect(types(await store.byIds([4, 1, 99]))).to.deep.equal(['user.created', 'auth.login']);
    expect(await listed({types: ['user.*'], limit: 10})).to.deep.equal(['user.created', 'user.role.changed']);
    // `_` is a character of the prefix, not LIKE's wildcard.
    expect(await listed({types: ['user_.*'], limit: 10})).to.deep.equal([]);
    expect(await listed({types: ['auth.login', 'user.role.*'], limit: 10})).to.deep.equal([
      'user.role.changed',
      'auth.login',
    ]);
    expect(await listed({types: ['*'], limit: 2, order: 'desc'})).to.deep.equal(['auth.login', 'users_x.created']);
    expect(await listed({subject: 'u1', afterId: 1, limit: 10})).to.deep.equal(['user.role.changed']);
    expect(await listed({since: new Date(Date.now() + 60_000), limit: 10})).to.deep.equal([]);
    expect(await store.prune(new Date(Date.now() - 60_000))).to.equal(0);
    expect(await store.prune(new Date(Date.now() + 60_000))).to.equal(4);
    expect(await store.latestId()).to.equal(0);
  });
});
