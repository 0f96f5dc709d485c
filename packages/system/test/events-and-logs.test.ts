import {spawn} from 'node:child_process';
import {expect} from 'chai';
import {APP_BIN, createTempHome, expectFailure, type TempHome} from '@systemprompt/testing';
import {cliWith, startDetached} from './helpers/server.js';

/** A CLI process that follows (`--follow --json`), its envelopes as they come, and a way to stop it. */
function follow(home: string, ...args: string[]) {
  const child = spawn(process.execPath, [APP_BIN, ...args, '--follow', '--json'], {
    env: {...process.env, SYSTEMPROMPT_HOME: home},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: unknown[] = [];
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part));
  });
  return {
    lines,
    async until(check: (lines: unknown[]) => boolean, ms = 15_000) {
      const deadline = Date.now() + ms;
      while (!check(lines)) {
        if (Date.now() > deadline) throw new Error(`not seen within ${ms} ms: ${JSON.stringify(lines)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop: () =>
      new Promise<number | null>((resolve) => {
        child.once('exit', (code) => resolve(code));
        child.kill('SIGINT');
      }),
  };
}

const dataOf = (envelope: unknown) => (envelope as {data: Record<string, unknown>}).data;

describe('system:events and system:logs (the bin) [sqlite]', function () {
  this.timeout(120_000);
  let home: TempHome;
  let cli: ReturnType<typeof cliWith>;

  beforeEach(async () => {
    home = await createTempHome();
    cli = cliWith({SYSTEMPROMPT_HOME: home.path});
  });
  afterEach(async () => {
    await cli('system:stop', '--timeout', '5');
    await home.remove();
  });

  it('lists the events CLI commands stored, by type pattern, with no server running', async () => {
    expect((await cli('users:create', '--email', 'one@example.com')).exitCode).to.equal(0);
    expect((await cli('users:disable', 'one@example.com')).exitCode).to.equal(0);
    const run = await cli('system:events', '--type', 'user.*', '--json');
    expect(run.exitCode, run.stderr).to.equal(0);
    const events = JSON.parse(run.stdout).data as Array<{
      id: number;
      type: string;
      actor: string;
      payload: {email: string};
    }>;
    expect(events.map((event) => event.type)).to.deep.equal(['user.created', 'user.disabled']);
    expect(events[0]!.actor).to.equal('local-admin');
    expect(events[0]!.payload.email).to.equal('one@example.com');
    expect(events[1]!.id).to.be.greaterThan(events[0]!.id);
    const exact = JSON.parse((await cli('system:events', '--type', 'user.disabled', '--json')).stdout).data;
    expect(exact).to.have.length(1);
    expectFailure(await cli('system:events', '--since', 'yesterday', '--json'), 2, 'SINCE_INVALID');
  });

  it('follows events written by other processes, each once', async () => {
    const follower = follow(home.path, 'system:events', '--type', 'user.created');
    // The follower is reading once it printed its (empty) start; a user created now is new to it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await cli('users:create', '--email', 'two@example.com')).exitCode).to.equal(0);
    expect((await cli('users:create', '--email', 'three@example.com')).exitCode).to.equal(0);
    await follower.until((lines) => lines.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 700));
    await follower.stop();
    const emails = follower.lines.map((line) => (dataOf(line).payload as {email: string}).email);
    expect(emails).to.deep.equal(['two@example.com', 'three@example.com']);
  });

  it("merges the server's and the CLI's log records in time order, by module and level", async () => {
    const server = await startDetached(cli);
    const run = await cli('system:logs', '--module', 'system', '--json');
    expect(run.exitCode, run.stderr).to.equal(0);
    const records = JSON.parse(run.stdout).data as Array<{time: string; pid: number; message: string; module: string}>;
    expect(records.map((record) => record.message)).to.include(`server listening on ${server.url}`);
    expect(records.every((record) => record.module === 'system')).to.equal(true);
    expect((await cli('system:stop')).exitCode).to.equal(0);
    const all = JSON.parse((await cli('system:logs', '--limit', '0', '--json')).stdout).data as Array<{
      time: string;
      pid: number;
      level: string;
    }>;
    // The CLI's migrations and the server's records, from several processes.
    expect(new Set(all.map((record) => record.pid)).size).to.be.greaterThan(1);
    expect(all.map((record) => record.time)).to.deep.equal([...all.map((record) => record.time)].sort());
    const warnings = JSON.parse((await cli('system:logs', '--level', 'warn', '--json')).stdout).data as Array<{
      level: string;
    }>;
    expect(warnings.every((record) => ['warn', 'error', 'fatal'].includes(record.level))).to.equal(true);
  });
});
