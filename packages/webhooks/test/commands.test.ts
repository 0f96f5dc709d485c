import {expect} from 'chai';
import {APP_ROOT, TRUST_OFF, appCli, describeEachEngine, expectFailure, ok} from '@systemprompt/testing';
import {startReceiver, type Receiver} from './helpers.js';

describeEachEngine('webhooks:* commands', {root: APP_ROOT}, (t) => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());

  it('refuses metadata, private and loopback addresses without the allow-list; bad input is exit 2', async () => {
    expectFailure(
      await t.cli('webhooks:create', 'http://169.254.169.254/latest', '--events', '*', '--json'),
      4,
      'WEBHOOK_ADDRESS_REFUSED',
    );
    expectFailure(
      await t.cli('webhooks:create', 'http://10.0.0.1/hook', '--events', '*', '--json'),
      4,
      'WEBHOOK_ADDRESS_REFUSED',
    );
    expectFailure(
      await t.cli('webhooks:create', `${receiver.url}/x`, '--events', '*', '--json'),
      4,
      'WEBHOOK_ADDRESS_REFUSED',
    );
    expectFailure(
      await t.cli('webhooks:create', 'ftp://127.0.0.1/x', '--events', '*', '--json'),
      2,
      'WEBHOOK_URL_INVALID',
    );
    expectFailure(
      await t.cli('webhooks:create', 'http://u:p@127.0.0.1/x', '--events', '*', '--json'),
      2,
      'WEBHOOK_URL_INVALID',
    );
    expectFailure(
      await t.cli('webhooks:create', 'http://127.0.0.1/x', '--events', 'not valid', '--json'),
      2,
      'WEBHOOK_EVENTS_INVALID',
    );
    expectFailure(await t.cli('config:set', 'webhooks.allowNetworks', '["nonsense"]', '--json'), 2, 'CONFIG_INVALID');
    expect((await ok(t, 'webhooks:list', '--json')).json().data).to.have.length(0);
  });

  it('test, rotate-secret (both signatures during the overlap), update, delete; a viewer may only read', async () => {
    await ok(t, 'config:set', 'webhooks.allowNetworks', '["127.0.0.0/8"]');
    const created = (await ok(t, 'webhooks:create', `${receiver.url}/hook`, '--events', 'user.*', '--json')).json()
      .data;
    receiver.secrets.push(created.secret);
    const tested = (await ok(t, 'webhooks:test', created.id, '--json')).json().data;
    expect(tested).to.include({status: 'succeeded', eventType: 'webhook.test'});
    expect(receiver.received[0]!.verifiedBy).to.deep.equal([created.secret]);

    const rotated = (await ok(t, 'webhooks:rotate-secret', created.id, '--json')).json().data;
    expect(rotated.secret).to.not.equal(created.secret);
    expect(rotated.previousSecretUntil).to.be.a('string');
    receiver.secrets.push(rotated.secret);
    await ok(t, 'webhooks:test', created.id);
    expect(receiver.received[1]!.verifiedBy, 'old and new secret both verify').to.have.members([
      created.secret,
      rotated.secret,
    ]);
    expect(String(receiver.received[1]!.headers['webhook-signature']).split(' ')).to.have.length(2);
    await ok(t, 'webhooks:rotate-secret', created.id, '--overlap-hours', '0');

    receiver.answer('/down', () => ({status: 503}));
    const down = (await ok(t, 'webhooks:create', `${receiver.url}/down`, '--events', '*', '--json')).json().data;
    const failed = await t.cli('webhooks:test', down.id, '--json');
    expect(failed.exitCode).to.equal(1);
    expect(JSON.parse(failed.stdout).data).to.include({status: 'failed', lastStatus: 503});

    const updated = (await ok(t, 'webhooks:update', created.id, '--events', 'agent.*', '--disable', '--json')).json()
      .data;
    expect(updated.changed).to.have.members(['events', 'enabled']);
    expect(updated).to.include({enabled: false, disabledReason: 'disabled by local-admin'});

    await ok(t, 'users:create', '--email', 'viewer@example.com', '--role', 'viewer');
    const key = (
      await ok(t, 'api:keys:create', '--user', 'viewer@example.com', '--name', 'v', '--scope', '*:read', '--json')
    ).json().data.key;
    const viewer = (...args: string[]) => appCli(t, {...TRUST_OFF, SYSTEMPROMPT_API_KEY: key}, ...args, '--json');
    expect((await viewer('webhooks:list')).exitCode).to.equal(0);
    expectFailure(await viewer('webhooks:create', `${receiver.url}/v`, '--events', '*'), 4, 'PERMISSION_DENIED');
    expectFailure(await viewer('webhooks:test', created.id), 4, 'PERMISSION_DENIED');
    expectFailure(await viewer('webhooks:rotate-secret', created.id), 4, 'PERMISSION_DENIED');
    // The list never shows a secret.
    expect((await ok(t, 'webhooks:list', '--json')).stdout).to.not.contain('whsec_');

    const deleted = (await ok(t, 'webhooks:delete', created.id, '--confirm', '--json')).json().data;
    expect(deleted).to.include({deleted: true});
    expectFailure(await t.cli('webhooks:logs', '--delivery', tested.id, '--json'), 3, 'DELIVERY_NOT_FOUND');
    expectFailure(await t.cli('webhooks:redeliver', 'nope', '--json'), 3, 'DELIVERY_NOT_FOUND');
  });
});
