import {expect} from 'chai';
import {APP_ROOT, TRUST_OFF, appCli, auditLog, describeEachEngine, expectFailure, ok} from '@systemprompt/testing';
import {cliWith, define, execute, followed, startReceiver, status, stepsOf, type Receiver} from './helpers.js';

describeEachEngine('workflow runs: cancel, retry, history, events, permissions', {root: APP_ROOT}, (t) => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    receiver.release();
    await receiver.close();
  });

  const threeSteps = () =>
    define(t, {
      name: 'abc',
      steps: ['a', 'b', 'c'].map((id) => ({id, type: 'http', url: `${receiver.url}/${id}`})),
    });

  it('retry runs the steps that did not complete; --from-step S runs S and what follows again; earlier results are kept', async () => {
    // c fails twice, then answers.
    receiver.route('/c', (_hit, count) => ({status: count <= 2 ? 500 : 200}));
    await threeSteps();
    const first = await execute(t, 'abc');
    expect(first.exitCode).to.equal(1);
    expect(first.end.error).to.match(/^c: STEP_HTTP_STATUS/);
    expect([receiver.count('/a'), receiver.count('/b'), receiver.count('/c')]).to.deep.equal([1, 1, 1]);

    expectFailure(
      await t.cli('workflows:retry', first.runId, '--from-step', 'zz', '--json'),
      3,
      'STEP_NOT_FOUND',
      'no step zz',
    );
    const fromB = followed(await t.cli('workflows:retry', first.runId, '--from-step', 'b', '--wait', '--json'));
    expect(fromB.runId).to.equal(first.runId);
    expect(fromB.end.status).to.equal('failed');
    expect([receiver.count('/a'), receiver.count('/b'), receiver.count('/c')]).to.deep.equal([1, 2, 2]);

    const again = followed(await t.cli('workflows:retry', first.runId, '--wait', '--json'));
    expect(again.exitCode).to.equal(0);
    expect(again.end.status).to.equal('completed');
    expect([receiver.count('/a'), receiver.count('/b'), receiver.count('/c')]).to.deep.equal([1, 2, 3]);
    const steps = await stepsOf(t, first.runId);
    expect(steps.c).to.include({status: 'completed', attempts: 1});
    // Kept from the first run: a's result was not written again.
    expect(steps.a.output.body.count).to.equal(1);
    expectFailure(await t.cli('workflows:retry', first.runId, '--json'), 5, 'RUN_STATE', 'is completed');

    const audit = await auditLog(t);
    // Newest first.
    expect(audit.filter((row) => row.action === 'workflows.retry').map((row) => row.details)).to.deep.equal(
      [
        {workflow: 'abc', fromStep: null, cleared: 1},
        {workflow: 'abc', fromStep: 'b', cleared: 2},
      ].reverse(),
    );
  });

  it('--from-step inside a foreach clears that step of every item and the foreach, keeping the steps before it', async () => {
    await define(t, {
      name: 'items',
      steps: [
        {id: 'first', type: 'http', url: `${receiver.url}/first`},
        {
          id: 'each',
          type: 'foreach',
          items: '[1, 2]',
          steps: [
            {id: 'one', type: 'http', url: `${receiver.url}/one/{{ item }}`},
            {id: 'two', type: 'http', url: `${receiver.url}/two/{{ item }}`},
          ],
        },
      ],
    });
    receiver.route('/two/2', (_hit, count) => ({status: count === 1 ? 500 : 200}));
    const run = await execute(t, 'items');
    expect(run.end.error).to.match(/^each\[1\]\.two: STEP_HTTP_STATUS/);
    const retried = (await ok(t, 'workflows:retry', run.runId, '--from-step', 'each[0].two', '--json')).json().data;
    expect(retried.cleared).to.have.members(['each', 'each[0].two', 'each[1].two']);
    expect(retried.status).to.equal('queued');
    // Nothing runs it yet (no server): another run's --wait works the queue and takes it too.
    await define(t, {name: 'noop', steps: [{id: 'x', type: 'delay', duration: '1ms'}]});
    await execute(t, 'noop');
    const after = await status(t, run.runId);
    expect(after.status).to.equal('completed');
    expect(receiver.hits.map((hit) => hit.path).filter((path) => path !== '/first')).to.deep.equal([
      '/one/1',
      '/two/1',
      '/one/2',
      '/two/2',
      '/two/1',
      '/two/2',
    ]);
    expect(receiver.count('/first')).to.equal(1);
  });

  it('cancel stops a running run between steps (its step in flight aborted); a cancelled run can be retried', async () => {
    receiver.route('/hold', (_hit, count) => ({hold: count === 1}));
    await define(t, {
      name: 'held',
      steps: [
        {id: 'hold', type: 'http', url: `${receiver.url}/hold`},
        {id: 'next', type: 'http', url: `${receiver.url}/next`},
      ],
    });
    const running = t.cli('workflows:execute', 'held', '--wait', '--json');
    const hit = await receiver.waitFor('/hold');
    const runId = String(hit.headers['idempotency-key']).split(':')[1]!;
    // Another process cancels it, as a person at another terminal would.
    const cancel = await cliWith(t.env)('workflows:cancel', runId, '--json');
    expect(cancel.exitCode, cancel.stdout + cancel.stderr).to.equal(0);
    expect(JSON.parse(cancel.stdout).data).to.include({
      id: runId,
      status: 'cancelled',
      error: 'Cancelled by local-admin',
    });
    const run = followed(await running);
    expect(run.exitCode).to.equal(1);
    expect(run.end.status).to.equal('cancelled');
    expect(receiver.count('/next')).to.equal(0);
    const steps = await stepsOf(t, runId);
    expect(steps.hold).to.include({status: 'cancelled'});
    expectFailure(await t.cli('workflows:cancel', runId, '--json'), 5, 'RUN_STATE', 'is cancelled');

    const retried = followed(await t.cli('workflows:retry', runId, '--wait', '--json'));
    expect(retried.end.status).to.equal('completed');
    expect([receiver.count('/hold'), receiver.count('/next')]).to.deep.equal([2, 1]);
  });

  it('cancel of a queued run: its job finds it cancelled and does nothing; history lists runs newest first', async () => {
    await threeSteps();
    const queued = (await ok(t, 'workflows:execute', 'abc', '--json')).json();
    expect(queued.data).to.include({workflow: 'abc', status: 'queued', trigger: 'cli', actor: 'local-admin'});
    expect(queued.warnings[0]).to.match(/No server of this installation is running/);
    await ok(t, 'workflows:cancel', queued.data.id);
    const later = await execute(t, 'abc');
    expect(later.end.status).to.equal('completed');
    expect(receiver.count('/a')).to.equal(1);
    const history = (await ok(t, 'workflows:history', '--json')).json();
    expect(history.meta.total).to.equal(2);
    expect(history.data.map((run: {id: string; status: string}) => [run.id, run.status])).to.deep.equal([
      [later.runId, 'completed'],
      [queued.data.id, 'cancelled'],
    ]);
    expect(
      (await ok(t, 'workflows:history', 'abc', '--filter', 'status=cancelled', '--json')).json().data,
    ).to.have.length(1);
    expectFailure(await t.cli('workflows:status', 'nope', '--json'), 3, 'RUN_NOT_FOUND');
  });

  it('execute --dry-run makes the checks a start makes and starts nothing', async () => {
    await define(t, {
      name: 'typed',
      inputs: {type: 'object', properties: {n: {type: 'integer'}}, required: ['n']},
      steps: [{id: 'a', type: 'http', url: `${receiver.url}/a`}],
    });
    const checked = await ok(t, 'workflows:execute', 'typed', '--input', '{"n": 1}', '--dry-run', '--json');
    expect(checked.json().data).to.deep.equal({workflow: 'typed', version: 1, dryRun: true});
    for (const extra of [[], ['--dry-run']]) {
      expectFailure(
        await t.cli('workflows:execute', 'typed', '--input', '{"n": "one"}', ...extra, '--json'),
        2,
        'WORKFLOW_INPUT_INVALID',
        '/n must be integer',
      );
      expectFailure(
        await t.cli('workflows:execute', 'typed', '--input', '[1]', ...extra, '--json'),
        2,
        'WORKFLOW_INPUT_INVALID',
        'must be a JSON object',
      );
      expectFailure(await t.cli('workflows:execute', 'nope', ...extra, '--json'), 3, 'WORKFLOW_NOT_FOUND');
    }
    expect((await ok(t, 'workflows:history', '--json')).json().meta.total).to.equal(0);
  });

  it('emits workflow.run.started, completed, failed and cancelled with the run, its workflow and status', async () => {
    receiver.route('/c', () => ({status: 500}));
    await threeSteps();
    const failed = await execute(t, 'abc');
    receiver.route('/c', () => ({}));
    const completed = await execute(t, 'abc');
    const queued = (await ok(t, 'workflows:execute', 'abc', '--json')).json().data.id as string;
    await ok(t, 'workflows:cancel', queued);
    const events = (await ok(t, 'system:events', '--type', 'workflow.*', '--json')).json().data as Array<{
      type: string;
      subject: string;
      actor: string;
      payload: any;
    }>;
    const seen = events.map((event) => `${event.type} ${event.subject}`);
    expect(seen).to.deep.equal([
      `workflow.run.started ${failed.runId}`,
      `workflow.run.failed ${failed.runId}`,
      `workflow.run.started ${completed.runId}`,
      `workflow.run.completed ${completed.runId}`,
      `workflow.run.cancelled ${queued}`,
    ]);
    const failure = events[1]!;
    expect(failure.actor).to.equal('local-admin');
    expect(failure.payload).to.include({
      runId: failed.runId,
      workflow: 'abc',
      version: 1,
      status: 'failed',
      parentRunId: null,
      trigger: 'cli',
    });
    expect(failure.payload.error).to.match(/^c: STEP_HTTP_STATUS/);
  });

  it("a tool step the run's user may not use fails with the denial, which the audit log records", async () => {
    await define(t, {
      name: 'make-user',
      steps: [
        {id: 'look', type: 'tool', tool: 'users_list', args: {limit: 1}},
        {id: 'make', type: 'tool', tool: 'users_create', args: {email: 'new@example.com'}},
        {id: 'after', type: 'http', url: `${receiver.url}/after`},
      ],
    });
    await ok(t, 'users:create', '--email', 'viewer@example.com', '--role', 'viewer');
    await ok(t, 'permissions:grant', 'workflows:execute', '--user', 'viewer@example.com');
    const key = (
      await ok(
        t,
        'api:keys:create',
        '--user',
        'viewer@example.com',
        '--name',
        'cli',
        '--scope',
        '*:read',
        '--scope',
        'workflows:execute',
        '--json',
      )
    ).json().data.key as string;
    const run = followed(
      await appCli(t, {...TRUST_OFF, SYSTEMPROMPT_API_KEY: key}, 'workflows:execute', 'make-user', '--wait', '--json'),
    );
    expect(run.exitCode).to.equal(1);
    expect(run.end.status).to.equal('failed');
    expect(run.end.error).to.match(
      /^make: STEP_TOOL_DENIED: The tool users_create was refused: permission denied: viewer@example\.com may not .*users:create is required/,
    );
    const steps = await stepsOf(t, run.runId);
    expect(steps.look).to.include({status: 'completed'});
    expect(steps.make).to.include({status: 'failed', attempts: 1});
    expect(receiver.count('/after')).to.equal(0);
    expect((await status(t, run.runId)).actor).to.equal('viewer@example.com');
    expect((await t.cli('users:get', 'new@example.com', '--json')).exitCode, 'the user was not made').to.equal(3);
    const denial = (await auditLog(t)).find((row) => row.action === 'mcp.tool.call' && row.target === 'users_create');
    expect(denial).to.include({actor: 'viewer@example.com', result: 'denied', permission: 'users:create'});
  });
});

