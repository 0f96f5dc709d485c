import {expect} from 'chai';
import {createTempHome, type TempHome} from '@systemprompt/testing';
import {spawn} from 'node:child_process';
import {readServerState} from '@systemprompt/core';
import {APP_BIN} from '@systemprompt/testing';
import {cliWith, eventually, processGone, startDetached} from './helpers/server.js';

/** Every request gets this long; one that takes longer has hung. */
const REQUEST_DEADLINE_MS = 15_000;

type Outcome = {email: string; status: number} | {email: string; failed: string};

describe('system:restart under load (the bin) [sqlite]', function () {
  this.timeout(180_000);
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

  it('finishes or refuses every request while the server restarts: none hangs, none half-applies', async () => {
    expect((await cli('users:create', '--email', 'admin@example.com', '--role', 'admin')).exitCode).to.equal(0);
    const created = await cli(
      'api:keys:create',
      '--user',
      'admin@example.com',
      '--name',
      'load',
      '--scope',
      '*',
      '--json',
    );
    const key = JSON.parse(created.stdout).data.key as string;
    const server = await startDetached(cli);

    const outcomes: Outcome[] = [];
    let running = true;
    let sequence = 0;
    const worker = async () => {
      while (running) {
        const email = `load-${sequence++}@example.com`;
        try {
          const response = await fetch(`${server.url}/api/users`, {
            method: 'POST',
            headers: {authorization: `Bearer ${key}`, 'content-type': 'application/json'},
            body: JSON.stringify({email, roles: ['viewer']}),
            signal: AbortSignal.timeout(REQUEST_DEADLINE_MS),
          });
          await response.arrayBuffer();
          outcomes.push({email, status: response.status});
        } catch (error) {
          const cause = (error as {cause?: {code?: string}}).cause?.code ?? (error as Error).name;
          outcomes.push({email, failed: cause});
          // Refused while nothing listens: try again shortly, as a client would.
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    };
    const workers = Array.from({length: 4}, worker);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const restart = await cli('system:restart', '--json');
    expect(restart.exitCode, restart.stdout + restart.stderr).to.equal(0);
    const restarted = JSON.parse(restart.stdout).data;
    expect(restarted).to.include({previousPid: server.pid, port: server.port, url: server.url});
    expect(restarted.pid).to.not.equal(server.pid);
    expect(processGone(server.pid)).to.equal(true);
    // Load on the new server for a moment.
    await new Promise((resolve) => setTimeout(resolve, 500));
    running = false;
    await Promise.all(workers);

    const timedOut = outcomes.filter((outcome) => 'failed' in outcome && outcome.failed === 'TimeoutError');
    expect(timedOut, 'requests that hung').to.deep.equal([]);
    const statuses = new Set(outcomes.flatMap((outcome) => ('status' in outcome ? [outcome.status] : [])));
    // 201 created; 503 from a server that is closing. Nothing else.
    expect(
      [...statuses].every((status) => status === 201 || status === 503),
      JSON.stringify([...statuses]),
    ).to.equal(true);
    const createdEmails = outcomes.flatMap((outcome) =>
      'status' in outcome && outcome.status === 201 ? [outcome.email] : [],
    );
    const before = outcomes.findIndex((outcome) => 'failed' in outcome || outcome.status !== 201);
    expect(before, 'requests were answered before the restart').to.be.greaterThan(0);
    expect(outcomes.slice(-3).every((outcome) => 'status' in outcome && outcome.status === 201)).to.equal(true);

    // Every user is whole (its role with it) and exists exactly when its request said 201.
    const listed = JSON.parse((await cli('users:list', '--limit', '10000', '--json')).stdout).data as Array<{
      email: string;
      roles: string[];
    }>;
    const loadUsers = listed.filter((user) => user.email.startsWith('load-'));
    for (const user of loadUsers) expect(user.roles, user.email).to.deep.equal(['viewer']);
    const stored = new Set(loadUsers.map((user) => user.email));
    for (const email of createdEmails) expect(stored.has(email), email).to.equal(true);
    // A request whose connection broke may or may not have been applied, but never in part (checked above).
    expect(stored.size).to.be.at.least(createdEmails.length);
  });

  it('restarts a server running in a terminal in place, on the same port, and stops it for good on system:stop', async () => {
    const terminal = spawn(process.execPath, [APP_BIN, 'system:start', '--port', '0'], {
      env: {...process.env, SYSTEMPROMPT_HOME: home.path},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => terminal.once('exit', (code) => resolve(code)));
    const data = `${home.path}/data`;
    await eventually(async () => readServerState(data)?.state === 'ready', 30_000, 'the server to be ready');
    const first = readServerState(data)!;
    expect(first).to.include({pid: terminal.pid, detached: false});

    const restart = await cli('system:restart', '--json');
    expect(restart.exitCode, restart.stdout + restart.stderr).to.equal(0);
    const next = JSON.parse(restart.stdout).data;
    expect(next).to.include({previousPid: first.pid, port: first.port, url: first.url});
    expect(next.pid).to.not.equal(first.pid);
    expect((await fetch(`${first.url}/health`)).status).to.equal(200);

    expect((await cli('system:stop')).exitCode).to.equal(0);
    // The terminal's process (now the new server's supervisor) ends with it, successfully.
    expect(await exited).to.equal(0);
    expect(processGone(next.pid)).to.equal(true);
  });
});
