// Keeps docs/module-authors.md true: the module it describes is written out from the doc, built,
// installed into a fresh installation and used, as an author following the page would. The doc's
// package.json links the host's @systemprompt/* at a checkout in /opt/systemprompt-os and tells the
// reader to put their host's in its place: this test puts this workspace's there.
// (npm-installed-cli.test.ts builds the same module against a CLI installed with npm.)
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, realpathSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {expect} from 'chai';
import {APP_BIN, APP_ROOT, createTempHome, expectFailure, spawnCli, type TempHome} from '@systemprompt/testing';
import {writeDocModule} from './helpers/module-authors-doc.js';

const asJson = (run: {exitCode: number; stdout: string; stderr: string}) => ({
  ...run,
  json: () => JSON.parse(run.stdout),
});

describe('the module of docs/module-authors.md, built from the doc alone', function () {
  this.timeout(300_000);
  let directory: string;
  let tarball: string;
  let home: TempHome;
  // SQLite in a fresh home, whatever database the environment names.
  const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
    spawnCli(APP_BIN, args, {home: home.path, env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...env}, timeoutMs: 120_000});

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'systemprompt-module-authors-'));
    const files = writeDocModule(directory, join(APP_ROOT, 'node_modules', '@systemprompt'));
    expect([...files.keys()]).to.include.members([
      'package.json',
      'module.yaml',
      'tsconfig.json',
      'src/index.ts',
      'src/entities.ts',
      'src/services/tasks-service.ts',
      'src/commands/acme-tasks/add.ts',
      'src/commands/acme-tasks/list.ts',
      'test/tasks-service.test.ts',
    ]);
    expect([...files.keys()].filter((path) => path.startsWith('src/migrations/'))).to.have.length(1);
    const run = (command: string, args: string[]) =>
      execFileSync(command, args, {cwd: directory, encoding: 'utf8', stdio: 'pipe'});
    run('npm', ['install', '--no-audit', '--no-fund']);
    run('npm', ['run', 'build']);
    expect(existsSync(join(directory, 'oclif.manifest.json')), 'npm run build writes the oclif manifest').to.equal(
      true,
    );
    expect(run('npm', ['test']))
      .to.match(/^# pass 2$/m)
      .and.match(/^# fail 0$/m);
    home = await createTempHome();
    const validated = await cli(['extension:validate', directory, '--json']);
    expect(validated.exitCode, validated.stdout + validated.stderr).to.equal(0);
    // Built just above; the doc's plain `npm pack` would build once more through prepack.
    tarball = join(directory, run('npm', ['pack', '--ignore-scripts']).trim().split('\n').pop()!);
    await home.remove();
  });
  after(() => rmSync(directory, {recursive: true, force: true}));

  beforeEach(async () => {
    home = await createTempHome();
  });
  afterEach(() => home.remove());

  const install = async () => {
    const installed = await cli(['extension:install', tarball, '--json']);
    expect(installed.exitCode, installed.stdout + installed.stderr).to.equal(0);
    return JSON.parse(installed.stdout).data;
  };

  it("built against the host's own @systemprompt/core, found where the doc says", async () => {
    const linked = realpathSync(join(directory, 'node_modules', '@systemprompt', 'core'));
    expect(linked).to.equal(realpathSync(join(APP_ROOT, 'node_modules', '@systemprompt', 'core')));
    const info = await cli(['extension:info', 'database', '--json']);
    expect(info.exitCode, info.stderr).to.equal(0);
    expect(realpathSync(join(dirname(JSON.parse(info.stdout).data.root), 'core'))).to.equal(linked);
  });

  it('installs from its tarball with its migration and its two commands', async () => {
    expect(await install()).to.deep.include({
      module: 'acme-tasks',
      package: '@acme/systemprompt-tasks',
      version: '0.1.0',
      action: 'installed',
      previousVersion: null,
      migrationsApplied: ['20260115090000-create-acme-tasks'],
      commands: ['acme-tasks:add', 'acme-tasks:list'],
    });
    const listed = JSON.parse((await cli(['modules:list', '--json'])).stdout).data.find(
      (row: {name: string}) => row.name === 'acme-tasks',
    );
    expect(listed).to.include({source: 'user', status: 'ok', type: 'extension', package: '@acme/systemprompt-tasks'});
  });

  it('adds tasks with acme-tasks:add and lists them with acme-tasks:list', async () => {
    await install();
    const added = await cli(['acme-tasks:add', '  Write the release notes ', '--json']);
    expect(added.exitCode, added.stderr).to.equal(0);
    expect(JSON.parse(added.stdout).data).to.include({
      id: 1,
      title: 'Write the release notes',
      createdBy: 'local-admin',
    });
    expect((await cli(['acme-tasks:add', 'Ship it'])).exitCode).to.equal(0);

    const listed = await cli(['acme-tasks:list', '--json']);
    expect(
      JSON.parse(listed.stdout).data.map((task: {id: number; title: string}) => [task.id, task.title]),
    ).to.deep.equal([
      [1, 'Write the release notes'],
      [2, 'Ship it'],
    ]);
    const table = (await cli(['acme-tasks:list'])).stdout.split('\n');
    expect(table[0]).to.match(/^ID\s+TITLE\s+CREATED BY\s+CREATED AT$/);
    expect(table[2]).to.match(/^2\s+Ship it\s+local-admin\s+\d{4}-/);
  });

  it('takes the title limit from its configuration schema: default 120, and the environment', async () => {
    await install();
    expect((await cli(['acme-tasks:add', 'x'.repeat(120)])).exitCode).to.equal(0);
    expectFailure(asJson(await cli(['acme-tasks:add', 'x'.repeat(121), '--json'])), 2, 'TASK_TITLE_TOO_LONG');
    expectFailure(
      asJson(await cli(['acme-tasks:add', 'Twelve chars', '--json'], {SYSTEMPROMPT_ACME_TASKS_MAX_TITLE_LENGTH: '10'})),
      2,
      'TASK_TITLE_TOO_LONG',
    );
  });

  it('checks permissions in its service: nobody signed in and local trust off gets exit 4 and adds nothing', async () => {
    await install();
    const anonymous = {SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'false'};
    expectFailure(asJson(await cli(['acme-tasks:add', 'Sneak in', '--json'], anonymous)), 4, 'PERMISSION_DENIED');
    expectFailure(asJson(await cli(['acme-tasks:list', '--json'], anonymous)), 4, 'PERMISSION_DENIED');
    expect(JSON.parse((await cli(['acme-tasks:list', '--json'])).stdout).data).to.deep.equal([]);
  });

  it('goes away with its table and its settings through extension:remove --drop-data --confirm', async () => {
    await install();
    expect((await cli(['acme-tasks:add', 'Ship it'])).exitCode).to.equal(0);
    expect((await cli(['config:set', 'acme-tasks.maxTitleLength', '60'])).exitCode).to.equal(0);
    const removed = await cli(['extension:remove', 'acme-tasks', '--drop-data', '--confirm', '--json']);
    expect(removed.exitCode, removed.stdout + removed.stderr).to.equal(0);
    expect(JSON.parse(removed.stdout).data).to.include({module: 'acme-tasks', removed: true, configValuesRemoved: 1});
    const ids = JSON.parse((await cli(['cli:list', '--json'])).stdout).data.map((row: {id: string}) => row.id);
    expect(ids.filter((id: string) => id.startsWith('acme-tasks:'))).to.deep.equal([]);
    expectFailure(
      await cli(['database:query', 'SELECT id FROM acme_tasks', '--json']),
      2,
      'QUERY_FAILED',
      'no such table: acme_tasks',
    );
  });
});
