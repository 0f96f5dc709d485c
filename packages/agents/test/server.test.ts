import {expect} from 'chai';
import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client';
import {APP_ROOT, auditLog, describeEachEngine, ok, type ModelStub, type StubStep} from '@systemprompt/testing';
import {STUB_KEY_ENV, cliWith, eventually, processGone, startDetached, stubProvider, taskOf} from './helpers.js';

/** The official MCP client on the server's /mcp with an API key. */
async function connect(url: string, key: string): Promise<Client> {
  const client = new Client({name: 'agents-test', version: '1.0.0'});
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: {headers: {authorization: `Bearer ${key}`}},
    }),
  );
  return client;
}

describeEachEngine('agents on a real server: crash recovery, desired state, MCP delegation', {root: APP_ROOT}, (t) => {
  let stub: ModelStub | undefined;
  let cli: ReturnType<typeof cliWith>;
  let servers: number[];
  const start = async () => {
    const server = await startDetached(cli);
    servers.push(server.pid);
    return server;
  };
  beforeEach(() => {
    cli = cliWith({
      ...t.env,
      [STUB_KEY_ENV]: process.env[STUB_KEY_ENV],
      SYSTEMPROMPT_QUEUE_LEASE_SECONDS: '3',
      SYSTEMPROMPT_AGENTS_POLL_MS: '100',
      SYSTEMPROMPT_AGENTS_RECONCILE_SECONDS: '1',
    });
    servers = [];
  });
  afterEach(async () => {
    for (const pid of servers.filter((each) => !processGone(each))) {
      process.kill(pid, 'SIGTERM');
      await eventually(async () => processGone(pid), 15_000, `server ${pid} to stop`).catch(() =>
        process.kill(pid, 'SIGKILL'),
      );
    }
    await stub?.close();
    stub = undefined;
  });

  it('kill -9 mid-task: after restart the task resumes from its last recorded step; the tool ran once', async function () {
    this.timeout(180_000);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const hold: StepOf = async () => {
      await held;
      return {text: 'too late'};
    };
    stub = await stubProvider(t, 'openai', [
      {toolCalls: [{name: 'users_create', arguments: {email: 'bob@example.com'}}]},
      hold,
      {text: 'Created bob@example.com.'},
    ]);
    await ok(t, 'users:create', '--email', 'admin@example.com', '--role', 'admin');
    await ok(
      t,
      'agents:create',
      'helper',
      '-i',
      'You manage users.',
      '--tools',
      'users_*',
      '--as',
      'admin@example.com',
      '--start',
    );
    const first = await start();
    const assigned = await cli('agents:assign', 'helper', 'create user bob@example.com', '--json');
    expect(assigned.exitCode, assigned.stderr).to.equal(0);
    const taskId = JSON.parse(assigned.stdout).data.id as string;

    // The second model call is held open: the tool call before it is recorded, the call itself is running.
    await stub.waitForRequests(2, 60_000);
    const before = await taskOf(t, taskId);
    expect(before.log.map((step: any) => `${step.kind} ${step.status}`)).to.deep.equal([
      'model completed',
      'tool completed',
      'model running',
    ]);
    process.kill(first.pid, 'SIGKILL');
    await eventually(async () => processGone(first.pid), 10_000, 'the killed server to go');
    release();

    await start();
    await eventually(
      async () => (await taskOf(t, taskId)).status === 'completed',
      90_000,
      'the task to complete after the restart',
    );
    const after = await taskOf(t, taskId);
    expect(after.output).to.equal('Created bob@example.com.');
    expect(after.log.map((step: any) => `${step.seq} ${step.kind} ${step.name} ${step.status}`)).to.deep.equal([
      '1 model stub-model completed',
      '2 tool users_create completed',
      '3 model stub-model completed',
    ]);
    expect(after.log[1]).to.deep.equal(before.log[1]);
    // The interrupted model call was made again with the recorded tool result; the tool ran once.
    expect(stub.requests).to.have.length(3);
    expect(JSON.stringify(stub.requests[2]!.body.messages)).to.contain('bob@example.com');
    const calls = (await auditLog(t)).filter((row) => row.action === 'mcp.tool.call' && row.target === 'users_create');
    expect(calls.map((row) => row.result)).to.deep.equal(['ok']);
    expect((await ok(t, 'users:get', 'bob@example.com', '--json')).json().data.email).to.equal('bob@example.com');
    await ok(t, 'system:stop');
  });

  it('a task waits while its agent is stopped; the server runs it once started; an MCP client delegates through agents_run_NAME', async function () {
    this.timeout(120_000);
    stub = await stubProvider(t, 'anthropic', [{text: 'first answer'}, {text: 'delegated answer'}]);
    await ok(t, 'users:create', '--email', 'admin@example.com', '--role', 'admin');
    await ok(t, 'users:create', '--email', 'viewer@example.com', '--role', 'viewer');
    const adminKey = (
      await ok(t, 'api:keys:create', '--user', 'admin@example.com', '--name', 'mcp', '--scope', '*', '--json')
    ).json().data.key as string;
    const viewerKey = (
      await ok(t, 'api:keys:create', '--user', 'viewer@example.com', '--name', 'mcp', '--scope', '*:read', '--json')
    ).json().data.key as string;
    await ok(t, 'agents:create', 'helper', '-i', 'You help.', '-d', 'answers questions', '--as', 'admin@example.com');
    const server = await start();
    const pending = (await cli('agents:assign', 'helper', 'first', '--json')).stdout;
    const taskId = JSON.parse(pending).data.id as string;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await taskOf(t, taskId)).status, 'a stopped agent takes no task').to.equal('pending');
    expect(stub.requests).to.have.length(0);
    const started = await cli('agents:start', 'helper', '--json');
    expect(started.exitCode, started.stderr).to.equal(0);
    await eventually(
      async () => (await taskOf(t, taskId)).status === 'completed',
      60_000,
      'the server to run the task',
    );

    const admin = await connect(server.url, adminKey);
    try {
      const names = (await admin.listTools()).tools.map((tool) => tool.name);
      expect(names).to.include('agents_run_helper');
      const result = await admin.callTool({name: 'agents_run_helper', arguments: {task: 'delegate this'}});
      expect(result.isError ?? false, JSON.stringify(result)).to.equal(false);
      expect(result.structuredContent).to.include({
        agent: 'helper',
        status: 'completed',
        output: 'delegated answer',
        trigger: 'mcp',
      });
    } finally {
      await admin.close();
    }
    const viewer = await connect(server.url, viewerKey);
    try {
      expect((await viewer.listTools()).tools.map((tool) => tool.name)).to.not.include('agents_run_helper');
      const denied = await viewer.callTool({name: 'agents_run_helper', arguments: {task: 'delegate this'}});
      expect(denied.isError).to.equal(true);
    } finally {
      await viewer.close();
    }
    expect(stub.requests).to.have.length(2);
    await ok(t, 'system:stop');
  });
});

type StepOf = Extract<StubStep, (...args: never[]) => unknown>;
