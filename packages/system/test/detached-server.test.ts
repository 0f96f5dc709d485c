import {existsSync, mkdirSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {expect} from 'chai';
import {createTempHome, expectFailure, type TempHome} from '@systemprompt/testing';
import {cliWith, eventually, fixture, processGone, startDetached} from './helpers/server.js';
import {parsePrometheusText} from '@systemprompt/core';

describe('system:start --detach, system:stop, system:health (the bin) [sqlite]', function () {
  this.timeout(120_000);
  let home: TempHome;
  let cli: ReturnType<typeof cliWith>;
  const stateFile = () => join(home.path, 'data', 'server.json');

  beforeEach(async () => {
    home = await createTempHome();
    cli = cliWith({SYSTEMPROMPT_HOME: home.path});
  });
  afterEach(async () => {
    await cli('system:stop', '--timeout', '5');
    await home.remove();
  });

  it('starts in the background once /health answers, refuses a second start (exit 5), stops leaving no state file', async () => {
    const server = await startDetached(cli);
    expect(server.url).to.equal(`http://127.0.0.1:${server.port}`);
    expect(server.pid).to.not.equal(process.pid);
    expect((await fetch(`${server.url}/health`)).status).to.equal(200);
    expect((await fetch(`${server.url}/ready`)).status).to.equal(200);

    expectFailure(
      await cli('system:start', '--detach', '--port', '0', '--json'),
      5,
      'SERVER_RUNNING',
      `pid ${server.pid}`,
    );
    expectFailure(await cli('system:start', '--port', '0', '--json'), 5, 'SERVER_RUNNING');

    const figures = JSON.parse((await cli('system:metrics', '--json')).stdout).data as Array<{
      figure: string;
      value: string;
    }>;
    expect(figures.find((row) => row.figure === 'modules healthy')?.value).to.match(/^(\d+)\/\1$/);
    const raw = await cli('system:metrics', '--raw');
    expect(raw.exitCode, raw.stderr).to.equal(0);
    expect(parsePrometheusText(raw.stdout).map((family) => family.name)).to.include('systemprompt_module_up');

    const status = JSON.parse((await cli('system:status', '--json')).stdout).data;
    expect(status.server).to.include({running: true, pid: server.pid, url: server.url, state: 'ready', detached: true});
    expect(status.modules.map((module: {name: string}) => module.name)).to.include.members(['system', 'database']);

    const stop = await cli('system:stop', '--json');
    expect(stop.exitCode, stop.stderr).to.equal(0);
    expect(JSON.parse(stop.stdout).data).to.include({stopped: true, pid: server.pid, killed: false});
    expect(processGone(server.pid)).to.equal(true);
    expect(existsSync(stateFile())).to.equal(false);
    expect(existsSync(join(home.path, 'data', 'server.token'))).to.equal(false);
    expect(JSON.parse((await cli('system:status', '--json')).stdout).data.server).to.deep.equal({running: false});
    expectFailure(await cli('system:metrics', '--json'), 3, 'SERVER_NOT_RUNNING');
    // Nothing to stop is not an error.
    expect(JSON.parse((await cli('system:stop', '--json')).stdout).data).to.include({stopped: false});
  });

  it('starts again after the server was killed with SIGKILL (its state file is stale)', async () => {
    const first = await startDetached(cli);
    process.kill(first.pid, 'SIGKILL');
    await eventually(async () => processGone(first.pid), 5000, 'the killed server to go');
    expect(existsSync(stateFile())).to.equal(true);
    const second = await startDetached(cli);
    expect(second.pid).to.not.equal(first.pid);
    expect((await fetch(`${second.url}/health`)).status).to.equal(200);
  });

  it('treats a state file whose PID belongs to another program as stale', async () => {
    mkdirSync(join(home.path, 'data'), {recursive: true});
    // This test process is alive, but it is not the process that was recorded (another start time).
    writeFileSync(
      stateFile(),
      JSON.stringify({
        pid: process.pid,
        processStart: '1',
        host: '127.0.0.1',
        port: 1,
        url: 'http://127.0.0.1:1',
        state: 'ready',
        detached: true,
        startedAt: new Date().toISOString(),
        serverId: 'x',
        version: '0',
      }),
    );
    const server = await startDetached(cli);
    expect(server.pid).to.not.equal(process.pid);
  });

  it('names an unhealthy module: /health answers 503 and system:health exits 6', async () => {
    expect((await cli('plugins:link', fixture('sick'), '--no-install')).exitCode).to.equal(0);
    const sick = join(home.path, 'data', 'modules', 'sick', 'sick');
    const server = await startDetached(cli);
    expect((await fetch(`${server.url}/health`)).status).to.equal(200);
    const healthy = await cli('system:health', '--json');
    expect(healthy.exitCode, healthy.stdout).to.equal(0);

    mkdirSync(join(home.path, 'data', 'modules', 'sick'), {recursive: true});
    writeFileSync(sick, '');
    // Health checks are cached for at most a second.
    await eventually(async () => (await fetch(`${server.url}/health`)).status === 503, 5000, '/health to answer 503');
    const body = (await (await fetch(`${server.url}/health`)).json()) as {unhealthy: string[]; modules: unknown[]};
    expect(body.unhealthy).to.deep.equal(['sick']);
    expect(body.modules).to.deep.equal([{module: 'sick', message: 'sick on purpose'}]);

    const report = await cli('system:health', '--json');
    expect(report.exitCode, report.stdout).to.equal(6);
    const checks = JSON.parse(report.stdout).data as Array<{name: string; healthy: boolean; message: string}>;
    expect(checks.filter((check) => !check.healthy).map((check) => check.name)).to.deep.equal(['sick', 'server']);
    expect(checks.find((check) => check.name === 'server')!.message).to.include('unhealthy: sick');
    const table = await cli('system:health');
    expect(table.exitCode).to.equal(6);
    expect(table.stderr).to.include('Unhealthy: sick, server');

    rmSync(sick);
    await eventually(async () => (await fetch(`${server.url}/health`)).status === 200, 5000, '/health to answer 200');
  });

  it('restarts a module on the running server when one runs (modules:restart, through the event log)', async () => {
    expect((await cli('plugins:link', fixture('sick'), '--no-install')).exitCode).to.equal(0);
    const server = await startDetached(cli);
    const restart = await cli('modules:restart', 'users', '--json');
    expect(restart.exitCode, restart.stdout + restart.stderr).to.equal(0);
    expect(JSON.parse(restart.stdout).data).to.include({
      module: 'users',
      restarted: true,
      healthy: true,
      server: server.url,
    });
    const events = JSON.parse((await cli('system:events', '--type', 'module.*', '--json')).stdout).data as Array<{
      type: string;
      subject: string;
    }>;
    const users = events.filter((event) => event.subject === 'users').map((event) => event.type);
    expect(users).to.include.members([
      'module.restart.requested',
      'module.stopped',
      'module.started',
      'module.restarted',
    ]);

    mkdirSync(join(home.path, 'data', 'modules', 'sick'), {recursive: true});
    writeFileSync(join(home.path, 'data', 'modules', 'sick', 'sick'), '');
    expectFailure(await cli('modules:restart', 'sick', '--json'), 6, 'MODULE_UNHEALTHY', 'on the server');
  });
});
