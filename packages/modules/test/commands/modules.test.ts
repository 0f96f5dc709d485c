import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {APP_BIN, describeEachEngine, expectFailure, spawnCli} from '@systemprompt/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = APP_BIN;
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

describeEachEngine('modules commands (in-process)', {root}, (t) => {
  it('lists the installed modules, also as extension:list', async () => {
    const {data} = (await t.cli('modules:list', '--json')).json();
    const database = data.find((row: {name: string}) => row.name === 'database');
    expect(database).to.include({
      type: 'core',
      source: 'core',
      enabled: true,
      status: 'ok',
      package: '@systemprompt/database',
    });
    const alias = (await t.cli('extension:list', '--json')).json();
    expect(alias.data.map((row: {name: string}) => row.name)).to.deep.equal(
      data.map((row: {name: string}) => row.name),
    );
  });

  it('checks health, and names the module in modules:health', async () => {
    const run = await t.cli('modules:health', '--json');
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.json().data.find((row: {module: string}) => row.module === 'database')).to.include({healthy: true});
    expectFailure(await t.cli('modules:health', 'nope', '--json'), 3, 'MODULE_NOT_FOUND');
    const listed = (await t.cli('modules:list', '--health', '--json')).json().data;
    expect(listed.find((row: {name: string}) => row.name === 'logger').health).to.equal('healthy');
  });

  it('refuses to disable a core module (exit 2)', async () => {
    expectFailure(
      await t.cli('modules:disable', 'logger', '--json'),
      2,
      'MODULE_CORE',
      /^Module "logger" is a core module and cannot be disabled$/,
    );
  });

  it("reads and sets a module's configuration through the config module", async () => {
    expect((await t.cli('modules:config', 'logger', 'level', 'debug')).exitCode).to.equal(0);
    expect((await t.cli('modules:config', 'logger', 'level', '--json')).json().data).to.equal('debug');
    expect((await t.cli('modules:config', 'logger', '--json')).json().data).to.include({
      level: 'debug',
      maxSize: '10m',
    });
    expectFailure(await t.cli('modules:config', 'logger', 'level', 'loud', '--json'), 2, 'CONFIG_INVALID');
  });

  it("shows a module's log lines, filtered by level", async () => {
    await t.cli('modules:config', 'logger', 'level', 'debug');
    await t.cli('database:status');
    const lines = (await t.cli('modules:logs', 'database', '--json')).json().data;
    expect(lines.length).to.be.greaterThan(0);
    expect(lines.filter((line: {module: string}) => line.module !== 'database')).to.deep.equal([]);
    // Filtering is seen to work only when there is something to filter out: debug lines exist.
    const everything = (await t.cli('modules:logs', '--level', 'debug', '--json')).json().data as Array<{
      level: string;
    }>;
    expect(everything.some((line) => line.level === 'debug')).to.equal(true);
    const infoAndUp = (await t.cli('modules:logs', '--level', 'info', '--json')).json().data as Array<{level: string}>;
    expect(infoAndUp.length).to.be.below(everything.length);
    expect(infoAndUp.filter((line) => line.level === 'debug' || line.level === 'trace')).to.deep.equal([]);
    expectFailure(await t.cli('modules:logs', '--since', 'yesterday-ish', '--json'), 2, 'SINCE_INVALID');
  });

  it('restarts a module and checks it', async () => {
    const run = await t.cli('modules:restart', 'database', '--json');
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.json().data).to.include({module: 'database', restarted: true, healthy: true});
  });
});

