import {execFile, spawn} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {expect} from 'chai';
import {APP_BIN} from '@systemprompt/testing';
import {devCli, envelopes, type Cli} from './helpers.js';

describe('dev:repl, dev:debug and the refusals of dev:*', function () {
  this.timeout(180_000);
  let home: string;
  let cli: Cli;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'systemprompt-dev-repl-'));
    cli = await devCli(home);
    const created = await cli(['users:create', '--email', 'ana@example.com', '--name', 'Ana', '--role', 'viewer']);
    expect(created.exitCode, created.stderr).to.equal(0);
  });
  after(() => rm(home, {recursive: true, force: true}));

  it('evaluates `await users.list()` from piped input as the current user and prints the users', async () => {
    const run = await cli(['dev:repl'], {input: 'await users.list()\n'});
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.stdout).to.contain("email: 'ana@example.com'").and.contain("name: 'Ana'");
  });

  it('keeps declarations between lines, reads an input over several lines, and prints one envelope per input with --json', async () => {
    const input = [
      'const found = await users.list({search: "ana"})',
      'found.items.map((user) =>',
      '  user.email)',
      'await users.get("nobody@example.com")',
      '',
    ].join('\n');
    const run = await cli(['dev:repl', '--json'], {input});
    expect(run.exitCode, run.stderr).to.equal(1);
    const [declared, emails, missing, ...rest] = envelopes(run.stdout);
    expect(rest).to.deep.equal([]);
    expect(declared!.data).to.include({line: 1, ok: true, value: null});
    expect(emails!.data).to.deep.include({line: 2, ok: true, value: ['ana@example.com']});
    expect(missing!.data).to.deep.include({line: 4, ok: false});
    expect(missing!.data.error).to.include({code: 'USER_NOT_FOUND', exitCode: 3});
  });

  it('refuses a caller without dev:run with exit 4 and one line, before booting the other modules', async () => {
    const run = await cli(['dev:repl'], {input: 'await users.list()\n', env: {SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'false'}});
    expect(run.exitCode).to.equal(4);
    expect(run.stdout).to.equal('');
    expect(run.stderr.trim().split('\n')[0]).to.match(/dev:run/);
    expect(run.stderr).not.to.match(/^\s+at /m);
    const json = await cli(['dev:lint', '--json'], {env: {SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'false'}});
    expect(json.exitCode).to.equal(4);
    expect(JSON.parse(json.stdout).error.code).to.equal('PERMISSION_DENIED');
  });

  it('answers a path that is not a package with exit 2 and one line', async () => {
    const run = await cli(['dev:test', join(home, 'nowhere')]);
    expect(run.exitCode).to.equal(2);
    expect(run.stderr).to.match(/nowhere does not exist\nHint: /);
    expect(run.stderr).not.to.match(/^\s+at /m);
    const outside = await cli(['dev:test', tmpdir(), '--json']);
    expect(outside.exitCode).to.equal(2);
    expect(JSON.parse(outside.stdout).error.code).to.equal('DEV_NOT_A_MODULE_PACKAGE');
  });

  it('dev:debug runs a command with the inspector on 127.0.0.1, says how to attach and exits with its code', async () => {
    // dev:debug's flags first (--json: its result as JSON), then the command with its own.
    const run = await cli(['dev:debug', '--no-break', '--json', 'users:list', '--json']);
    expect(run.exitCode, run.stderr).to.equal(0);
    const {data} = JSON.parse(run.stdout);
    expect(data).to.include({host: '127.0.0.1', break: false, exitCode: 0});
    expect(data.url).to.match(/^ws:\/\/127\.0\.0\.1:\d+\//);
    expect(run.stderr)
      .to.contain(`Debugger listening on ${data.url}`)
      .and.contain(`node inspect 127.0.0.1:${data.port}`);
    // The command's own output (users:list --json) is relayed to standard error while dev:debug prints JSON.
    expect(run.stderr).to.contain('ana@example.com');
    const missing = await cli(['dev:debug', '--no-break', 'users:get', 'nobody@example.com']);
    expect(missing.exitCode).to.equal(3);
    expect(missing.stderr).to.contain('Debugger listening on ws://127.0.0.1:');
  });

  it('dev:debug waits for a debugger by default; node inspect attaches on the printed port and the command runs', async () => {
    const child = spawn(process.execPath, [APP_BIN, 'dev:debug', 'users:list'], {
      env: {
        ...process.env,
        SYSTEMPROMPT_HOME: home,
        SYSTEMPROMPT_DATABASE_URL: undefined,
        SYSTEMPROMPT_API_KEY: undefined,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no inspector address: ${stderr}`)), 60_000);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        const match = /node inspect 127\.0\.0\.1:(\d+)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });
    expect(stderr).to.contain('The command waits for the debugger before its first line.');
    expect(stdout, 'nothing runs before a debugger attaches').to.equal('');
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // node inspect's REPL: continue from the break on start; once the command has run (Node then waits
    // for the debugger to go), leave.
    const attach = promisify(execFile)(process.execPath, ['inspect', `127.0.0.1:${port}`], {timeout: 60_000});
    let inspector = '';
    attach.child.stdout!.on('data', (chunk: Buffer) => (inspector += chunk.toString('utf8')));
    // Input before its prompt shows the break is dropped.
    for (let waited = 0; !inspector.includes('Break on start') && waited < 60_000; waited += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    attach.child.stdin!.write('cont\n');
    for (let waited = 0; !stdout.includes('ana@example.com') && waited < 60_000; waited += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    attach.child.stdin!.end('.exit\n');
    await attach.catch(() => undefined);
    expect(await exited).to.equal(0);
    expect(stdout).to.contain('ana@example.com');
    expect(stdout).to.match(/^url\s+ws:\/\/127\.0\.0\.1:/m);
  });
});
