import {expect} from 'chai';
import {APP_ROOT, describeEachEngine, ok} from '@systemprompt/testing';
import {
  cliWith,
  define,
  followed,
  eventually,
  processGone,
  startDetached,
  startReceiver,
  stepsOf,
  type Receiver,
} from './helpers.js';

/**
 * The server is killed (SIGKILL: no shutdown, no hand-back) while step 3 of a 5-step workflow is in
 * flight. Its job's lease expires, the restarted server takes the job again and the run resumes after
 * the last stored step: steps 1 and 2 are not repeated (their side effects are counted here), step 3
 * runs again (it was interrupted), 4 and 5 run once.
 */
describeEachEngine('a run survives kill -9 of its server', {root: APP_ROOT}, (t) => {
  let receiver: Receiver;
  let cli: ReturnType<typeof cliWith>;
  let servers: number[];
  /** A detached server, stopped at the end of the test (while its home still exists). */
  const start = async () => {
    const server = await startDetached(cli);
    servers.push(server.pid);
    return server;
  };
  beforeEach(async () => {
    receiver = await startReceiver();
    cli = cliWith({...t.env, SYSTEMPROMPT_QUEUE_LEASE_SECONDS: '3', SYSTEMPROMPT_WORKFLOWS_POLL_MS: '100'});
    servers = [];
  });
  afterEach(async () => {
    // The engine fixture's own afterEach has removed the home by now: system:stop cannot find the
    // server any more, so each one started is ended by its pid.
    for (const pid of servers.filter((each) => !processGone(each))) {
      process.kill(pid, 'SIGTERM');
      await eventually(async () => processGone(pid), 15_000, `server ${pid} to stop`).catch(() =>
        process.kill(pid, 'SIGKILL'),
      );
    }
    await receiver.close();
  });

  it('resumes after the last completed step: steps 1, 2, 4 and 5 hit exactly once, step 3 again', async function () {
    this.timeout(180_000);
    // Step 3 holds its first request open: the server is killed while it waits for the answer.
    receiver.route('/step3', (_hit, count) => ({hold: count === 1}));
    await define(t, {
      name: 'five',
      steps: [1, 2, 3, 4, 5].map((n) => ({
        id: `step${n}`,
        type: 'http',
        method: 'POST',
        url: `${receiver.url}/step${n}`,
        body: {n},
      })),
    });
    const first = await start();
    const started = await cli('workflows:execute', 'five', '--json');
    expect(started.exitCode, started.stderr).to.equal(0);
    const runId = JSON.parse(started.stdout).data.id as string;

    await receiver.waitFor('/step3', 1, 60_000);
    const before = await stepsOf(t, runId);
    expect(Object.fromEntries(Object.entries(before).map(([path, step]) => [path, step.status]))).to.deep.equal({
      step1: 'completed',
      step2: 'completed',
      step3: 'running',
    });
    process.kill(first.pid, 'SIGKILL');
    await eventually(async () => processGone(first.pid), 10_000, 'the killed server to go');

    const second = await start();
    expect(second.pid).to.not.equal(first.pid);
    await eventually(
      async () => (await t.cli('workflows:status', runId, '--json')).json().data.status === 'completed',
      90_000,
      'the run to complete on the restarted server',
    );
    expect([1, 2, 3, 4, 5].map((n) => receiver.count(`/step${n}`))).to.deep.equal([1, 1, 2, 1, 1]);
    const after = await stepsOf(t, runId);
    expect(after.step1).to.deep.equal(before.step1);
    expect(after.step2).to.deep.equal(before.step2);
    expect(after.step3).to.include({status: 'completed', attempts: 2});
    expect(after.step4).to.include({status: 'completed', attempts: 1});
    // Both attempts of step 3 carried the same key, so a receiver could tell the repeat apart.
    const keys = receiver.hits.filter((hit) => hit.path === '/step3').map((hit) => hit.headers['idempotency-key']);
    expect(keys).to.deep.equal([`run:${runId}:step3`, `run:${runId}:step3`]);
    const history = (await ok(t, 'workflows:history', 'five', '--json')).json().data;
    expect(history.map((run: {status: string}) => run.status)).to.deep.equal(['completed']);
    await ok(t, 'system:stop');
  });

  it('execute --wait with the server running follows the run the server executes', async () => {
    await define(t, {
      name: 'served',
      steps: [
        {id: 'first', type: 'http', url: `${receiver.url}/first`},
        {id: 'rest', type: 'delay', duration: '200ms'},
      ],
    });
    await start();
    const run = followed(await cli('workflows:execute', 'served', '--wait', '--json'));
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.end.status).to.equal('completed');
    expect(receiver.count('/first')).to.equal(1);
    expect(run.lines.map((line) => `${line.step} ${line.status}`)).to.include.members([
      'first completed',
      'rest completed',
    ]);
    await ok(t, 'system:stop');
  });
});
