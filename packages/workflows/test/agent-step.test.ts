import {expect} from 'chai';
import {APP_ROOT, describeEachEngine, ok, type ModelStub} from '@systemprompt/testing';
import {stubProvider} from '../../agents/test/helpers.js';
import {define, execute, stepsOf} from './helpers.js';

describeEachEngine('workflow agent steps', {root: APP_ROOT}, (t) => {
  let stub: ModelStub | undefined;
  afterEach(async () => {
    await stub?.close();
    stub = undefined;
  });

  it("gives the agent a task (templated from the run's input), waits for its answer and stores it as the step's output", async () => {
    stub = await stubProvider(t, 'openai', [
      {toolCalls: [{name: 'users_create', arguments: {email: 'carol@example.com'}}]},
      {text: 'Created carol@example.com.'},
    ]);
    await ok(t, 'agents:create', 'helper', '-i', 'You manage users.', '--tools', 'users_*');
    await define(t, {
      name: 'onboard',
      inputs: {type: 'object', properties: {email: {type: 'string'}}, required: ['email']},
      steps: [
        {id: 'ask', type: 'agent', agent: 'helper', task: 'create user {{ inputs.email }}', input: {source: 'hr'}},
        {id: 'check', type: 'tool', tool: 'users_get', args: {user: '{{ inputs.email }}'}},
      ],
      output: '{"answer": steps.ask.output.output, "email": steps.check.output.email}',
    });
    // The agent is stopped: a workflow's agent step runs it in the run's own job all the same.
    const run = await execute(t, 'onboard', {email: 'carol@example.com'});
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.end).to.deep.include({
      status: 'completed',
      output: {answer: 'Created carol@example.com.', email: 'carol@example.com'},
    });
    const steps = await stepsOf(t, run.runId);
    const taskId = steps.ask.output.task as string;
    const task = (await ok(t, 'agents:status', taskId, '--json')).json().data;
    expect(task).to.include({
      status: 'completed',
      trigger: `workflow:${run.runId}`,
      text: 'create user carol@example.com',
    });
    expect(task.input).to.deep.equal({source: 'hr'});
    const user = stub.requests[0]!.body.messages.find((message: {role: string}) => message.role === 'user');
    expect(user.content).to.contain('create user carol@example.com').and.to.contain('{"source":"hr"}');
  });

  it('an agent task that fails fails the step with the reason; a missing agent is a clear error', async () => {
    stub = await stubProvider(t, 'openai', [], {toolCalls: [{name: 'users_list', arguments: {}}]});
    await ok(t, 'agents:create', 'looper', '-i', 'x', '--tools', 'users_list', '--max-steps', '2');
    await define(t, {name: 'loop', steps: [{id: 'ask', type: 'agent', agent: 'looper', task: 'go'}]});
    const run = await execute(t, 'loop');
    expect(run.exitCode).to.equal(1);
    expect(run.end.error).to.match(
      /^ask: STEP_AGENT_FAILED: The agent looper ended its task \w+ limited: Stopped after 2 model calls/,
    );
    await define(t, {name: 'nobody', steps: [{id: 'ask', type: 'agent', agent: 'nobody', task: 'go'}]});
    expect((await execute(t, 'nobody')).end.error).to.match(/^ask: AGENT_NOT_FOUND: No agent nobody/);
  });
});