describeEachEngine('workflows:execute --wait with no server (the bin, a temporary worker)', {root: APP_ROOT}, (t) => {
  it('boots every module, runs the workflow in the CLI process, prints one envelope per step change and exits 0', async () => {
    await define(t, {
      name: 'report',
      steps: [
        {id: 'users', type: 'tool', tool: 'users_list', args: {limit: 1}},
        {id: 'health', type: 'tool', tool: 'database_status'},
        {id: 'rest', type: 'delay', duration: '300ms'},
      ],
      output: '{"users": steps.users.output.total, "engine": steps.health.output.engine}',
    });
    const cli = cliWith(t.env);
    const run = followed(await cli('workflows:execute', 'report', '--wait', '--json'));
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.end).to.deep.include({status: 'completed', output: {users: 0, engine: t.engine}});
    expect(run.lines.map((line) => `${line.step} ${line.status}`)).to.include.members([
      '(run) queued',
      'users completed',
      'health completed',
      'rest waiting',
      'rest completed',
      '(run) completed',
    ]);
    // On a terminal-less run without --json: aligned lines, the run's end last.
    const text = await cli('workflows:execute', 'report', '--wait');
    expect(text.exitCode, text.stderr).to.equal(0);
    expect(text.stdout.trim().split('\n').at(-1)).to.match(/\(run\)\s+completed\s+\{"users":0/);
    const nothing = await cli('workflows:execute', 'missing', '--wait', '--json');
    expectFailure(nothing, 3, 'WORKFLOW_NOT_FOUND');
  });
});
