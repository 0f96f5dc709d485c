import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {expect} from 'chai';
import {APP_ROOT, TRUST_OFF, describeEachEngine, expectFailure, ok, sql} from '@systemprompt/testing';
import {
  cliWith,
  eventually,
  get,
  hasIpv6Loopback,
  processGone,
  routesOfTree,
  startDetached,
  type StartedServer,
} from './helpers.js';

// Commands run in this process with the app as the root; the server and system:* run as the real CLI.
describeEachEngine('network on a real server: firewall, routes, TLS', {root: APP_ROOT}, (t) => {
  let servers: number[];
  const start = async (env: Record<string, string> = {}, ...args: string[]): Promise<StartedServer> => {
    const cli = cliWith({...t.env, ...env});
    const server = args.length
      ? (JSON.parse((await cli('system:start', '--detach', '--port', '0', '--json', ...args)).stdout)
          .data as StartedServer)
      : await startDetached(cli);
    servers.push(server.pid);
    return server;
  };
  const stop = async (pid: number) => {
    if (processGone(pid)) return;
    process.kill(pid, 'SIGTERM');
    await eventually(async () => processGone(pid), 15_000, `server ${pid} to stop`).catch(() =>
      process.kill(pid, 'SIGKILL'),
    );
  };
  const status = async (url: string, localAddress?: string) =>
    (await get(url, localAddress ? {localAddress} : {})).status;

  beforeEach(async () => {
    servers = [];
  });
  afterEach(async () => {
    for (const pid of servers) await stop(pid);
  });

  it('a deny rule refuses 127.0.0.2 (403, audited) and lets 127.0.0.1 through; rules reload without a restart', async function () {
    this.timeout(120_000);
    const server = await start();
    const health = `${server.url}/health`;
    expect([await status(health), await status(health, '127.0.0.2')]).to.deep.equal([200, 200]);

    const denied = (await ok(t, 'network:firewall:deny', '127.0.0.2', '--comment', 'test', '--json')).json().data;
    expect(denied).to.include({change: 'added', position: 1, action: 'deny', cidr: '127.0.0.2/32', comment: 'test'});
    await eventually(async () => (await status(health, '127.0.0.2')) === 403, 10_000, '127.0.0.2 to be refused');
    const refusal = await get(health, {localAddress: '127.0.0.2'});
    expect(JSON.parse(refusal.body).error).to.include({code: 'NETWORK_FIREWALL_DENIED'});
    expect(await status(health)).to.equal(200);
    // X-Forwarded-For is not believed from an untrusted peer (network.trustedProxies is empty).
    expect((await get(health, {headers: {'x-forwarded-for': '127.0.0.2'}})).status).to.equal(200);
    // Refused before authentication: a route that needs a credential answers 403, not 401.
    expect(await status(`${server.url}/metrics`, '127.0.0.2')).to.equal(403);
    const audited = await sql(
      t,
      'SELECT actor, target, result FROM users_audit WHERE action = ? ORDER BY id',
      'network.firewall.refused',
    );
    expect(audited[0]).to.deep.equal({actor: '127.0.0.2', target: 'GET /health', result: 'denied'});

    const check = (await ok(t, 'network:firewall', '--check', '127.0.0.2', '--json')).json().data;
    expect(check).to.deep.include({
      allowed: false,
      address: '127.0.0.2',
      rule: {id: denied.id, position: 1, action: 'deny', cidr: '127.0.0.2/32'},
    });

    // First match wins: an allow put before the deny lets 127.0.0.2 through again.
    await ok(t, 'network:firewall:allow', '127.0.0.2/32', '--position', '1');
    await eventually(async () => (await status(health, '127.0.0.2')) === 200, 10_000, '127.0.0.2 to be allowed');
    const rules = (await ok(t, 'network:firewall', '--json')).json();
    expect(
      rules.data.map((rule: {position: number; action: string}) => `${rule.position} ${rule.action}`),
    ).to.deep.equal(['1 allow', '2 deny']);
    expect(rules.meta).to.include({default: 'allow', total: 2});

    // Shutting out loopback is refused unless forced.
    expectFailure(await t.cli('network:firewall:deny', '127.0.0.0/8', '--json'), 2, 'NETWORK_FIREWALL_LOCKOUT');
    await ok(t, 'network:firewall:remove', '1', '--confirm');
    await eventually(async () => (await status(health, '127.0.0.2')) === 403, 10_000, '127.0.0.2 to be refused again');
    const server2 = (await ok(t, 'network:status', '--json')).json().data;
    expect(server2.firewall).to.include({rules: 1, loadedByServer: 1, default: 'allow'});
    expect(server2.listeners).to.deep.include({
      role: 'main',
      protocol: 'http',
      address: '127.0.0.1',
      family: 'IPv4',
      port: server.port,
    });
  });

  it('a rule on ::1 refuses requests from ::1 (when this machine has it)', async function () {
    if (!hasIpv6Loopback()) this.skip();
    this.timeout(120_000);
    const server = await start({}, '--host', '::1');
    expect(server.url).to.match(/^http:\/\/\[::1\]:\d+$/);
    expect(await status(`${server.url}/health`)).to.equal(200);
    const locked = (await ok(t, 'network:firewall:deny', '::1', '--force', '--json')).json();
    expect(locked.data.lockedOut).to.deep.equal(['::1']);
    await eventually(async () => (await status(`${server.url}/health`)) === 403, 10_000, '::1 to be refused');
    await ok(t, 'network:firewall:allow', '::1/128', '--position', '1');
    await eventually(async () => (await status(`${server.url}/health`)) === 200, 10_000, '::1 to be allowed');
  });

  it('network:routes lists exactly the routes fastify serves (its own printRoutes tree)', async function () {
    this.timeout(120_000);
    expectFailure(await t.cli('network:routes', '--json'), 6, 'NETWORK_SERVER_NOT_RUNNING');
    const server = await start();
    const listed = (await ok(t, 'network:routes', '--json')).json().data as Array<Record<string, string>>;
    const token = readFileSync(join(t.home.path, 'data', 'server.token'), 'utf8').trim();
    const fromServer = JSON.parse(
      (await get(`${server.url}/api/network/routes`, {headers: {authorization: `Bearer ${token}`}})).body,
    );
    const table = listed.map((route) => `${route.method} ${route.url}`);
    expect(new Set(table).size).to.equal(table.length);
    expect([...table].sort()).to.deep.equal(routesOfTree(fromServer.tree).sort());
    expect(listed).to.deep.include({
      method: 'GET',
      url: '/api/network/routes',
      module: 'network',
      permission: 'network:read',
      summary: 'Every route this server registered with fastify: method, path, module, permission.',
    });
    expect(listed.find((route) => route.url === '/metrics')).to.include({module: 'system', permission: 'system:read'});
    expect(listed.find((route) => route.url === '/health')).to.include({permission: 'public'});
    // Every listed GET without parameters is served (not the not-found handler), and nothing else is.
    for (const route of listed.filter((each) => each.method === 'GET' && !each.url.includes(':'))) {
      const answer = await get(`${server.url}${route.url}`);
      expect(answer.body, route.url).not.to.include('ROUTE_NOT_FOUND');
    }
    expect((await get(`${server.url}/api/network/nothing`)).body).to.include('ROUTE_NOT_FOUND');
  });

  it('serves HTTPS with a generated CA, verified by a client that trusts it; an expiring certificate shows in network:status and system:health', async function () {
    this.timeout(180_000);
    const generated = (await ok(t, 'network:ssl:generate', '--days', '5', '--json')).json().data;
    expect(generated.certificate.names).to.deep.equal(['localhost', '127.0.0.1', '::1']);
    expect(generated.newCa).to.equal(true);
    const caFile: string = generated.caFile;
    const ca = readFileSync(caFile, 'utf8');
    const keyMode = (await import('node:fs')).statSync(join(caFile, '..', 'server.key')).mode & 0o777;
    expect(keyMode).to.equal(0o600);

    // Without a server: the certificate is known, and expiring within network.expiryWarningDays (30).
    const offline = (await ok(t, 'network:status', '--json')).json();
    expect(offline.data.server.running).to.equal(false);
    expect(offline.data.tls).to.include({state: 'expiring', https: true, source: 'generated'});
    expect(offline.warnings[0]).to.match(/expires on .* \(in 4 days/);
    const healthRun = await cliWith(t.env)('system:health', '--json');
    expect(healthRun.exitCode, healthRun.stderr).to.equal(0);
    const health = JSON.parse(healthRun.stdout).data as Array<{name: string; message: string; healthy: boolean}>;
    expect(health.find((check) => check.name === 'network'))
      .to.deep.include({healthy: true})
      .and.to.have.property('message')
      .that.matches(/expires on/);

    // The server: HTTPS on its port, plain HTTP redirected from a second one. The CLI of this
    // installation (system:start waiting for /health, system:health) trusts the CA the server names
    // in its state file, with nothing set in its environment.
    const server = await start({SYSTEMPROMPT_NETWORK_PLAIN_HTTP: 'redirect'});
    expect(server.url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
    const secure = await get(`${server.url}/health`, {ca});
    expect(secure).to.include({status: 200, authorized: true});
    const viaName = await get(`https://localhost:${server.port}/health`, {ca});
    expect(viaName.status).to.equal(200);
    let untrusted: unknown;
    await get(`${server.url}/health`).catch((error: unknown) => (untrusted = error));
    expect((untrusted as NodeJS.ErrnoException).code).to.match(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    let plain: unknown;
    await get(`http://127.0.0.1:${server.port}/health`).catch((error: unknown) => (plain = error));
    expect(plain, 'plain HTTP on the HTTPS port').to.be.instanceOf(Error);

    const online = (await ok(t, 'network:status', '--json')).json().data;
    const redirect = online.listeners.find((listener: {role: string}) => listener.role === 'redirect');
    expect(online.listeners.find((listener: {role: string}) => listener.role === 'main')).to.include({
      protocol: 'https',
      port: server.port,
    });
    expect(redirect).to.include({protocol: 'http', address: '127.0.0.1'});
    const moved = await get(`http://127.0.0.1:${redirect.port}/health?x=1`);
    expect(moved.status).to.equal(308);
    expect(moved.headers.location).to.equal(`https://127.0.0.1:${server.port}/health?x=1`);
    expect(online.tls.state).to.equal('expiring');
    const servedHealth = await cliWith(t.env)('system:health', '--json');
    expect(servedHealth.exitCode, servedHealth.stdout + servedHealth.stderr).to.equal(0);
    expect(
      (JSON.parse(servedHealth.stdout).data as Array<{name: string; healthy: boolean}>).find(
        (check) => check.name === 'server',
      ),
    ).to.include({healthy: true});

    const tested = (await ok(t, 'network:test', `${server.url}/health`, '--ca', caFile, '--json')).json().data;
    expect(tested.phases.map((phase: {phase: string; ok: boolean}) => `${phase.phase} ${phase.ok}`)).to.deep.equal([
      'dns true',
      'tcp true',
      'tls true',
      'http true',
    ]);
    expect(tested.tls.chain).to.have.length(2);
    expect(tested.http.status).to.equal(200);

    // Renewed while it runs: new connections get the new certificate, no restart.
    const before = secure.validTo;
    await ok(t, 'network:ssl:renew', '--days', '60');
    await eventually(
      async () => (await get(`${server.url}/health`, {ca})).validTo !== before,
      10_000,
      'the renewed certificate to be served',
    );
    const renewed = (await ok(t, 'network:ssl', '--json')).json();
    expect(renewed.data).to.include({state: 'ok'});
    expect(renewed.warnings ?? []).to.deep.equal([]);
  });

  it('refuses bad input (exit 2), unknown rules (3), callers without network:write (4), and a failing phase of network:test (6)', async function () {
    this.timeout(120_000);
    expectFailure(await t.cli('network:firewall:deny', '10.0.0.0/33', '--json'), 2, 'NETWORK_CIDR_INVALID');
    expectFailure(await t.cli('network:firewall:allow', 'localhost', '--json'), 2, 'NETWORK_CIDR_INVALID');
    expectFailure(
      await t.cli('network:firewall:deny', '10.0.0.0/8', '--position', '3', '--json'),
      2,
      'NETWORK_RULE_INVALID',
    );
    expectFailure(await t.cli('network:firewall:remove', '7', '--confirm', '--json'), 3, 'NETWORK_RULE_NOT_FOUND');
    expectFailure(await t.cli('network:ssl:renew', '--json'), 3, 'NETWORK_TLS_NOT_FOUND');
    expectFailure(
      await t.cli('network:ssl:import', '/nonexistent.crt', '/nonexistent.key', '--json'),
      2,
      'NETWORK_TLS_INVALID',
    );
    expectFailure(await t.cli('network:test', 'ftp://127.0.0.1/', '--json'), 2, 'NETWORK_TARGET_INVALID');
    // A key that does not belong to the certificate is refused; the right pair is installed as imported.
    const made = (await ok(t, 'network:ssl:generate', '--name', 'localhost', '--json')).json().data;
    const directory = join(made.caFile as string, '..');
    expectFailure(
      await t.cli('network:ssl:import', join(directory, 'server.crt'), join(directory, 'ca.key'), '--json'),
      2,
      'NETWORK_TLS_INVALID',
      'does not belong',
    );
    const imported = (
      await ok(t, 'network:ssl:import', join(directory, 'server.crt'), join(directory, 'server.key'), '--json')
    ).json().data;
    expect(imported).to.include({action: 'imported', caFile: null});
    expect((await ok(t, 'network:ssl', '--json')).json().data).to.include({source: 'imported', state: 'ok'});
    expectFailure(await t.cli('network:ssl:renew', '--json'), 2, 'NETWORK_TLS_NOT_RENEWABLE');

    const dry = (await ok(t, 'network:firewall:deny', '10.0.0.0/8', '--dry-run', '--json')).json();
    expect(dry.meta).to.include({dryRun: true});
    expect((await ok(t, 'network:firewall', '--json')).json().data).to.deep.equal([]);

    // Nobody signed in and local trust off (the real CLI, whose auth module says who runs a command).
    const anonymous = await cliWith({...t.env, ...TRUST_OFF})('network:firewall:deny', '10.0.0.0/8');
    expect(anonymous.exitCode, anonymous.stdout + anonymous.stderr).to.equal(4);
    expect(anonymous.stderr.trim().split('\n')[0]).to.match(/network:write/);
    expect(anonymous.stderr).not.to.match(/\n\s+at /);
    const anonymousRead = await cliWith({...t.env, ...TRUST_OFF})('network:firewall', '--json');
    expect(anonymousRead.exitCode).to.equal(4);

    // Port 1 on loopback: nothing listens, the TCP phase fails.
    const refused = await t.cli('network:test', '127.0.0.1:1', '--json');
    expect(refused.exitCode).to.equal(6);
    const result = JSON.parse(refused.stdout);
    expect(result.data.failure).to.equal('tcp: ECONNREFUSED');
    expect(result.warnings).to.deep.equal(['network:test 127.0.0.1:1 failed at tcp: ECONNREFUSED']);
  });
});

describeEachEngine('network rules in the database', {root: APP_ROOT}, (t) => {
  it('six rules added at position 1 at once, by six processes, end at positions 1 to 6', async function () {
    this.timeout(60_000);
    await ok(t, 'network:firewall');
    const cli = cliWith(t.env);
    const runs = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) => cli('network:firewall:deny', `192.0.2.${n}`, '--position', '1', '--json')),
    );
    for (const run of runs) expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    const rules = (await ok(t, 'network:firewall', '--json')).json().data as Array<{position: number; cidr: string}>;
    expect(rules.map((rule) => rule.position)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(rules.map((rule) => rule.cidr)).to.have.members([1, 2, 3, 4, 5, 6].map((n) => `192.0.2.${n}/32`));
    // Two removals of the same rule at once: one removes it, the other finds it gone (exit 3).
    const removals = await Promise.all(
      [1, 2].map(() => cli('network:firewall:remove', '192.0.2.3', '--confirm', '--json')),
    );
    expect(removals.map((run) => run.exitCode).sort()).to.deep.equal([0, 3]);
    expect(((await ok(t, 'network:firewall', '--json')).json().data as unknown[]).length).to.equal(5);
  });

  it('migrate, roll back and migrate again leave a working rule table', async function () {
    this.timeout(60_000);
    await ok(t, 'network:firewall:deny', '192.0.2.0/24');
    await ok(t, 'database:rollback', '--module', 'network', '--confirm');
    await ok(t, 'database:migrate', '--module', 'network');
    expect((await ok(t, 'network:firewall', '--json')).json().data).to.deep.equal([]);
    await ok(t, 'network:firewall:deny', '2001:db8::/32');
    expect((await ok(t, 'network:firewall', '--json')).json().data[0]).to.include({position: 1, cidr: '2001:db8::/32'});
  });
});
