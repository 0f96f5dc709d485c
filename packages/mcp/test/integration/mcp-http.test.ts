import {request} from 'node:http';
import {expect} from 'chai';
import {createTempHome, type TempHome} from '@systemprompt/testing';
import {
  ERAS,
  cliWith,
  connect,
  eventually,
  httpStatusOf,
  scrape,
  sampleValue,
  startInProcess,
  textOf,
  userWithKey,
} from '../helpers.js';

/**
 * The official MCP client against the real server on a loopback port, in both protocol eras: the
 * 2025-11-25 initialize handshake and the stateless 2026-07-28 protocol.
 */
describe('/mcp with the official client [sqlite]', function () {
  this.timeout(180_000);
  let home: TempHome;
  let cli: ReturnType<typeof cliWith>;
  let server: Awaited<ReturnType<typeof startInProcess>>;
  const keys = {} as Record<'admin' | 'viewer' | 'leaving', string>;

  before(async () => {
    home = await createTempHome();
    cli = cliWith({SYSTEMPROMPT_HOME: home.path});
    keys.admin = (await userWithKey(cli, 'admin@example.com', 'admin')).key;
    keys.viewer = (await userWithKey(cli, 'viewer@example.com', 'viewer', '*:read')).key;
    keys.leaving = (await userWithKey(cli, 'leaving@example.com', 'admin')).key;
    const prompt = await cli(
      'prompts:create',
      'review',
      '--description',
      'Review a change',
      '--template',
      'Review {{change}} carefully.',
      '--argument',
      'change:The change to review',
    );
    expect(prompt.exitCode, prompt.stdout + prompt.stderr).to.equal(0);
    const resource = await cli('resources:create', 'docs://guide', '--name', 'Guide', '--text', 'Read me first.');
    expect(resource.exitCode, resource.stdout + resource.stderr).to.equal(0);
    server = await startInProcess(home.path);
  });
  after(async () => {
    server?.stop();
    await server?.served;
    await home?.remove();
  });

  it('answers 401 without a credential, naming its protected-resource metadata (RFC 9728)', async () => {
    const response = await fetch(`${server.state.url}/mcp`, {
      method: 'POST',
      headers: {'content-type': 'application/json', accept: 'application/json, text/event-stream'},
      body: JSON.stringify({jsonrpc: '2.0', id: 1, method: 'tools/list'}),
    });
    expect(response.status).to.equal(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(metadataUrl).to.equal(`${server.state.url}/.well-known/oauth-protected-resource/mcp`);
    const metadata = (await (await fetch(metadataUrl!)).json()) as {
      resource: string;
      bearer_methods_supported: string[];
    };
    expect(metadata.resource).to.equal(`${server.state.url}/mcp`);
    expect(metadata.bearer_methods_supported).to.deep.equal(['header']);
    const invalid = await fetch(`${server.state.url}/mcp`, {
      method: 'POST',
      headers: {authorization: 'Bearer spk_madeup'},
    });
    expect(invalid.status).to.equal(401);
    expect(invalid.headers.get('www-authenticate')).to.contain('invalid_token').and.to.contain('resource_metadata=');
  });

  it('refuses a request whose Host header names another site (DNS rebinding), even with a valid key', async () => {
    const {port} = new URL(server.state.url);
    const status = await new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({jsonrpc: '2.0', id: 1, method: 'tools/list'});
      const sent = request(
        {
          host: '127.0.0.1',
          port: Number(port),
          path: '/mcp',
          method: 'POST',
          headers: {
            host: `rebound.example:${port}`,
            authorization: `Bearer ${keys.viewer}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'content-length': Buffer.byteLength(body),
          },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      sent.on('error', reject);
      sent.end(body);
    });
    expect(status).to.equal(403);
  });

  for (const era of ERAS) {
    describe(`protocol era ${era}`, () => {
      it('refuses a client without a credential', async () => {
        let failure: unknown;
        await connect(server.state.url, undefined, era).catch((error: unknown) => (failure = error));
        expect(httpStatusOf(failure)).to.equal(401);
      });

      it('lists per role: a viewer sees the read tools, not users_create; an admin sees both', async () => {
        const viewer = await connect(server.state.url, keys.viewer, era);
        const admin = await connect(server.state.url, keys.admin, era);
        const viewerTools = (await viewer.listTools()).tools.map((tool) => tool.name);
        const adminTools = (await admin.listTools()).tools.map((tool) => tool.name);
        expect(viewerTools).to.include.members(['users_list', 'system_ping']);
        expect(viewerTools).not.to.include('users_create');
        expect(adminTools).to.include.members(['users_list', 'users_create', 'system_ping']);
        await viewer.close();
        await admin.close();
      });

      it('denies a viewer calling users_create (error result, audited, nothing created); an admin creates', async () => {
        const email = `${era}-made@example.com`;
        const viewer = await connect(server.state.url, keys.viewer, era);
        const denied = await viewer.callTool({name: 'users_create', arguments: {email}});
        expect(denied.isError).to.equal(true);
        expect(textOf(denied)).to.match(/^permission denied/);
        expect((await cli('users:get', email)).exitCode).to.equal(3);
        const audit = await cli('permissions:audit', '--filter', 'result=denied', '--json');
        expect(audit.exitCode, audit.stderr).to.equal(0);
        const denials = JSON.parse(audit.stdout).data as Array<{action: string; target: string; actor: string}>;
        expect(
          denials.some((entry) => entry.target === 'users_create' && entry.actor === 'viewer@example.com'),
        ).to.equal(true);

        const admin = await connect(server.state.url, keys.admin, era);
        const made = await admin.callTool({name: 'users_create', arguments: {email}});
        expect(made.isError ?? false, textOf(made)).to.equal(false);
        expect((made.structuredContent as {email?: string}).email).to.equal(email);
        expect((await cli('users:get', email)).exitCode).to.equal(0);
        await viewer.close();
        await admin.close();
      });

      it('answers a schema-violating call with an error result, and an unknown tool with an error; the client goes on', async () => {
        const admin = await connect(server.state.url, keys.admin, era);
        const invalid = await admin.callTool({name: 'users_create', arguments: {email: 42, surprise: true}});
        expect(invalid.isError).to.equal(true);
        expect(textOf(invalid)).to.match(/^invalid arguments/);
        let unknown: unknown;
        await admin.callTool({name: 'no_such_tool', arguments: {}}).catch((error: unknown) => (unknown = error));
        expect(String(unknown)).to.match(/Unknown tool: no_such_tool/);
        const ping = await admin.callTool({name: 'system_ping', arguments: {}});
        expect(ping.isError ?? false).to.equal(false);
        expect((ping.structuredContent as {time: string}).time).to.match(/^\d{4}-/);
        await admin.close();
      });

      it('gets a prompt and reads a resource', async () => {
        const viewer = await connect(server.state.url, keys.viewer, era);
        expect((await viewer.listPrompts()).prompts.map((prompt) => prompt.name)).to.include('review');
        const prompt = await viewer.getPrompt({name: 'review', arguments: {change: 'the patch'}});
        expect(prompt.messages[0]!.content).to.deep.equal({type: 'text', text: 'Review the patch carefully.'});
        expect((await viewer.listResources()).resources.map((resource) => resource.uri)).to.include('docs://guide');
        const read = await viewer.readResource({uri: 'docs://guide'});
        expect((read.contents[0] as {text: string}).text).to.equal('Read me first.');
        let missing: unknown;
        await viewer.readResource({uri: 'docs://missing'}).catch((error: unknown) => (missing = error));
        expect(missing).to.be.instanceOf(Error);
        await viewer.close();
      });
    });
  }

  // Declared after the eras' blocks so that mocha runs them last (a parent's own tests run first).
  describe('after the calls', () => {
    it('narrows a key to its scopes: a users:read key of an admin lists and calls only what users:read allows', async () => {
      const key = await cli(
        'api:keys:create',
        '--user',
        'admin@example.com',
        '--name',
        'narrow',
        '--scope',
        'users:read',
        '--json',
      );
      expect(key.exitCode, key.stderr).to.equal(0);
      const client = await connect(server.state.url, JSON.parse(key.stdout).data.key as string, 'modern');
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).to.include.members(['users_list', 'users_get', 'system_ping']);
      expect(names).not.to.include.members(['users_create', 'config_list', 'permissions_check']);
      const denied = await client.callTool({name: 'config_list', arguments: {}});
      expect(textOf(denied)).to.match(/^permission denied/);
      await client.close();
    });

    it('never stores an argument marked secret in clear (the audit record has it redacted)', async () => {
      const admin = await connect(server.state.url, keys.admin, 'legacy');
      const secret = 'Tr0ub4dor&3-very-secret';
      const made = await admin.callTool({
        name: 'users_create',
        arguments: {email: 'with-password@example.com', password: secret},
      });
      expect(made.isError ?? false, textOf(made)).to.equal(false);
      await admin.close();
      await eventually(async () => {
        const rows = await cli(
          'database:query',
          "SELECT details FROM users_audit WHERE action = 'mcp.tool.call' AND details LIKE '%with-password%'",
          '--json',
        );
        return rows.exitCode === 0 && JSON.stringify(JSON.parse(rows.stdout).data).includes('[redacted]');
      });
      const dump = await cli('database:query', 'SELECT details FROM users_audit', '--json');
      expect(dump.stdout).not.to.contain(secret);
    });

    it('answers a key past its rate limit with an error result and a retry hint (the first calls pass)', async () => {
      const limited = await userWithKey(cli, 'limited@example.com', 'viewer', '*:read');
      expect((await cli('api:limits:set', '--key', limited.prefix, '--per-minute', '2')).exitCode).to.equal(0);
      const client = await connect(server.state.url, limited.key, 'modern');
      // The server re-reads configured limits at most once a second.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const results = [];
      for (let call = 0; call < 3; call++) results.push(await client.callTool({name: 'system_ping', arguments: {}}));
      expect(results.slice(0, 2).every((result) => !result.isError)).to.equal(true);
      expect(results[2]!.isError).to.equal(true);
      expect(textOf(results[2]!)).to.match(/^rate limited: .*retry in \d+ s$/);
      expect((results[2]!._meta as {retryAfterSeconds?: number}).retryAfterSeconds).to.be.greaterThan(0);
      await client.close();
    });

    it('tells a listening client (2026-07-28) that the prompts changed when the CLI creates one', async () => {
      const client = await connect(server.state.url, keys.viewer, 'modern');
      let notified = false;
      client.setNotificationHandler('notifications/prompts/list_changed', async () => {
        notified = true;
      });
      const subscription = await client.listen({promptsListChanged: true});
      expect(subscription.honoredFilter).to.deep.include({promptsListChanged: true});
      const made = await cli('prompts:create', 'late', '--description', 'Made later', '--template', 'Hello.');
      expect(made.exitCode, made.stderr).to.equal(0);
      await eventually(async () => notified, 10_000, 'notifications/prompts/list_changed');
      expect((await client.listPrompts()).prompts.map((prompt) => prompt.name)).to.include('late');
      await subscription.close();
      await client.close();
    });

    it("stops a disabled user's key at once, mid-connection", async () => {
      const client = await connect(server.state.url, keys.leaving, 'legacy');
      expect((await client.callTool({name: 'system_ping', arguments: {}})).isError ?? false).to.equal(false);
      expect((await cli('users:disable', 'leaving@example.com')).exitCode).to.equal(0);
      let failure: unknown;
      await client.callTool({name: 'system_ping', arguments: {}}).catch((error: unknown) => (failure = error));
      expect(httpStatusOf(failure)).to.equal(401);
      await client.close();
    });

    it('counts calls per tool and outcome in /metrics', async () => {
      const families = await scrape(server.state.url, keys.admin);
      expect(
        sampleValue(families, 'systemprompt_mcp_tool_calls_total', {tool: 'users_create', outcome: 'denied'}),
      ).to.be.at.least(2);
      expect(
        sampleValue(families, 'systemprompt_mcp_tool_calls_total', {tool: 'users_create', outcome: 'ok'}),
      ).to.be.at.least(2);
      expect(
        sampleValue(families, 'systemprompt_mcp_tool_calls_total', {tool: 'users_create', outcome: 'invalid'}),
      ).to.be.at.least(2);
    });
  });
});
