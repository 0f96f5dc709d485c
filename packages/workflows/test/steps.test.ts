import {expect} from 'chai';
import {APP_ROOT, describeEachEngine, ok} from '@systemprompt/testing';
import {define, execute, startReceiver, status, stepsOf, type Receiver} from './helpers.js';

describeEachEngine('workflow steps (workflows:execute --wait, run in this process)', {root: APP_ROOT}, (t) => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('http: templates in url, headers and body; the answer is the output; an Idempotency-Key per run and step', async () => {
    await define(t, {
      name: 'post',
      inputs: {type: 'object', properties: {name: {type: 'string'}, n: {type: 'integer'}}, required: ['name']},
      steps: [
        {
          id: 'send',
          type: 'http',
          method: 'POST',
          url: `${receiver.url}/people/{{ inputs.name }}`,
          headers: {'x-count': '{{ inputs.n * 2 }}'},
          body: {name: '{{ inputs.name }}', n: '{{ inputs.n }}', text: 'n is {{ inputs.n }}'},
        },
        {id: 'missing', type: 'http', url: `${receiver.url}/gone`, allowStatus: [404]},
      ],
      output: '{"echo": steps.send.output.body.body, "status": steps.missing.output.status}',
    });
    receiver.route('/gone', () => ({status: 404, body: 'not here'}));
    const run = await execute(t, 'post', {name: 'ana', n: 21});
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.end).to.deep.include({
      status: 'completed',
      output: {echo: {name: 'ana', n: 21, text: 'n is 21'}, status: 404},
    });
    const [hit] = receiver.hits;
    expect(hit).to.include({path: '/people/ana', method: 'POST'});
    expect(hit!.headers).to.include({
      'x-count': '42',
      'idempotency-key': `run:${run.runId}:send`,
      'content-type': 'application/json',
    });
    const steps = await stepsOf(t, run.runId);
    expect(steps.send).to.include({status: 'completed', attempts: 1, type: 'http'});
    expect(steps.send.output).to.include({status: 200});
    expect(steps.missing.output).to.deep.include({status: 404, body: 'not here'});
    expect(run.lines.map((line) => `${line.step} ${line.status}`)).to.include.members([
      '(run) queued',
      'send completed',
      'missing completed',
      '(run) completed',
    ]);
  });

  it('http: a status outside 2xx fails the step and the run (exit 1), naming the step', async () => {
    receiver.route('/boom', () => ({status: 503, body: 'down'}));
    await define(t, {
      name: 'boom',
      steps: [
        {id: 'call', type: 'http', url: `${receiver.url}/boom`},
        {id: 'after', type: 'http', url: `${receiver.url}/after`},
      ],
    });
    const run = await execute(t, 'boom');
    expect(run.exitCode).to.equal(1);
    expect(run.end.status).to.equal('failed');
    expect(run.end.error).to.match(/^call: STEP_HTTP_STATUS: GET http:\/\/127\.0\.0\.1:\d+\/boom answered 503/);
    expect(receiver.count('/after')).to.equal(0);
    const steps = await stepsOf(t, run.runId);
    expect(steps.call).to.include({status: 'failed', attempts: 1});
    expect(steps.after).to.equal(undefined);
  });

  it('tool: calls an OS tool with templated arguments as the run user; its structured result is the output', async () => {
    await ok(t, 'users:create', '--email', 'ana@example.com');
    await define(t, {
      name: 'users',
      inputs: {type: 'object', properties: {limit: {type: 'integer', default: 5}}},
      steps: [{id: 'list', type: 'tool', tool: 'users_list', args: {limit: '{{ inputs.limit }}', search: 'ana'}}],
      output: 'steps.list.output.items.email',
    });
    const run = await execute(t, 'users');
    expect(run.end, run.stderr).to.deep.include({status: 'completed', output: 'ana@example.com'});
    const steps = await stepsOf(t, run.runId);
    expect(steps.list.output).to.deep.include({total: 1, limit: 5});

    await define(t, {name: 'unknown-tool', steps: [{id: 'x', type: 'tool', tool: 'no_such_tool'}]});
    const failed = await execute(t, 'unknown-tool');
    expect(failed.end.status).to.equal('failed');
    expect(failed.end.error).to.match(/^x: TOOL_NOT_FOUND: /);
  });

  it('if and condition: a false if skips the step; a condition runs then or else', async () => {
    await define(t, {
      name: 'branches',
      inputs: {type: 'object', properties: {big: {type: 'boolean'}}},
      steps: [
        {id: 'maybe', type: 'http', if: 'inputs.big', url: `${receiver.url}/maybe`},
        {
          id: 'choose',
          type: 'condition',
          expression: '{{ inputs.big }}',
          then: [{id: 'large', type: 'http', url: `${receiver.url}/large`}],
          else: [{id: 'small', type: 'http', url: `${receiver.url}/small`}],
        },
      ],
      output: '{"branch": steps.choose.output.branch, "maybe": steps.maybe.status}',
    });
    const small = await execute(t, 'branches', {big: false});
    expect(small.end.output).to.deep.equal({branch: 'else', maybe: 'skipped'});
    const large = await execute(t, 'branches', {big: true});
    expect(large.end.output).to.deep.equal({branch: 'then', maybe: 'completed'});
    expect(receiver.hits.map((hit) => hit.path)).to.deep.equal(['/small', '/maybe', '/large']);
    const steps = await stepsOf(t, small.runId);
    expect(Object.keys(steps)).to.have.members(['maybe', 'choose', 'small']);
    expect(steps.maybe).to.include({status: 'skipped', attempts: 0});
  });

  it('parallel: runs its branches at the same time; the output is each branch last output', async () => {
    // /slow answers only once both /fast calls came: run one branch after the other, and it never would.
    receiver.route('/slow', () => ({hold: true, body: 'slow'}));
    receiver.route('/fast', (_hit, count) => {
      if (count === 2) setTimeout(() => receiver.release(), 10);
      return {body: 'fast'};
    });
    await define(t, {
      name: 'fan',
      steps: [
        {
          id: 'both',
          type: 'parallel',
          branches: [
            [{id: 'a', type: 'http', url: `${receiver.url}/slow`}],
            [
              {id: 'b', type: 'http', url: `${receiver.url}/fast`},
              {id: 'c', type: 'http', url: `${receiver.url}/fast`},
            ],
          ],
        },
      ],
      output: 'steps.both.output.body',
    });
    const run = await execute(t, 'fan');
    expect(run.end).to.deep.include({status: 'completed', output: ['slow', 'fast']});
    expect(receiver.hits.map((hit) => hit.path)).to.have.members(['/slow', '/fast', '/fast']);
    const steps = await stepsOf(t, run.runId);
    expect(Object.keys(steps)).to.have.members(['both', 'a', 'b', 'c']);
  });

  it('parallel: a failing branch fails the step; the other branch starts no further step', async () => {
    receiver.route('/bad', () => ({status: 500}));
    receiver.route('/slow', () => ({delayMs: 300}));
    await define(t, {
      name: 'fan-fail',
      steps: [
        {
          id: 'both',
          type: 'parallel',
          branches: [
            [{id: 'bad', type: 'http', url: `${receiver.url}/bad`}],
            [
              {id: 'slow', type: 'http', url: `${receiver.url}/slow`},
              {id: 'later', type: 'http', url: `${receiver.url}/later`},
            ],
          ],
        },
      ],
    });
    const run = await execute(t, 'fan-fail');
    expect(run.end.status).to.equal('failed');
    expect(run.end.error).to.match(/^bad: STEP_HTTP_STATUS/);
    expect(receiver.count('/later')).to.equal(0);
    const steps = await stepsOf(t, run.runId);
    expect(steps.both).to.include({status: 'failed'});
    expect(steps.both.error).to.match(/^bad: STEP_HTTP_STATUS/);
    expect(steps.slow).to.include({status: 'completed'});
  });

  it('foreach: runs its steps per item (item and index), concurrency at a time; paths name the item', async () => {
    await define(t, {
      name: 'each',
      inputs: {type: 'object', properties: {names: {type: 'array', items: {type: 'string'}}}},
      steps: [
        {
          id: 'each',
          type: 'foreach',
          items: 'inputs.names',
          concurrency: 2,
          steps: [
            {
              id: 'save',
              type: 'http',
              method: 'PUT',
              url: `${receiver.url}/save/{{ index }}`,
              body: {name: '{{ item }}'},
            },
            {
              id: 'shout',
              type: 'http',
              method: 'POST',
              url: `${receiver.url}/shout`,
              body: {text: '{{ $uppercase(steps.save.output.body.body.name) }}'},
            },
          ],
        },
      ],
      output: 'steps.each.output.body.body.text',
    });
    const run = await execute(t, 'each', {names: ['ana', 'bo', 'cy']});
    expect(run.end).to.deep.include({status: 'completed', output: ['ANA', 'BO', 'CY']});
    expect(receiver.count('/shout')).to.equal(3);
    expect(receiver.hits.filter((hit) => hit.path.startsWith('/save/')).map((hit) => hit.path)).to.have.members([
      '/save/0',
      '/save/1',
      '/save/2',
    ]);
    const steps = await stepsOf(t, run.runId);
    expect(Object.keys(steps)).to.have.members([
      'each',
      'each[0].save',
      'each[0].shout',
      'each[1].save',
      'each[1].shout',
      'each[2].save',
      'each[2].shout',
    ]);
    expect(receiver.hits.find((hit) => hit.path === '/save/1')!.headers['idempotency-key']).to.equal(
      `run:${run.runId}:each[1].save`,
    );

    const empty = await execute(t, 'each', {names: []});
    expect(empty.end).to.deep.include({status: 'completed', output: null});
  });

  it('workflow: runs a sub-workflow with its input as a sub-run; its output is the step output', async () => {
    await define(t, {
      name: 'child',
      inputs: {type: 'object', properties: {x: {type: 'integer'}}, required: ['x']},
      steps: [{id: 'echo', type: 'http', method: 'POST', url: `${receiver.url}/child`, body: {x: '{{ inputs.x }}'}}],
      output: 'steps.echo.output.body.body.x * 10',
    });
    await define(t, {
      name: 'parent',
      steps: [
        {id: 'sub', type: 'workflow', workflow: 'child', input: {x: 4}},
        {id: 'bad', type: 'workflow', workflow: 'child', input: {x: 'four'}, if: 'steps.sub.output = 40'},
      ],
    });
    const run = await execute(t, 'parent');
    expect(run.end.status).to.equal('failed');
    expect(run.end.error).to.match(
      /^bad: WORKFLOW_INPUT_INVALID: Invalid input for workflow child: \/x must be integer/,
    );
    const steps = await stepsOf(t, run.runId);
    expect(steps.sub).to.include({status: 'completed'});
    expect(steps.sub.output).to.equal(40);
    const history = (await ok(t, 'workflows:history', 'child', '--json')).json().data;
    expect(history).to.have.length(1);
    expect(history[0]).to.include({
      parentRunId: run.runId,
      trigger: `workflow:${run.runId}`,
      status: 'completed',
      actor: 'local-admin',
    });
    expect((await status(t, history[0].id)).output).to.equal(40);

    // A workflow that calls itself stops at workflows.maxDepth.
    await define(t, {name: 'loop', steps: [{id: 'again', type: 'workflow', workflow: 'loop'}]});
    const loop = await t.cli('workflows:execute', 'loop', '--wait', '--json');
    const end = JSON.parse(loop.stdout.trim().split('\n').at(-1)!).data;
    expect(end.status).to.equal('failed');
    expect(end.error).to.match(/SUBWORKFLOW_TOO_DEEP/);
  });

  it('delay: the run waits (status waiting, no worker held) and continues when the time comes', async () => {
    await define(t, {
      name: 'pause',
      steps: [
        {id: 'before', type: 'http', url: `${receiver.url}/before`},
        {id: 'rest', type: 'delay', duration: '1s'},
        {id: 'after', type: 'http', url: `${receiver.url}/after`},
      ],
    });
    const started = Date.now();
    const run = await execute(t, 'pause');
    expect(run.end.status, run.stderr).to.equal('completed');
    expect(Date.now() - started).to.be.greaterThanOrEqual(1000);
    expect(run.lines.map((line) => `${line.step} ${line.status}`)).to.include.members([
      'rest waiting',
      '(run) waiting',
      'rest completed',
    ]);
    expect(receiver.count('/before')).to.equal(1);
    const hitAfter = receiver.hits.find((hit) => hit.path === '/after')!;
    expect(hitAfter).to.not.equal(undefined);
    // The wake-up was a job of its own: the queue has two done jobs for this run.
    const jobs = (await ok(t, 'queue:jobs', '--filter', 'queue=workflows.run', '--limit', '0', '--json')).json().data;
    expect(
      jobs
        .filter((job: {payload: {runId: string}}) => job.payload.runId === run.runId)
        .map((job: {status: string}) => job.status),
    ).to.deep.equal(['done', 'done']);
  });

  it('delays inside foreach items and a sub-run: the run waits for the earliest, and each delay ends once', async () => {
    await define(t, {
      name: 'nap',
      inputs: {type: 'object', properties: {ms: {type: 'integer'}}},
      steps: [
        {id: 'nap', type: 'delay', duration: '{{ inputs.ms }}'},
        {id: 'woke', type: 'http', url: `${receiver.url}/woke/{{ inputs.ms }}`},
      ],
    });
    await define(t, {
      name: 'naps',
      steps: [
        {
          id: 'each',
          type: 'foreach',
          items: '[300, 600]',
          concurrency: 2,
          steps: [
            {id: 'wait', type: 'delay', duration: '{{ item }}'},
            {id: 'ping', type: 'http', url: `${receiver.url}/ping/{{ index }}`},
          ],
        },
        {id: 'sub', type: 'workflow', workflow: 'nap', input: {ms: 200}},
      ],
    });
    const run = await execute(t, 'naps');
    expect(run.end.status, run.end.error ?? '').to.equal('completed');
    expect(receiver.hits.map((hit) => hit.path)).to.have.members(['/ping/0', '/ping/1', '/woke/200']);
    const steps = await stepsOf(t, run.runId);
    expect(steps['each[0].wait']).to.include({status: 'completed', attempts: 1});
    expect(steps['each[1].wait']).to.include({status: 'completed', attempts: 1});
    expect(steps.sub).to.include({status: 'completed', attempts: 1});
    const jobs = (await ok(t, 'queue:jobs', '--filter', 'queue=workflows.run', '--limit', '0', '--json')).json().data;
    // The first job, then a wake-up for each pause (at 300 ms, 600 ms, and the sub-run's 200 ms).
    expect(jobs.filter((job: {payload: {runId: string}}) => job.payload.runId === run.runId)).to.have.length(4);
  });

  it('retry on a foreach runs again only the items that did not complete', async () => {
    receiver.route('/item/1', (_hit, count) => ({status: count === 1 ? 500 : 200}));
    await define(t, {
      name: 'items',
      steps: [
        {
          id: 'each',
          type: 'foreach',
          items: '[0, 1, 2]',
          retry: {attempts: 2, backoffMs: 10},
          steps: [{id: 'put', type: 'http', method: 'PUT', url: `${receiver.url}/item/{{ item }}`}],
        },
      ],
    });
    const run = await execute(t, 'items');
    expect(run.end.status).to.equal('completed');
    expect([0, 1, 2].map((n) => receiver.count(`/item/${n}`))).to.deep.equal([1, 2, 1]);
    const steps = await stepsOf(t, run.runId);
    expect(steps.each).to.include({status: 'completed', attempts: 2});
    expect(steps['each[1].put']).to.include({status: 'completed', attempts: 2});
  });

  it('retry: a failing step is tried again with backoff; timeoutMs ends an attempt that takes too long', async () => {
    receiver.route('/flaky', (_hit, count) => ({status: count < 3 ? 500 : 200}));
    receiver.route('/slow', () => ({delayMs: 2000}));
    await define(t, {
      name: 'flaky',
      steps: [
        {id: 'flaky', type: 'http', url: `${receiver.url}/flaky`, retry: {attempts: 3, backoffMs: 20}},
        {id: 'slow', type: 'http', url: `${receiver.url}/slow`, timeoutMs: 200, retry: {attempts: 2, backoffMs: 10}},
      ],
    });
    const run = await execute(t, 'flaky');
    expect(run.end.status).to.equal('failed');
    expect(run.end.error).to.match(/^slow: STEP_TIMEOUT: The step slow took longer than its 200 ms timeout/);
    const steps = await stepsOf(t, run.runId);
    expect(steps.flaky).to.include({status: 'completed', attempts: 3});
    expect(steps.slow).to.include({status: 'failed', attempts: 2});
    expect(receiver.count('/flaky')).to.equal(3);
    expect(receiver.count('/slow')).to.equal(2);
  });
});
