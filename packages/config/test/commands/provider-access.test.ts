import {expect} from 'chai';
import {describeEachEngine} from '@systemprompt/testing';
import {startFakeProvider, type FakeProvider} from '../helpers/fake-provider.js';
import {
  APP_ROOT,
  asLocalOperator,
  asUser,
  auditLog,
  expectFailure,
  ok,
  runWithStdin,
  signIn,
  sql,
  TRUST_OFF,
} from '../helpers/access.js';

const KEY = 'sk-approved-123';

// Two providers on loopback: "home" is where the administrator sent the key; "elsewhere" stands for
// an attacker's server. The key must reach "elsewhere" only when someone who may read it, or gives
// it again, points it there.
describeEachEngine('where a stored provider key may be sent', {root: APP_ROOT}, (t) => {
  let home: FakeProvider;
  let elsewhere: FakeProvider;
  const keysSeenBy = (server: FakeProvider) =>
    server.requests.filter((request) => request.headers.authorization === `Bearer ${KEY}`).length;

  beforeEach(async () => {
    home = await startFakeProvider('openai', KEY);
    elsewhere = await startFakeProvider('openai', KEY);
    const added = await runWithStdin(
      t,
      ['config:provider:add', 'p', '--kind', 'openai', '--base-url', `${home.origin}/v1`, '--api-key-stdin'],
      KEY,
    );
    expect(added.exitCode, added.stderr).to.equal(0);
  });
  afterEach(async () => {
    await home.close();
    await elsewhere.close();
  });

  it('refuses an operator (config:write, not config:secrets) pointing the key elsewhere: exit 4, and the key goes only home', async () => {
    const operator = await signIn(t, 'operator');
    const moved = await asUser(t, 'config:provider:update', 'p', '--base-url', `${elsewhere.origin}/v1`, '--json');
    expectFailure(moved, 4, 'PERMISSION_DENIED');
    expect(moved.json().error.details.permission).to.equal('config:secrets');
    // The check comes first: an unknown provider is refused the same way, not "not found".
    expectFailure(
      await asUser(
        t,
        'config:provider:update',
        'nope',
        '--base-url',
        `${elsewhere.origin}/v1`,
        '--api-key-env',
        'OPENAI_API_KEY',
        '--json',
      ),
      4,
      'PERMISSION_DENIED',
    );
    // A key from an environment variable is a credential the operator may not read either.
    expectFailure(
      await asUser(
        t,
        'config:provider:add',
        'q',
        '--kind',
        'openai',
        '--base-url',
        `${elsewhere.origin}/v1`,
        '--api-key-env',
        'OPENAI_API_KEY',
        '--json',
      ),
      4,
      'PERMISSION_DENIED',
    );
    expectFailure(
      await asUser(t, 'config:provider:update', 'p', '--api-key-env', 'OPENAI_API_KEY', '--json'),
      4,
      'PERMISSION_DENIED',
    );

    const tested = await asUser(t, 'config:provider:test', 'p', '--json');
    expect(tested.exitCode, tested.stderr + tested.stdout).to.equal(0);
    expect(keysSeenBy(home)).to.equal(1);
    expect(elsewhere.requests).to.deep.equal([]);
    const denials = (await auditLog(t)).filter((row) => row.result === 'denied' && row.permission === 'config:secrets');
    expect(denials.map((row) => [row.actor, row.action, row.target])).to.deep.include([
      operator,
      'config.provider.update',
      'p',
    ]);
  });

  it('lets the operator point it elsewhere when giving the key again, and then sends it there', async () => {
    await signIn(t, 'operator');
    const moved = await runWithStdin(
      t,
      ['config:provider:update', 'p', '--base-url', `${elsewhere.origin}/v1`, '--api-key-stdin', '--json'],
      KEY,
      TRUST_OFF,
    );
    expect(moved.exitCode, moved.stderr + moved.stdout).to.equal(0);
    expect(moved.json().data).to.include({baseUrl: `${elsewhere.origin}/v1`, apiKey: 'stored'});
    expect((await asUser(t, 'config:provider:test', 'p')).exitCode).to.equal(0);
    expect(keysSeenBy(elsewhere)).to.equal(1);
    expect(keysSeenBy(home)).to.equal(0);
    // Without a key the provider may go anywhere: there is nothing to send.
    expect(
      (await asUser(t, 'config:provider:update', 'p', '--base-url', `${home.origin}/v1`, '--no-api-key')).exitCode,
    ).to.equal(0);
  });

  it('lets a holder of config:secrets move it (the key moves with it), and sends it only where it was approved', async () => {
    // The local administrator holds every permission.
    await ok(t, 'config:provider:update', 'p', '--base-url', `${elsewhere.origin}/v1`);
    await ok(t, 'config:provider:test', 'p');
    expect([keysSeenBy(home), keysSeenBy(elsewhere)]).to.deep.equal([0, 1]);
    // A base URL changed behind the service's back (a raw write to the database) gets no key.
    await sql(t, 'UPDATE config_providers SET base_url = ? WHERE name = ?', `${home.origin}/v1`, 'p');
    const tampered = await asLocalOperator(t, () => t.cli('config:provider:test', 'p', '--json'));
    expectFailure(tampered, 4, 'PROVIDER_URL_NOT_APPROVED');
    expect(home.requests).to.deep.equal([]);
    expect(tampered.stdout).to.not.include(KEY);
    // Each use of the credential is audited, the refused one too (with where it would have gone).
    const uses = (await auditLog(t)).filter((row) => row.action === 'config.provider.test');
    expect(uses.map((row) => [row.result, row.details!.baseUrl, row.details!.code ?? null])).to.deep.equal([
      ['ok', `${elsewhere.origin}/v1`, null],
      ['failed', `${home.origin}/v1`, 'PROVIDER_URL_NOT_APPROVED'],
    ]);
    expect(JSON.stringify(uses)).to.not.include(KEY);
  });
});
