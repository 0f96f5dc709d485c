import {expect} from 'chai';
import {
  APP_ROOT,
  TRUST_OFF,
  appCli,
  auditLog,
  describeEachEngine,
  expectFailure,
  ok,
  type ModelStub,
} from '@systemprompt/testing';
import {assignAndWait, followed, stubProvider, taskOf} from './helpers.js';

const createBob = {toolCalls: [{name: 'users_create', arguments: {email: 'bob@example.com'}}]};

describeEachEngine('agents: the model-tool loop through the OS tools, as the agent user', {root: APP_ROOT}, (t) => {
  let stub: ModelStub | undefined;
  afterEach(async () => {
    await stub?.close();
    stub = undefined;
  });

  for (const format of ['openai', 'anthropic'] as const) {
    it(`${format}: "create user bob" calls users_create as the agent's user, the user exists, every step is recorded`, async () => {
      stub = await stubProvider(t, format, [
        createBob,
        {text: 'I created bob@example.com.', usage: {input: 40, output: 8}},
      ]);
      await ok(t, 'users:create', '--email', 'admin@example.com', '--role', 'admin');
      await ok(
        t,
        'agents:create',
        'helper',
        '--instructions',
        'You manage users.',
        '--tools',
        'users_*',
        '--as',
        'admin@example.com',
        '--start',
      );
      const run = await assignAndWait(t, 'helper', 'create user bob@example.com');
      expect(run.exitCode, run.stderr).to.equal(0);
      expect(run.end).to.include({status: 'completed', output: 'I created bob@example.com.'});
      expect((await ok(t, 'users:get', 'bob@example.com', '--json')).json().data.email).to.equal('bob@example.com');

      // The model was offered the allowed tools its user may call, and got the tool's result back.
      const offered =
        format === 'openai'
          ? stub.requests[0]!.body.tools.map((tool: any) => tool.function.name)
          : stub.requests[0]!.body.tools.map((tool: any) => tool.name);
      expect(offered).to.include.members(['users_create', 'users_list']);
      expect(offered.every((name: string) => name.startsWith('users_'))).to.equal(true);
      expect(JSON.stringify(stub.requests[1]!.body.messages))
        .to.contain('bob@example.com')
        .and.to.contain(format === 'openai' ? '"role":"tool"' : 'tool_result');

      const task = await taskOf(t, run.taskId);
      expect(task).to.include({status: 'completed', stopReason: 'answer', steps: 2, tokensIn: 50, tokensOut: 13});
      expect(
        task.log.map((step: any) =>
          `${step.seq} ${step.kind} ${step.name} ${step.status} ${step.outcome ?? ''}`.trim(),
        ),
      ).to.deep.equal([
        '1 model stub-model completed',
        '2 tool users_create completed ok',
        '3 model stub-model completed',
      ]);
      expect(task.log[1].input).to.deep.equal({email: 'bob@example.com'});
      expect(task.log[0].latencyMs).to.be.a('number');

      // agents:logs replays it.
      const logs = await ok(t, 'agents:logs', 'helper');
      expect(logs.stdout)
        .to.match(/users_create\s+ok/)
        .and.to.contain('I created bob@example.com.');
      const audit = (await auditLog(t)).find((row) => row.action === 'mcp.tool.call' && row.target === 'users_create');
      expect(audit).to.include({actor: 'admin@example.com via agent helper', result: 'ok'});
    });
  }

  it("the same agent acting as a viewer is denied: the denial is in the task's log and the audit log", async () => {
    stub = await stubProvider(t, 'openai', [createBob, {text: 'I may not create users.'}]);
    await ok(t, 'users:create', '--email', 'viewer@example.com', '--role', 'viewer');
    await ok(
      t,
      'agents:create',
      'helper',
      '--instructions',
      'You manage users.',
      '--tools',
      'users_*',
      '--as',
      'viewer@example.com',
      '--start',
    );
    const run = await assignAndWait(t, 'helper', 'create user bob@example.com');
    expect(run.exitCode, run.stderr).to.equal(0);
    // The viewer may not create users: the model was not offered the tool, and its call was denied.
    const offered = stub.requests[0]!.body.tools.map((tool: any) => tool.function.name);
    expect(offered).to.include('users_list').and.not.include('users_create');
    const denied = run.lines.find((line) => line.name === 'users_create');
    expect(denied).to.include({kind: 'tool', status: 'denied'});
    const step = (await taskOf(t, run.taskId)).log.find((each: any) => each.name === 'users_create');
    expect(step.output).to.match(/permission denied: .*users:create/);
    expect((await t.cli('users:get', 'bob@example.com', '--json')).exitCode, 'bob was not made').to.equal(3);
    const audit = (await auditLog(t)).find((row) => row.action === 'mcp.tool.call' && row.target === 'users_create');
    expect(audit).to.include({
      actor: 'viewer@example.com via agent helper',
      result: 'denied',
      permission: 'users:create',
    });
    expect(JSON.stringify(stub.requests[1]!.body.messages)).to.contain('permission denied');
  });

  it('a tool outside the allow-list is refused without being called, on the record', async () => {
    stub = await stubProvider(t, 'openai', [{toolCalls: [{name: 'database_status', arguments: {}}]}, {text: 'ok'}]);
    await ok(t, 'agents:create', 'narrow', '--instructions', 'Only list users.', '--tools', 'users_list', '--start');
    const run = await assignAndWait(t, 'narrow', 'how is the database?');
    expect(run.lines.find((line) => line.name === 'database_status')).to.include({status: 'refused'});
    const audit = (await auditLog(t)).filter((row) => row.target === 'database_status');
    expect(audit.map((row) => `${row.action} ${row.result}`)).to.deep.equal(['agents.tool.refused denied']);
  });

  it('a model that keeps calling tools stops at max steps with status limited', async () => {
    stub = await stubProvider(t, 'openai', [], {toolCalls: [{name: 'users_list', arguments: {}}]});
    await ok(
      t,
      'agents:create',
      'looper',
      '--instructions',
      'List users forever.',
      '--tools',
      'users_list',
      '--max-steps',
      '3',
      '--start',
    );
    const run = await assignAndWait(t, 'looper', 'list users');
    expect(run.exitCode).to.equal(1);
    expect(run.end.status).to.equal('limited');
    expect(run.end.error).to.match(/Stopped after 3 model calls \(max steps 3\)/);
    const task = await taskOf(t, run.taskId);
    expect(task).to.include({status: 'limited', stopReason: 'max-steps', steps: 3});
    expect(task.log.filter((step: any) => step.kind === 'tool')).to.have.length(3);
    expect(stub.requests).to.have.length(3);
  });

  it('a 429 with Retry-After is retried after that delay', async () => {
    stub = await stubProvider(t, 'openai', [{status: 429, headers: {'retry-after': '1'}}, {text: 'fine'}]);
    await ok(t, 'agents:create', 'patient', '--instructions', 'Answer.', '--start');
    const run = await assignAndWait(t, 'patient', 'hello');
    expect(run.end).to.include({status: 'completed', output: 'fine'});
    expect(stub.requests).to.have.length(2);
    expect(stub.requests[1]!.at - stub.requests[0]!.at).to.be.at.least(950);
    // The key came from the environment variable the provider names.
    expect(stub.requests[0]!.headers.authorization).to.equal(`Bearer ${process.env.AGENTS_TEST_STUB_KEY}`);
  });

  it('a model that keeps failing fails the task with the provider status, after the retries', async () => {
    stub = await stubProvider(t, 'anthropic', [], {
      status: 500,
      body: {type: 'error', error: {type: 'api_error', message: 'overloaded'}},
    });
    await ok(t, 'config:set', 'agents.modelRetries', '0');
    await ok(t, 'agents:create', 'broken', '--instructions', 'Answer.', '--start');
    const run = await assignAndWait(t, 'broken', 'hello');
    expect(run.exitCode).to.equal(1);
    expect(run.end.status).to.equal('failed');
    expect(run.end.error).to.match(/answered HTTP 500.*overloaded/);
  });

  it('max tokens and a cost budget stop a task that asks for more tools', async () => {
    stub = await stubProvider(t, 'openai', [], {
      toolCalls: [{name: 'users_list', arguments: {}}],
      usage: {input: 600, output: 100},
    });
    await ok(
      t,
      'agents:create',
      'costly',
      '--instructions',
      'x',
      '--tools',
      'users_list',
      '--max-tokens',
      '1000',
      '--start',
    );
    expect((await assignAndWait(t, 'costly', 'go')).end.error).to.match(/1400 tokens used \(max tokens 1000\)/);
    await ok(
      t,
      'agents:config',
      'costly',
      '--max-tokens',
      '100000',
      '--max-cost',
      '0.01',
      '--price-input',
      '5',
      '--price-output',
      '15',
    );
    const run = await assignAndWait(t, 'costly', 'go');
    expect(run.end.status).to.equal('limited');
    const task = await taskOf(t, run.taskId);
    // Each answer costs (600 × 5 + 100 × 15) / 1e6 = 0.0045: the third passes 0.01.
    expect(task).to.include({stopReason: 'budget', steps: 3});
    expect(task.cost).to.be.closeTo(0.0135, 1e-9);
  });

  it('a stopped agent keeps its tasks pending; agents:start queues them; status counts them', async () => {
    stub = await stubProvider(t, 'openai');
    await ok(t, 'agents:create', 'idle', '--instructions', 'Answer.');
    const task = (await ok(t, 'agents:assign', 'idle', 'one', '--json')).json().data;
    expect(task.status).to.equal('pending');
    let status = (await ok(t, 'agents:status', '--json')).json().data;
    expect(status).to.deep.include.members([{...status[0], agent: 'idle', state: 'stopped', pending: 1, queued: 0}]);
    const started = (await ok(t, 'agents:start', 'idle', '--json')).json().data;
    expect(started).to.include({state: 'started', changed: true, queued: 1});
    status = (await ok(t, 'agents:status', 'idle', '--json')).json().data;
    expect(status).to.include({state: 'started', pending: 0, queued: 1});
    expect((await ok(t, 'queue:jobs', '--filter', 'queue=agents.task', '--json')).json().data).to.have.length(1);
    const cancelled = (await ok(t, 'agents:cancel', task.id, '--json')).json().data;
    expect(cancelled).to.include({status: 'cancelled'});
    expectFailure(await t.cli('agents:cancel', task.id, '--json'), 5, 'TASK_STATE');
  });

  it('agents:list, agents:config show and change; delete refuses while tasks wait', async () => {
    stub = await stubProvider(t, 'openai');
    await ok(
      t,
      'agents:create',
      'helper',
      '-i',
      'You help.',
      '-t',
      'users_list,users_get',
      '-d',
      'Answers questions',
      '--max-steps',
      '5',
      '--timeout',
      '2m',
    );
    const list = (await ok(t, 'agents:list', '--json')).json().data;
    expect(list).to.have.length(1);
    expect(list[0]).to.include({name: 'helper', state: 'stopped', model: 'stub/stub-model', runAs: 'local-admin'});
    expect(list[0].tools).to.deep.equal(['users_get', 'users_list']);
    expect(list[0].limits).to.deep.equal({maxSteps: 5, timeoutSeconds: 120});
    const changed = (await ok(t, 'agents:config', 'helper', '--max-steps', '9', '--tools', 'users_*', '--json')).json()
      .data;
    expect(changed.changed).to.have.members(['tools', 'limits']);
    expect(changed.limits).to.deep.equal({maxSteps: 9, timeoutSeconds: 120});
    const shown = await ok(t, 'agents:config', 'helper');
    expect(shown.stdout)
      .to.contain('You help.')
      .and.to.match(/maxSteps=9/);
    await ok(t, 'agents:assign', 'helper', 'wait for me');
    expectFailure(await t.cli('agents:delete', 'helper', '--confirm', '--json'), 5, 'AGENT_BUSY');
    const deleted = (await ok(t, 'agents:delete', 'helper', '--confirm', '--force', '--json')).json().data;
    expect(deleted).to.include({deleted: true, tasks: 1});
    expectFailure(await t.cli('agents:config', 'helper', '--json'), 3, 'AGENT_NOT_FOUND');
  });

  it('bad input: one line, documented exit codes, nothing stored', async () => {
    stub = await stubProvider(t, 'openai');
    expectFailure(await t.cli('agents:create', 'Bad Name', '-i', 'x', '--json'), 2, 'AGENT_NAME_INVALID');
    expectFailure(await t.cli('agents:create', 'a', '-i', 'x', '--model', 'nope', '--json'), 3, 'AGENT_MODEL_UNKNOWN');
    expectFailure(
      await t.cli('agents:create', 'a', '-i', 'x', '--max-cost', '1', '--json'),
      2,
      'AGENT_SETTING_INVALID',
    );
    expectFailure(await t.cli('agents:create', 'a', '-i', '   ', '--json'), 2, 'AGENT_SETTING_INVALID');
    expectFailure(
      await t.cli('agents:create', 'a', '-i', 'x', '--tools', 'users list', '--json'),
      2,
      'AGENT_SETTING_INVALID',
    );
    expectFailure(
      await t.cli('agents:create', 'a', '-i', 'x', '--timeout', 'soon', '--json'),
      2,
      'AGENT_SETTING_INVALID',
    );
    expect((await ok(t, 'agents:list', '--json')).json().data).to.have.length(0);
    await ok(t, 'agents:create', 'a', '-i', 'x');
    expectFailure(await t.cli('agents:create', 'a', '-i', 'x', '--json'), 5, 'AGENT_EXISTS');
    expectFailure(await t.cli('agents:assign', 'a', 'go', '--input', '[1]', '--json'), 2, 'TASK_INVALID');
    expectFailure(await t.cli('agents:assign', 'a', 'go', '--input', '{', '--json'), 2, 'TASK_INVALID');
    expectFailure(await t.cli('agents:assign', 'a', '  ', '--json'), 2, 'TASK_INVALID');
    expectFailure(await t.cli('agents:assign', 'zzz', 'go', '--json'), 3, 'AGENT_NOT_FOUND');
    expectFailure(await t.cli('agents:status', '0000000000000000000000000Z', '--json'), 3, 'TASK_NOT_FOUND');
  });

  it('nobody makes an agent stronger than themselves: act-as and assign need the user’s permissions', async () => {
    stub = await stubProvider(t, 'openai');
    await ok(t, 'users:create', '--email', 'admin@example.com', '--role', 'admin');
    await ok(t, 'users:create', '--email', 'operator@example.com', '--role', 'viewer');
    await ok(t, 'permissions:grant', 'agents:write', '--user', 'operator@example.com');
    await ok(t, 'permissions:grant', 'agents:execute', '--user', 'operator@example.com');
    await ok(t, 'permissions:grant', 'agents:admin', '--user', 'operator@example.com');
    await ok(t, 'agents:create', 'strong', '-i', 'x', '--tools', '*', '--as', 'admin@example.com', '--start');
    const key = (
      await ok(
        t,
        'api:keys:create',
        '--user',
        'operator@example.com',
        '--name',
        'cli',
        '--scope',
        '*:read',
        '--scope',
        'agents:write',
        '--scope',
        'agents:execute',
        '--scope',
        'agents:admin',
        '--json',
      )
    ).json().data.key as string;
    const as = (...args: string[]) => appCli(t, {...TRUST_OFF, SYSTEMPROMPT_API_KEY: key}, ...args, '--json');
    expectFailure(
      await as('agents:create', 'mine', '-i', 'x', '--as', 'admin@example.com'),
      4,
      'PERMISSION_ESCALATION',
    );
    expectFailure(await as('agents:assign', 'strong', 'make me an admin'), 4, 'PERMISSION_ESCALATION');
    expectFailure(await as('agents:config', 'strong', '--tools', 'users_*'), 4, 'PERMISSION_ESCALATION');
    expectFailure(await as('agents:start', 'strong'), 4, 'PERMISSION_ESCALATION');
    // Acting as themselves is fine.
    const own = await as('agents:create', 'mine', '-i', 'x', '--tools', 'users_list');
    expect(own.exitCode, own.stderr).to.equal(0);
    expect(JSON.parse(own.stdout).data.runAs).to.equal('operator@example.com');
    // A viewer without agents:* sees nothing.
    await ok(t, 'users:create', '--email', 'viewer@example.com', '--role', 'viewer');
    const viewerKey = (
      await ok(t, 'api:keys:create', '--user', 'viewer@example.com', '--name', 'v', '--scope', '*:read', '--json')
    ).json().data.key as string;
    const viewer = (...args: string[]) => appCli(t, {...TRUST_OFF, SYSTEMPROMPT_API_KEY: viewerKey}, ...args, '--json');
    expectFailure(await viewer('agents:create', 'v', '-i', 'x'), 4, 'PERMISSION_DENIED');
    expectFailure(await viewer('agents:assign', 'mine', 'go'), 4, 'PERMISSION_DENIED');
    expect(followed).to.be.a('function');
  });
});
