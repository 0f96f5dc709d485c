import {expect} from 'chai';
import type {Client} from '@modelcontextprotocol/client';
import {createTempHome, type TempHome} from '@systemprompt/testing';
import {ERAS, cliWith, connect, startInProcess, textOf, userWithKey, type Era} from '../helpers.js';
import {STDIO_FIXTURE, startHttpUpstream, type HttpUpstream} from '../upstream-servers.js';

const TOKEN = 'Bearer gw-upstream-secret-7c1e';
const UP_TOOLS = ['up__sum', 'up__fail'];
const LOCAL_TOOLS = ['local__echo', 'local__exit'];

/** Polls `check` every 100 ms until it holds or `ms` pass. */
async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The gateway end to end: an HTTP upstream (official SDK, bearer check) and a stdio upstream added
 * through the real CLI, served as NAME__tool by the real server on /mcp, each behind
 * mcp:NAME__tool, in both protocol eras.
 */
describe('the upstream gateway through /mcp [sqlite]', function () {
  this.timeout(120_000);
  let home: TempHome;
  let cli: ReturnType<typeof cliWith>;
  let upstream: HttpUpstream;
  let server: Awaited<ReturnType<typeof startInProcess>>;
  const keys: Record<string, string> = {};

  /** Runs `body` with a client of `credential` in each era, closing it afterwards. */
  const inEachEra = async (credential: string, body: (client: Client, era: Era) => Promise<void>) => {
    for (const era of ERAS) {
      const client = await connect(server.state.url, credential, era);
      try {
        await body(client, era);
      } finally {
        await client.close();
      }
    }
  };
  const toolNames = async (client: Client) => (await client.listTools()).tools.map((tool) => tool.name);
  const listedIn = async (credential: string, era: Era): Promise<string[]> => {
    const client = await connect(server.state.url, credential, era);
    try {
      return await toolNames(client);
    } finally {
      await client.close();
    }
  };

  before(async () => {
    home = await createTempHome();
    cli = cliWith({SYSTEMPROMPT_HOME: home.path});
    upstream = await startHttpUpstream(TOKEN);
    keys.admin = (await userWithKey(cli, 'admin@example.com', 'admin')).key;
    keys.viewer = (await userWithKey(cli, 'viewer@example.com', 'viewer', '*:read')).key;

    const up = await cli(
      'mcp:servers:add',
      'up',
      '--url',
      upstream.url,
      '--header',
      `Authorization=${TOKEN}`,
      '--json',
    );
    expect(up.exitCode, up.stdout + up.stderr).to.equal(0);
    expect(JSON.parse(up.stdout).data).to.include({name: 'up', transport: 'http', status: 'ok', toolCount: 2});
    expect(up.stdout + up.stderr).to.not.include('gw-upstream-secret');
    expect(upstream.authorized).to.be.greaterThan(0);
    const local = await cli('mcp:servers:add', 'local', '--stdio', `node ${STDIO_FIXTURE}`, '--json');
    expect(local.exitCode, local.stdout + local.stderr).to.equal(0);
    expect(JSON.parse(local.stdout).data).to.include({name: 'local', transport: 'stdio', status: 'ok', toolCount: 3});

    server = await startInProcess(home.path);
  });
  after(async () => {
    server?.stop();
    await server?.served;
    await upstream?.close();
    await home?.remove();
  });

  it('shows an admin (holding *) the tools of both upstreams, and calls them', async () => {
    await inEachEra(keys.admin!, async (admin, era) => {
      const names = await toolNames(admin);
      expect(names, era).to.include.members([...UP_TOOLS, ...LOCAL_TOOLS, 'users_list', 'system_ping']);
      // The stdio fixture's tool whose prefixed name does not fit is left out.
      expect(names.filter((name) => name.startsWith('local__'))).to.have.members(LOCAL_TOOLS);
      const listed = (await admin.listTools()).tools.find((tool) => tool.name === 'up__sum')!;
      expect(listed.description).to.equal('Adds two numbers');
      expect(listed.inputSchema).to.deep.include({required: ['a', 'b']});

      const sum = await admin.callTool({name: 'up__sum', arguments: {a: 2, b: era === 'legacy' ? 3 : 40}});
      expect(sum.isError ?? false, textOf(sum)).to.equal(false);
      expect(sum.structuredContent).to.deep.equal({sum: era === 'legacy' ? 5 : 42});
      expect(textOf(sum)).to.equal(era === 'legacy' ? '5' : '42');

      const echo = await admin.callTool({name: 'local__echo', arguments: {text: `hi ${era}`}});
      expect(echo.isError ?? false, textOf(echo)).to.equal(false);
      expect(textOf(echo)).to.equal(`echo: hi ${era}`);

      const failed = await admin.callTool({name: 'up__fail', arguments: {}});
      expect(failed.isError).to.equal(true);
      expect(textOf(failed)).to.equal('it went wrong');

      const invalid = await admin.callTool({name: 'up__sum', arguments: {a: 'two'}});
      expect(invalid.isError).to.equal(true);
      expect(textOf(invalid)).to.match(/^invalid arguments/);
    });
    // The stored header went to the upstream; no request reached it without it.
    expect(upstream.refused).to.equal(0);
  });

  it('hides upstream tools from a viewer and denies their calls (error result, audited)', async () => {
    await inEachEra(keys.viewer!, async (viewer, era) => {
      const names = await toolNames(viewer);
      expect(names, era).to.include('users_list');
      expect(
        names.filter((name) => name.includes('__')),
        era,
      ).to.deep.equal([]);
      for (const [name, args] of [
        ['up__sum', {a: 1, b: 1}],
        ['local__echo', {text: 'x'}],
      ] as const) {
        const denied = await viewer.callTool({name, arguments: args});
        expect(denied.isError, `${era} ${name}`).to.equal(true);
        expect(textOf(denied)).to.match(/^permission denied/);
        expect(textOf(denied)).to.contain(`mcp:${name}`);
      }
    });
    const audit = await cli('permissions:audit', '--filter', 'result=denied', '--limit', '0', '--json');
    expect(audit.exitCode, audit.stderr).to.equal(0);
    const denials = JSON.parse(audit.stdout).data as Array<{target: string; actor: string; permission: string}>;
    expect(
      denials.filter((entry) => entry.actor === 'viewer@example.com' && entry.target === 'up__sum'),
    ).to.have.length.at.least(2);
  });

  it('serves the up__ tools, and only those, to a role granted mcp:up__*', async () => {
    const role = await cli('auth:role:create', 'gateway-users', '--description', 'Uses the up server', '--json');
    expect(role.exitCode, role.stdout + role.stderr).to.equal(0);
    const create = await cli('users:create', '--email', 'gw@example.com', '--role', 'gateway-users', '--json');
    expect(create.exitCode, create.stdout + create.stderr).to.equal(0);
    expect((await cli('permissions:check', 'gw@example.com', 'mcp:up__sum')).exitCode).to.equal(4);

    const grant = await cli('permissions:grant', 'mcp:up__*', '--role', 'gateway-users', '--json');
    expect(grant.exitCode, grant.stdout + grant.stderr).to.equal(0);
    expect((await cli('permissions:check', 'gw@example.com', 'mcp:up__sum')).exitCode).to.equal(0);
    expect((await cli('permissions:check', 'gw@example.com', 'mcp:local__echo')).exitCode).to.equal(4);
    // A key may carry only what its owner holds: now the role gives mcp:up__*.
    const key = await cli(
      'api:keys:create',
      '--user',
      'gw@example.com',
      '--name',
      'gw',
      '--scope',
      'mcp:up__*',
      '--json',
    );
    expect(key.exitCode, key.stdout + key.stderr).to.equal(0);
    keys.gateway = (JSON.parse(key.stdout).data as {key: string}).key;

    await inEachEra(keys.gateway, async (client, era) => {
      const names = await toolNames(client);
      expect(names, era).to.include.members([...UP_TOOLS, 'system_ping']);
      expect(
        names.filter((name) => name.startsWith('local__')),
        era,
      ).to.deep.equal([]);
      expect(names, era).not.to.include('users_list');
      const sum = await client.callTool({name: 'up__sum', arguments: {a: 20, b: 22}});
      expect(sum.isError ?? false, textOf(sum)).to.equal(false);
      expect(sum.structuredContent).to.deep.equal({sum: 42});
      const denied = await client.callTool({name: 'local__echo', arguments: {text: 'x'}});
      expect(denied.isError).to.equal(true);
      expect(textOf(denied)).to.match(/^permission denied/);
    });
  });

  it('makes the tools of a stopped HTTP upstream unavailable; stdio and module tools keep working', async () => {
    await upstream.close();
    const admin = await connect(server.state.url, keys.admin!, 'legacy');
    try {
      const gone = await admin.callTool({name: 'up__sum', arguments: {a: 1, b: 2}});
      expect(gone.isError, textOf(gone)).to.equal(true);
      expect(textOf(gone)).to.match(/Cannot reach upstream MCP server up/);
      expect(textOf(gone)).to.not.include('gw-upstream-secret');
    } finally {
      await admin.close();
    }

    // The failed call marked the server unreachable: its tools leave tools/list.
    for (const era of ERAS) {
      const names = await listedIn(keys.admin!, era);
      expect(
        names.filter((name) => name.startsWith('up__')),
        era,
      ).to.deep.equal([]);
      expect(names, era).to.include.members([...LOCAL_TOOLS, 'users_list']);
    }
    const servers = await cli('mcp:servers', '--json');
    expect(servers.exitCode, servers.stderr).to.equal(0);
    const up = (JSON.parse(servers.stdout).data as Array<{name: string; status: string; lastError: string}>).find(
      (entry) => entry.name === 'up',
    )!;
    expect(up.status).to.equal('unreachable');
    expect(up.lastError).to.be.a('string').and.not.include('gw-upstream-secret');

    // tools:refresh (another process) agrees: up unreachable, local ok.
    const refresh = await cli('tools:refresh', '--json');
    expect(refresh.exitCode, refresh.stdout + refresh.stderr).to.equal(0);
    const refreshed = JSON.parse(refresh.stdout).data as {servers: Array<{name: string; status: string}>};
    expect(refreshed.servers.map(({name, status}) => ({name, status}))).to.deep.equal([
      {name: 'local', status: 'ok'},
      {name: 'up', status: 'unreachable'},
    ]);

    await inEachEra(keys.admin!, async (client, era) => {
      expect(
        (await toolNames(client)).filter((name) => name.startsWith('up__')),
        era,
      ).to.deep.equal([]);
      const echo = await client.callTool({name: 'local__echo', arguments: {text: 'still here'}});
      expect(echo.isError ?? false, textOf(echo)).to.equal(false);
      expect(textOf(echo)).to.equal('echo: still here');
      const ping = await client.callTool({name: 'system_ping', arguments: {}});
      expect(ping.isError ?? false, textOf(ping)).to.equal(false);
      const users = await client.callTool({name: 'users_list', arguments: {}});
      expect(users.isError ?? false, textOf(users)).to.equal(false);
      expect(JSON.stringify(users.structuredContent)).to.contain('gw@example.com');
    });
    // The role's member sees no up__ tool any more either.
    expect((await listedIn(keys.gateway!, 'modern')).filter((name) => name.startsWith('up__'))).to.deep.equal([]);
  });

  it('hides a disabled tool from everyone within the settings cache, and shows it again once enabled', async () => {
    const disable = await cli('tools:disable', 'users_list', '--json');
    expect(disable.exitCode, disable.stdout + disable.stderr).to.equal(0);
    expect(JSON.parse(disable.stdout).data).to.deep.equal({name: 'users_list', enabled: false, changed: true});
    await eventually(
      async () =>
        !(await listedIn(keys.admin!, 'legacy')).includes('users_list') &&
        !(await listedIn(keys.viewer!, 'modern')).includes('users_list'),
      5000,
      'users_list leaving tools/list',
    );
    for (const era of ERAS) {
      expect(await listedIn(keys.admin!, era), era).not.to.include('users_list');
      expect(await listedIn(keys.viewer!, era), era).not.to.include('users_list');
    }
    // A disabled tool is unknown to callers.
    const admin = await connect(server.state.url, keys.admin!, 'modern');
    try {
      let failure: unknown;
      await admin.callTool({name: 'users_list', arguments: {}}).catch((error: unknown) => (failure = error));
      expect(String(failure)).to.match(/Unknown tool: users_list/);
      expect((await toolNames(admin)).includes('users_get')).to.equal(true);
    } finally {
      await admin.close();
    }

    const enable = await cli('tools:enable', 'users_list', '--json');
    expect(enable.exitCode, enable.stdout + enable.stderr).to.equal(0);
    expect(JSON.parse(enable.stdout).data).to.deep.equal({name: 'users_list', enabled: true, changed: true});
    await eventually(
      async () =>
        (await listedIn(keys.admin!, 'modern')).includes('users_list') &&
        (await listedIn(keys.viewer!, 'legacy')).includes('users_list'),
      5000,
      'users_list coming back to tools/list',
    );
  });
});
