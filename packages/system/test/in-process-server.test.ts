import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {expect} from 'chai';
import {LOCAL_ADMIN, readServerState, silentLogger} from '@systemprompt/core';
import {createCliKernel} from '@systemprompt/core/kernel';
import {createTempHome, type TempHome} from '@systemprompt/testing';
import {createServerMetrics, serve} from '../src/server/run-server.js';
import {sampleValue, scrape, serverToken} from './helpers/server.js';
import {modulesOf, startInProcess as startServer} from './helpers/in-process.js';

describe('the server, in process [sqlite]', function () {
  this.timeout(60_000);
  let home: TempHome;
  beforeEach(async () => (home = await createTempHome()));
  afterEach(async () => home.remove());

  it('serves /health, /ready and /metrics on a free loopback port, and leaves no state file after stopping', async () => {
    const server = await startServer(home.path);
    expect(server.state.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(readServerState(server.paths.data)).to.include({pid: process.pid, state: 'ready', port: server.state.port});

    const health = await fetch(`${server.state.url}/health`);
    expect(health.status).to.equal(200);
    expect(await health.json()).to.deep.equal({status: 'ok'});
    const ready = await fetch(`${server.state.url}/ready`);
    expect(ready.status).to.equal(200);

    const anonymous = await fetch(`${server.state.url}/metrics`);
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers.get('www-authenticate')).to.match(/^Bearer/);
    const wrong = await fetch(`${server.state.url}/metrics`, {headers: {authorization: 'Bearer sps_not-the-token'}});
    expect(wrong.status).to.equal(401);

    const users = server.kernel.service<{users: {create(actor: unknown, input: {email: string}): Promise<unknown>}}>(
      'users',
    );
    await users.users.create(LOCAL_ADMIN, {email: 'counted@example.com'});
    const families = await scrape(server.state.url, serverToken(home.path));
    const names = families.map((family) => family.name);
    expect(names).to.include.members([
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'systemprompt_http_request_duration_seconds',
      'systemprompt_module_up',
      'systemprompt_events_dispatched_total',
    ]);
    const http = 'systemprompt_http_request_duration_seconds_count';
    expect(sampleValue(families, http, {method: 'GET', route: '/metrics', status: '401'})).to.equal(2);
    // The probes stay out of the histogram (they would dominate it); routes of modules are in it.
    expect(sampleValue(families, http, {route: '/health'})).to.equal(0);
    expect(families.find((family) => family.name === 'systemprompt_http_request_duration_seconds')!.type).to.equal(
      'histogram',
    );
    for (const module of ['database', 'users', 'api', 'auth', 'system'])
      expect(sampleValue(families, 'systemprompt_module_up', {module}), module).to.equal(1);
    // A module's own metric, through the registry in its context (the users module's, counted at the scrape).
    expect(sampleValue(families, 'systemprompt_users_accounts', {status: 'enabled'})).to.equal(1);
    expect(sampleValue(families, 'systemprompt_users_accounts', {status: 'disabled'})).to.equal(0);

    const notFound = await fetch(`${server.state.url}/nowhere`);
    expect(notFound.status).to.equal(404);
    expect(((await notFound.json()) as {error: {code: string}}).error.code).to.equal('ROUTE_NOT_FOUND');
    const token = serverToken(home.path);
    expect(
      (await fetch(`${server.state.url}/api/users`, {headers: {authorization: `Bearer ${token}`}})).status,
    ).to.equal(200);
    const after = await scrape(server.state.url, token);
    expect(sampleValue(after, http, {method: 'GET', route: '/api/users', status: '200'})).to.equal(1);
    expect(sampleValue(after, http, {method: 'GET', route: 'unmatched', status: '404'})).to.equal(1);

    server.stop();
    expect(await server.served).to.equal('stop');
    expect(existsSync(join(server.paths.data, 'server.json'))).to.equal(false);
    expect(existsSync(join(server.paths.data, 'server.token'))).to.equal(false);
    // Stopped means closed: nothing listens there any more.
    const refused = await fetch(`${server.state.url}/health`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(refused).to.equal('refused');
  });

  it('refuses a second server of the same installation (exit 5) while one runs', async () => {
    const server = await startServer(home.path);
    try {
      const {paths, modules} = await modulesOf(home.path);
      const metrics = createServerMetrics();
      const kernel = await createCliKernel({modules, paths, metrics: metrics.backend});
      const second = await serve({
        kernel,
        metrics,
        paths,
        host: '127.0.0.1',
        port: 0,
        detached: false,
        version: '0.0.0-test',
        logger: silentLogger,
      }).then(
        () => undefined,
        (error: unknown) => error as {code: string; exitCode: number},
      );
      expect(second).to.include({code: 'SERVER_RUNNING', exitCode: 5});
      await kernel.stop();
      // The refusal left the running server's state file alone.
      expect(readServerState(paths.data)?.url).to.equal(server.state.url);
    } finally {
      server.stop();
      await server.served;
    }
  });
});