describeEachEngine('modules:enable and modules:disable (the bin, linked modules)', {root}, (t) => {
  const cli = (...args: string[]) => spawnCli(bin, args, {env: t.env});

  beforeEach(async () => {
    for (const name of ['alpha', 'beta'])
      expect((await cli('plugins:link', fixture(name), '--no-install')).exitCode).to.equal(0);
  });

  it('refuses to disable a module others need, naming them; --cascade disables them too', async () => {
    expectFailure(
      await cli('modules:disable', 'alpha', '--json'),
      5,
      'MODULE_HAS_DEPENDENTS',
      /^Module "alpha" is needed by beta$/,
    );
    expect((await cli('beta:ping', '--json')).exitCode).to.equal(0);

    const cascade = await cli('modules:disable', 'alpha', '--cascade', '--json');
    expect(cascade.exitCode, cascade.stderr).to.equal(0);
    expect(JSON.parse(cascade.stdout).data).to.deep.equal({module: 'alpha', enabled: false, alsoChanged: ['beta']});

    const ping = await cli('beta:ping');
    expect(ping.exitCode).to.equal(6);
    expect(ping.stderr).to.match(
      /^Module "beta" is disabled\nHint: Enable it with "systemprompt modules:enable beta"\.\n$/,
    );
    expectFailure(await cli('beta:ping', '--json'), 6, 'MODULE_DISABLED');
    const listed = JSON.parse((await cli('modules:list', '--json')).stdout).data;
    expect(
      listed.filter((row: {status: string}) => row.status === 'disabled').map((row: {name: string}) => row.name),
    ).to.deep.equal(['alpha', 'beta']);
    expect((await cli('cli:list', '--topic', 'cli')).exitCode).to.equal(0);

    expectFailure(await cli('modules:enable', 'beta', '--json'), 5, 'MODULE_DEPENDENCY_DISABLED');
    expect((await cli('modules:enable', 'alpha')).exitCode).to.equal(0);
    expect((await cli('modules:enable', 'beta')).exitCode).to.equal(0);
    expect(JSON.parse((await cli('beta:ping', '--json')).stdout).data).to.deep.equal({module: 'beta', pong: true});
  });
});

describeEachEngine('broken and failing modules (the bin, linked modules)', {root}, (t) => {
  const cli = (...args: string[]) => spawnCli(bin, args, {env: t.env});
  const brokenManifest = fileURLToPath(
    new URL('../../../../apps/systemprompt/test/fixtures/broken-module', import.meta.url),
  );

  beforeEach(async () => {
    for (const path of [brokenManifest, fixture('failing')])
      expect((await cli('plugins:link', path, '--no-install')).exitCode).to.equal(0);
  });

  it('reports a broken manifest and a failing initialize in modules:list and modules:health; everything else works', async () => {
    const list = await cli('modules:list', '--health', '--json');
    expect(list.exitCode, list.stderr).to.equal(0);
    const rows = JSON.parse(list.stdout).data;
    const broken = rows.find((row: {package: string}) => row.package === '@fixture/broken-module');
    expect(broken.status).to.equal('broken');
    expect(broken.health).to.match(/^unhealthy: Module package @fixture\/broken-module cannot be loaded/);
    expect(broken.problem).to.match(/\/type: must be one of/);
    const failing = rows.find((row: {name: string}) => row.name === 'failing');
    // Its initialize() threw when --health booted it: failed, with the reason, until it initializes again.
    expect(failing.status).to.equal('failed');
    expect(failing.problem).to.equal(
      'initialize() failed: Module "failing" failed to initialize: cannot reach its backend',
    );
    expect(failing.health).to.equal('unhealthy: Module "failing" failed to initialize: cannot reach its backend');

    const health = await cli('modules:health', '--json');
    const sick = expectFailure(health, 6, 'MODULES_UNHEALTHY')
      .details!.modules.filter((row: {healthy: boolean}) => !row.healthy)
      .map((row: {module: string}) => row.module);
    expect(sick).to.include.members(['failing', '@fixture/broken-module']);
    expect(sick).to.not.include('database');

    expectFailure(await cli('failing:run', '--json'), 6, 'MODULE_PHASE_FAILED');
    expect((await cli('database:status')).exitCode).to.equal(0);
    expect((await cli('users:list')).exitCode).to.equal(0);
  });
});
