import {expect} from 'chai';
import {APP_ROOT, describeEachEngine, ok} from '@systemprompt/testing';
import {cliWith, eventually, processGone, startDetached, startReceiver, type Receiver} from './helpers.js';

describeEachEngine('webhooks on a real server: signed deliveries, retries, 410, kill -9', {root: APP_ROOT}, (t) => {
  let receiver: Receiver;
  let cli: ReturnType<typeof cliWith>;
  let servers: number[];
  const start = async () => {
    const server = await startDetached(cli);
    servers.push(server.pid);
    return server;
  };
  /** webhooks:create for a receiver path; its secret goes to the receiver's verifier. */
  const endpoint = async (path: string, ...events: string[]) => {
    const args = events.flatMap((pattern) => ['--events', pattern]);
    const created = (await ok(t, 'webhooks:create', `${receiver.url}${path}`, ...args, '--json')).json().data;
    expect(created.secret).to.match(/^whsec_[A-Za-z0-9+/]{43}=$/);
    receiver.secrets.push(created.secret as string);
    return created.id as string;
  };
  const deliveriesOf = async (id: string) => (await ok(t, 'webhooks:logs', id, '--json')).json().data as any[];
  const detail = async (delivery: string) =>
    (await ok(t, 'webhooks:logs', '--delivery', delivery, '--json')).json().data;

  beforeEach(async () => {
    receiver = await startReceiver();
    cli = cliWith({...t.env, SYSTEMPROMPT_QUEUE_LEASE_SECONDS: '3'});
    servers = [];
    await ok(t, 'config:set', 'webhooks.allowNetworks', '["127.0.0.1/32"]');
    await ok(t, 'config:set', 'webhooks.retrySchedule', '[1, 1, 1]');
    await ok(t, 'config:set', 'webhooks.dispatchMs', '100');
  });
  afterEach(async () => {
    for (const pid of servers.filter((each) => !processGone(each))) {
      process.kill(pid, 'SIGTERM');
      await eventually(async () => processGone(pid), 15_000, `server ${pid} to stop`).catch(() =>
        process.kill(pid, 'SIGKILL'),
      );
    }
    await receiver.close();
  });

  it('delivers matching events (also those written while no server ran), each verified by standardwebhooks', async function () {
    this.timeout(120_000);
    const users = await endpoint('/users', 'user.*');
    await endpoint('/workflows', 'workflow.run.*');
    // Written before any server runs: the dispatcher's cursor is in the database, so they are not lost.
    await ok(t, 'users:create', '--email', 'a@example.com');
    await start();
    await ok(t, 'users:create', '--email', 'b@example.com');
    await eventually(async () => receiver.on('/users').length >= 2, 30_000, 'two deliveries');
    const bodies = receiver.on('/users').map((each) => JSON.parse(each.body));
    expect(bodies.map((body) => `${body.type} ${body.data.email}`)).to.have.members([
      'user.created a@example.com',
      'user.created b@example.com',
    ]);
    expect(receiver.on('/users').every((each) => each.verifiedBy.length === 1)).to.equal(true);
    expect(new Set(receiver.on('/users').map((each) => each.headers['webhook-id'])).size).to.equal(2);
    expect(receiver.on('/workflows')).to.have.length(0);
    // No secret in any body.
    expect(receiver.received.some((each) => each.body.includes('whsec_'))).to.equal(false);
    await eventually(
      async () => (await deliveriesOf(users)).every((delivery) => delivery.status === 'succeeded'),
      10_000,
      'the log to say succeeded',
    );
    const one = await detail((await deliveriesOf(users))[0].id);
    expect(one.history).to.have.length(1);
    expect(one.history[0]).to.include({attempt: 1, status: 200, responseHead: 'ok'});
    expect(one.history[0].request.headers['webhook-signature']).to.match(/^v1,/);
    await ok(t, 'system:stop');
  });

  it('a flaky receiver: 500 then 200 retried on the schedule; 429 waits its Retry-After; 410 disables the endpoint at once', async function () {
    this.timeout(120_000);
    receiver.answer('/flaky', (count) => (count === 1 ? {status: 500, body: 'boom'} : {}));
    receiver.answer('/busy', (count) => (count === 1 ? {status: 429, headers: {'retry-after': '3'}} : {}));
    receiver.answer('/gone', () => ({status: 410}));
    receiver.answer('/dead', () => ({status: 500}));
    await ok(t, 'config:set', 'webhooks.disableAfterFailures', '2');
    const flaky = await endpoint('/flaky', 'user.created');
    const busy = await endpoint('/busy', 'user.created');
    const gone = await endpoint('/gone', 'user.created');
    const dead = await endpoint('/dead', 'user.created');
    const pager = await endpoint('/pager', 'webhook.disabled');
    await start();
    await ok(t, 'users:create', '--email', 'c@example.com');
    await eventually(
      async () => receiver.on('/flaky').length === 2 && receiver.on('/busy').length === 2,
      60_000,
      'the retries',
    );
    const [flakyDelivery] = await deliveriesOf(flaky);
    await eventually(async () => (await detail(flakyDelivery.id)).status === 'succeeded', 10_000, 'flaky to succeed');
    expect((await detail(flakyDelivery.id)).history.map((each: any) => each.status)).to.deep.equal([500, 200]);
    expect((await detail(flakyDelivery.id)).history[0]).to.include({responseHead: 'boom', error: 'HTTP 500'});
    // Sent again on request, with the same webhook-id.
    expect((await ok(t, 'webhooks:redeliver', flakyDelivery.id, '--json')).json().data.status).to.equal('pending');
    await eventually(async () => receiver.on('/flaky').length === 3, 30_000, 'the redelivery');
    expect(new Set(receiver.on('/flaky').map((each) => each.headers['webhook-id'])).size).to.equal(1);
    await eventually(
      async () => (await detail(flakyDelivery.id)).history.length === 3,
      10_000,
      'the third attempt logged',
    );
    const [first, second] = receiver.on('/busy');
    expect(second!.at - first!.at, 'Retry-After: 3 beats the 1 s schedule').to.be.at.least(2900);
    expect(second!.headers['webhook-id']).to.equal(first!.headers['webhook-id']);
    // 410: one attempt, the endpoint disabled with the reason, and webhook.disabled delivered to the pager.
    await eventually(async () => receiver.on('/pager').length === 2, 30_000, 'two webhook.disabled to be delivered');
    expect(receiver.on('/gone')).to.have.length(1);
    const shown = (await ok(t, 'webhooks:list', '--json')).json().data.find((each: any) => each.id === gone);
    expect(shown).to.include({enabled: false, disabledReason: 'the receiver answered 410 Gone'});
    const reasons = receiver.on('/pager').map((each) => JSON.parse(each.body).data.reason as string);
    expect(reasons).to.have.members(['the receiver answered 410 Gone', '2 failed attempts in a row']);
    // 2 failures in a row disable the always-failing endpoint: its delivery ends failed after 2 attempts.
    expect(receiver.on('/dead')).to.have.length(2);
    expect((await deliveriesOf(dead))[0]).to.include({status: 'failed', attempts: 2, lastStatus: 500});
    expect((await deliveriesOf(gone))[0]).to.include({status: 'failed', attempts: 1, lastStatus: 410});
    expect(busy && pager).to.be.a('string');
    await ok(t, 'system:stop');
  });

  it('kill -9 mid-delivery: after restart every event is delivered at least once, none lost', async function () {
    this.timeout(180_000);
    receiver.answer('/slow', (count) => (count === 1 ? {hold: true} : {}));
    const id = await endpoint('/slow', 'user.created');
    const first = await start();
    await ok(t, 'users:create', '--email', 'held@example.com');
    await eventually(async () => receiver.on('/slow').length === 1, 30_000, 'the first attempt to arrive');
    process.kill(first.pid, 'SIGKILL');
    await eventually(async () => processGone(first.pid), 10_000, 'the killed server to go');
    // Events while no server runs.
    for (const email of ['d1@example.com', 'd2@example.com', 'd3@example.com'])
      await ok(t, 'users:create', '--email', email);
    await start();
    await eventually(
      async () =>
        (await deliveriesOf(id)).length === 4 &&
        (await deliveriesOf(id)).every((delivery) => delivery.status === 'succeeded'),
      90_000,
      'every delivery to succeed after the restart',
    );
    const emails = new Set(receiver.on('/slow').map((each) => JSON.parse(each.body).data.email as string));
    expect([...emails].sort()).to.deep.equal([
      'd1@example.com',
      'd2@example.com',
      'd3@example.com',
      'held@example.com',
    ]);
    const held = receiver.on('/slow').filter((each) => JSON.parse(each.body).data.email === 'held@example.com');
    expect(held.length, 'the interrupted one was sent again').to.equal(2);
    expect(held[0]!.headers['webhook-id']).to.equal(held[1]!.headers['webhook-id']);
    expect(receiver.on('/slow').every((each) => each.verifiedBy.length === 1)).to.equal(true);
    await ok(t, 'system:stop');
  });
});
