import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {createTempHome, expectFailure, spawnCli, type TempHome} from '@systemprompt/testing';

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const brokenModule = fileURLToPath(new URL('fixtures/broken-module', import.meta.url));
const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {version: string};

describe('the systemprompt bin (as a child process)', () => {
  let home: TempHome;
  before(async () => {
    home = await createTempHome();
  });
  after(() => home.remove());

  it('prints its version', async () => {
    const run = await spawnCli(bin, ['--version'], {home: home.path});
    expect(run.exitCode).to.equal(0);
    expect(run.stdout).to.equal(
      `systemprompt/${version} ${process.platform}-${process.arch} node-${process.version}\n`,
    );
  });

  it('lists the commands of every module package and of the oclif plugins', async () => {
    const run = await spawnCli(bin, ['cli:list', '--json'], {home: home.path});
    expect(run.exitCode, run.stderr).to.equal(0);
    const {ok, data, meta} = JSON.parse(run.stdout);
    expect(ok).to.equal(true);
    const ids = data.map((row: {id: string}) => row.id);
    expect(ids).to.include.members([
      'cli:list',
      'cli:help',
      'cli:docs',
      'plugins:install',
      'plugins:link',
      'help',
      'autocomplete',
    ]);
    expect(meta.total).to.equal(ids.length);
  });

  it('answers a mistyped command with the closest ones and exit 2, without a terminal too', async () => {
    const run = await spawnCli(bin, ['users:lst'], {home: home.path});
    expect(run.exitCode).to.equal(2);
    expect(run.stderr).to.equal(
      'users:lst is not a systemprompt command\nHint: Did you mean users:list, users:get? systemprompt cli:list shows every command.\n',
    );
    const json = await spawnCli(bin, ['usrs:list', '--json'], {home: home.path});
    expect(expectFailure(json, 2, 'COMMAND_NOT_FOUND').details).to.deep.equal({
      command: 'usrs:list',
      suggestions: ['users:list'],
    });
    const nothingClose = await spawnCli(bin, ['zzzzzz'], {home: home.path});
    expect(nothingClose.exitCode).to.equal(2);
    expect(nothingClose.stderr).to.equal(
      'zzzzzz is not a systemprompt command\nHint: systemprompt cli:list shows every command.\n',
    );
    expectFailure(await spawnCli(bin, ['zzzzzz', '--json'], {home: home.path}), 2, 'COMMAND_NOT_FOUND');
  });

  it('describes every topic with its own description when run without arguments', async () => {
    const run = await spawnCli(bin, [], {home: home.path});
    expect(run.exitCode, run.stderr).to.equal(0);
    const topics = run.stdout.slice(run.stdout.indexOf('TOPICS'), run.stdout.indexOf('COMMANDS'));
    expect(topics).to.match(/extension\s+Third-party modules: create, validate, install/);
    expect(topics).to.match(/plugins\s+The packages that add commands/);
    // No topic borrows the summary of one of its commands.
    expect(topics).to.not.include('Remove all user-installed and linked plugins');
  });

  it('gives every command a description and at least one example', async () => {
    const run = await spawnCli(bin, ['cli:docs', '--json'], {home: home.path});
    expect(run.exitCode, run.stderr).to.equal(0);
    const {data} = JSON.parse(run.stdout);
    expect(data.commands.length).to.be.greaterThan(50);
    for (const command of data.commands) {
      expect(command.description, command.id).to.not.be.empty;
      expect(command.examples, command.id).to.not.be.empty;
    }
  });

  it('answers an unknown flag with exit 2 and one line, no stack trace', async () => {
    const run = await spawnCli(bin, ['cli:list', '--colour'], {home: home.path});
    expect(run.exitCode).to.equal(2);
    expect(run.stderr).to.equal('Nonexistent flag: --colour\nHint: See --help for the usage.\n');
    expectFailure(
      await spawnCli(bin, ['cli:list', '--colour', '--json'], {home: home.path}),
      2,
      'INVALID_USAGE',
      'Nonexistent flag: --colour',
    );
  });

  describe('with a module package whose module.yaml is invalid', () => {
    before(async () => {
      const link = await spawnCli(bin, ['plugins:link', brokenModule, '--no-install'], {home: home.path});
      expect(link.exitCode, link.stderr).to.equal(0);
    });

    it('reports the broken module with a clear message and keeps listing commands', async () => {
      const run = await spawnCli(bin, ['cli:list', '--json'], {home: home.path});
      expect(run.exitCode, run.stderr).to.equal(0);
      const {data, warnings} = JSON.parse(run.stdout);
      expect(data.map((row: {id: string}) => row.id)).to.include.members(['cli:list', 'broken:hello']);
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(
        /^Module package @fixture\/broken-module cannot be loaded: .*module\.yaml is invalid: \/type: must be one of service, daemon, plugin, core, extension$/,
      );
    });

    it('warns on stderr in table mode, and the other commands work', async () => {
      const run = await spawnCli(bin, ['cli:list', '--topic', 'cli'], {home: home.path});
      expect(run.exitCode).to.equal(0);
      expect(run.stdout).to.include('cli:docs');
      expect(run.stderr).to.match(/^Warning: Module package @fixture\/broken-module cannot be loaded: /);
    });

    it("refuses to run the broken module's own command, with exit 6 and the reason", async () => {
      const run = await spawnCli(bin, ['broken:hello'], {home: home.path});
      expect(run.exitCode).to.equal(6);
      const [message, hint] = run.stderr.trimEnd().split('\n');
      expect(message).to.match(/^Module package @fixture\/broken-module cannot be loaded: .*\/type: must be one of/);
      expect(hint).to.match(/^Hint: Run "systemprompt extension:validate /);
      expectFailure(
        await spawnCli(bin, ['broken:hello', '--json'], {home: home.path}),
        6,
        'MODULE_INVALID',
        /^Module package @fixture\/broken-module cannot be loaded: /,
      );
    });
  });
});
