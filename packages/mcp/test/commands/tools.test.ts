import {expect} from 'chai';
import {createTempHome, expectFailure, type SpawnResult, type TempHome} from '@systemprompt/testing';
import {cliWith, userWithKey} from '../helpers.js';
import {STDIO_FIXTURE} from '../upstream-servers.js';

type Cli = ReturnType<typeof cliWith>;
interface ToolRow {
  name: string;
  source: string;
  provider: string;
  permission: string;
  enabled: boolean;
  available: boolean;
  description: string;
}

/** A run that must succeed: its JSON envelope. */
async function ok(cli: Cli, ...args: string[]) {
  const run = await cli(...args, '--json');
  expect(run.exitCode, `${args.join(' ')}: ${run.stdout}${run.stderr}`).to.equal(0);
  return JSON.parse(run.stdout) as {ok: true; data: any; meta?: Record<string, unknown>};
}

/** A run with --json that must fail with this exit code and error code. */
const fails = async (cli: Cli, exitCode: number, code: string, ...args: string[]) =>
  expectFailure((await cli(...args, '--json')) as SpawnResult, exitCode, code);

const namesOf = (rows: Array<{name: string}>) => rows.map((row) => row.name);

describe('tools:* and mcp:tools:* commands [sqlite]', function () {
  this.timeout(120_000);
  let home: TempHome;
  /** The local operator (local trust): the administrator. */
  let cli: Cli;
  /** A viewer's key (*:read). */
  let asViewer: Cli;
  /** A user without a role, with a key for the one permission granted to them (users:read). */
  let asNobody: Cli;

  before(async () => {
    home = await createTempHome();
    cli = cliWith({SYSTEMPROMPT_HOME: home.path});
    const viewer = await userWithKey(cli, 'viewer@example.com', 'viewer', '*:read');
    asViewer = cliWith({SYSTEMPROMPT_HOME: home.path, SYSTEMPROMPT_API_KEY: viewer.key});
    await ok(cli, 'users:create', '--email', 'nobody@example.com');
    await ok(cli, 'permissions:grant', 'users:read', '--user', 'nobody@example.com');
    const key = await ok(
      cli,
      'api:keys:create',
      '--user',
      'nobody@example.com',
      '--name',
      'k',
      '--scope',
      'users:read',
    );
    asNobody = cliWith({SYSTEMPROMPT_HOME: home.path, SYSTEMPROMPT_API_KEY: key.data.key});
    // An upstream whose tool names contain "users" without starting with it (for the ranking).
    await ok(cli, 'mcp:servers:add', 'myusers', '--stdio', `node ${STDIO_FIXTURE}`);
  });
  after(async () => home?.remove());

  it('tools:list shows every tool with its provider, permission and state (tools:read)', async () => {
    const listed = await ok(cli, 'tools:list');
    const tools = listed.data as ToolRow[];
    expect(listed.meta).to.include({total: tools.length});
    expect(namesOf(tools)).to.include.members([
      'users_create',
      'users_list',
      'system_ping',
      'permissions_check',
      'myusers__echo',
      'myusers__exit',
    ]);
    expect(namesOf(tools)).to.deep.equal([...namesOf(tools)].sort());
    expect(tools.find((tool) => tool.name === 'users_create')).to.deep.include({
      source: 'module',
      provider: 'users',
      permission: 'users:create',
      enabled: true,
      available: true,
    });
    expect(tools.find((tool) => tool.name === 'myusers__echo')).to.deep.include({
      source: 'upstream',
      provider: 'myusers',
      permission: 'mcp:myusers__echo',
      enabled: true,
      available: true,
      description: 'Echoes the text back',
    });
    expect(tools.find((tool) => tool.name === 'system_ping')!.permission).to.equal('authenticated');
    const upstream = await ok(cli, 'tools:list', '--filter', 'source=upstream');
    expect(namesOf(upstream.data)).to.deep.equal(['myusers__echo', 'myusers__exit']);

    // A viewer holds *:read, so tools:read: the same list.
    expect(namesOf((await ok(asViewer, 'tools:list')).data)).to.deep.equal(namesOf(tools));
    // Without tools:read: exit 4.
    await fails(asNobody, 4, 'PERMISSION_DENIED', 'tools:list');
    await fails(asNobody, 4, 'PERMISSION_DENIED', 'tools:info', 'users_create');
  });

  it('tools:info shows a tool with its input and output schemas; an unknown tool is exit 3', async () => {
    const info = (await ok(cli, 'tools:info', 'users_create')).data;
    expect(info).to.include({name: 'users_create', provider: 'users', permission: 'users:create', enabled: true});
    expect(info.inputSchema).to.include({type: 'object'});
    expect(info.inputSchema.required).to.deep.equal(['email']);
    expect(info.inputSchema.properties).to.have.property('email');
    expect(info.inputSchema.properties.password).to.include({secret: true, writeOnly: true});
    expect(info.outputSchema).to.include({type: 'object'});
    const upstream = (await ok(asViewer, 'tools:info', 'myusers__echo')).data;
    expect(upstream).to.include({upstreamName: 'echo', title: 'Echo', source: 'upstream'});
    expect(upstream.inputSchema).to.deep.equal({
      type: 'object',
      properties: {text: {type: 'string'}},
      required: ['text'],
    });
    await fails(cli, 3, 'TOOL_NOT_FOUND', 'tools:info', 'no_such_tool');
  });

  it('tools:disable and tools:enable switch a tool for every client (tools:write; unknown: 3)', async () => {
    await fails(asViewer, 4, 'PERMISSION_DENIED', 'tools:disable', 'users_create');
    await fails(cli, 3, 'TOOL_NOT_FOUND', 'tools:disable', 'no_such_tool');
    await fails(cli, 3, 'TOOL_NOT_FOUND', 'tools:enable', 'no_such_tool');

    expect((await ok(cli, 'tools:disable', 'users_create')).data).to.deep.equal({
      name: 'users_create',
      enabled: false,
      changed: true,
    });
    const disabled = await ok(cli, 'tools:list', '--filter', 'enabled=false');
    expect(namesOf(disabled.data)).to.deep.equal(['users_create']);
    // Hidden from what MCP clients see, even the administrator's, and not callable.
    expect(namesOf((await ok(cli, 'mcp:tools:list')).data)).not.to.include('users_create');
    await fails(cli, 3, 'TOOL_NOT_FOUND', 'mcp:tools:test', 'users_create', '--args', '{"email":"x@example.com"}');
    // Again: nothing changes, and it says so.
    const again = await cli('tools:disable', 'users_create');
    expect(again.exitCode, again.stderr).to.equal(0);
    expect(again.stderr).to.contain('already disabled');
    await fails(asViewer, 4, 'PERMISSION_DENIED', 'tools:enable', 'users_create');

    expect((await ok(cli, 'tools:enable', 'users_create')).data).to.deep.equal({
      name: 'users_create',
      enabled: true,
      changed: true,
    });
    expect((await ok(cli, 'tools:list', '--filter', 'enabled=false')).data).to.deep.equal([]);
    expect(namesOf((await ok(cli, 'mcp:tools:list')).data)).to.include('users_create');
  });

  it('tools:refresh rescans the modules and the upstream servers and counts them (tools:write)', async () => {
    const refreshed = (await ok(cli, 'tools:refresh')).data as {
      modules: number;
      moduleTools: number;
      servers: Array<{name: string; status: string; tools: number; changed: boolean}>;
      total: number;
    };
    const all = (await ok(cli, 'tools:list')).data as ToolRow[];
    const moduleTools = all.filter((tool) => tool.source === 'module');
    expect(refreshed.moduleTools).to.equal(moduleTools.length);
    expect(refreshed.modules).to.equal(new Set(moduleTools.map((tool) => tool.provider)).size);
    expect(refreshed.modules).to.be.at.least(4);
    // The fixture has three tools; one does not fit once prefixed, so two are served.
    expect(refreshed.servers).to.deep.equal([{name: 'myusers', status: 'ok', tools: 3, changed: false}]);
    expect(refreshed.total)
      .to.equal(all.length)
      .and.to.equal(moduleTools.length + 2);
    await fails(asViewer, 4, 'PERMISSION_DENIED', 'tools:refresh');
  });

  it('mcp:tools:list shows what tools/list answers the caller', async () => {
    const viewer = namesOf((await ok(asViewer, 'mcp:tools:list')).data);
    expect(viewer).to.include.members(['users_list', 'users_get', 'system_ping', 'permissions_check']);
    expect(viewer).not.to.include.members(['users_create']);
    expect(viewer.filter((name) => name.startsWith('myusers__'))).to.deep.equal([]);
    const admin = await ok(cli, 'mcp:tools:list');
    expect(namesOf(admin.data)).to.include.members(['users_create', 'users_list', 'myusers__echo']);
    expect(admin.data[0]).to.have.all.keys(
      'name',
      'source',
      'provider',
      'permission',
      'enabled',
      'available',
      'description',
    );
    // A user holding users:read only: the read tools of users, and system_ping.
    expect(namesOf((await ok(asNobody, 'mcp:tools:list')).data)).to.have.members([
      'system_ping',
      'users_get',
      'users_list',
    ]);
  });

  it('mcp:tools:search ranks an exact name, then names starting with it, then names containing it', async () => {
    const ranked = (await ok(cli, 'mcp:tools:search', 'user', '--limit', '50')).data as Array<
      ToolRow & {score: number}
    >;
    const names = namesOf(ranked);
    const users = names.filter((name) => name.startsWith('users_'));
    expect(users).to.have.members([
      'users_create',
      'users_disable',
      'users_enable',
      'users_get',
      'users_list',
      'users_update',
    ]);
    // Names starting with the query first, then names containing it, then matches in descriptions only.
    expect(names.slice(0, users.length)).to.have.members(users);
    expect(names.slice(users.length, users.length + 2)).to.have.members(['myusers__echo', 'myusers__exit']);
    const scores = ranked.map((tool) => tool.score);
    expect(scores).to.deep.equal([...scores].sort((a, b) => b - a));
    const lowestPrefix = Math.min(...ranked.filter((tool) => tool.name.startsWith('users_')).map((tool) => tool.score));
    const contains = ranked.find((tool) => tool.name === 'myusers__echo')!.score;
    expect(lowestPrefix).to.be.greaterThan(contains);
    expect(ranked.slice(users.length + 2).every((tool) => !tool.name.includes('user'))).to.equal(true);
    expect(contains).to.be.greaterThan(ranked.at(-1)!.score);

    // The whole name ranks first, above the names that share a word with it.
    const exact = (await ok(cli, 'mcp:tools:search', 'users_list')).data as Array<ToolRow & {score: number}>;
    expect(exact[0]!.name).to.equal('users_list');
    expect(exact[0]!.score).to.be.greaterThan(exact[1]!.score);
    expect(namesOf((await ok(cli, 'mcp:tools:search', 'user', '--limit', '2')).data)).to.have.length(2);
    // A viewer's search covers only the tools it may call.
    expect(namesOf((await ok(asViewer, 'mcp:tools:search', 'user')).data)).not.to.include('users_create');
    expect((await ok(cli, 'mcp:tools:search', 'zzzz-nothing')).data).to.deep.equal([]);
  });

  it('mcp:tools:test calls through the MCP path: ok, denied (4), bad JSON or schema (2), unknown (3)', async () => {
    const ping = (await ok(asViewer, 'mcp:tools:test', 'system_ping')).data;
    expect(ping).to.include({tool: 'system_ping', outcome: 'ok'});
    expect(ping.structuredContent.time).to.match(/^\d{4}-/);
    expect(ping.durationMs).to.be.a('number');
    const echo = (await ok(cli, 'mcp:tools:test', 'myusers__echo', '--args', '{"text":"hi"}')).data;
    expect(echo).to.include({tool: 'myusers__echo', outcome: 'ok', text: 'echo: hi'});

    const denied = await fails(
      asViewer,
      4,
      'PERMISSION_DENIED',
      'mcp:tools:test',
      'users_create',
      '--args',
      '{"email":"made-by-viewer@example.com"}',
    );
    expect(denied.message).to.contain('users:create');
    await fails(cli, 3, 'USER_NOT_FOUND', 'users:get', 'made-by-viewer@example.com');
    await fails(asViewer, 4, 'PERMISSION_DENIED', 'mcp:tools:test', 'myusers__echo', '--args', '{"text":"x"}');

    const badJson = await fails(cli, 2, 'TOOL_ARGUMENTS_INVALID', 'mcp:tools:test', 'system_ping', '--args', '{');
    expect(badJson.message).to.contain('not valid JSON');
    const schema = await fails(
      cli,
      2,
      'TOOL_ARGUMENTS_INVALID',
      'mcp:tools:test',
      'users_create',
      '--args',
      '{"email":42}',
    );
    expect(schema.message).to.match(/^invalid arguments: \/email must be string/);
    await fails(cli, 2, 'TOOL_ARGUMENTS_INVALID', 'mcp:tools:test', 'users_create', '--args', '[1]');
    await fails(cli, 3, 'TOOL_NOT_FOUND', 'mcp:tools:test', 'no_such_tool');

    const made = (await ok(cli, 'mcp:tools:test', 'users_create', '--args', '{"email":"made@example.com"}')).data;
    expect(made.structuredContent).to.include({email: 'made@example.com'});
    expect((await cli('users:get', 'made@example.com')).exitCode).to.equal(0);
  });

  it('mcp:capabilities names both protocol eras, the transports and what the caller may use', async () => {
    const admin = (await ok(cli, 'mcp:capabilities')).data;
    expect(admin.server).to.include({name: 'systemprompt-os'});
    expect(admin.protocolVersions).to.include.members(['2025-11-25', '2026-07-28']);
    expect(admin.transports.map((transport: {transport: string}) => transport.transport)).to.deep.equal([
      'streamable-http',
      'stdio',
    ]);
    expect(admin.capabilities).to.deep.equal({
      tools: {listChanged: true},
      prompts: {listChanged: true},
      resources: {listChanged: true},
    });
    const adminTools = (await ok(cli, 'mcp:tools:list')).meta!.total;
    expect(admin.available).to.deep.equal({tools: adminTools, prompts: 0, resources: 0});
    expect(admin.upstreamServers).to.equal(1);

    const viewer = (await ok(asViewer, 'mcp:capabilities')).data;
    const viewerTools = (await ok(asViewer, 'mcp:tools:list')).meta!.total;
    expect(viewer.available.tools)
      .to.equal(viewerTools)
      .and.to.be.lessThan(adminTools as number);
    // mcp:capabilities takes mcp:read.
    await fails(asNobody, 4, 'PERMISSION_DENIED', 'mcp:capabilities');
  });
});
