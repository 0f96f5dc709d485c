import {expect} from 'chai';
import {Client} from '@modelcontextprotocol/client';
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio';
import {APP_BIN, createTempHome, type TempHome} from '@systemprompt/testing';
import {ERAS, cliWith, textOf, userWithKey, type Era} from '../helpers.js';

/** `systemprompt mcp:serve --stdio` driven by the official client, as a desktop client runs it. */
describe('mcp:serve --stdio [sqlite]', function () {
  this.timeout(180_000);
  let home: TempHome;
  let cli: ReturnType<typeof cliWith>;
  let viewerKey: string;

  const spawnClient = async (env: Record<string, string>, era: Era) => {
    const client = new Client(
      {name: 'systemprompt-test', version: '1.0.0'},
      {versionNegotiation: {mode: era === 'modern' ? {pin: '2026-07-28'} : 'legacy'}},
    );
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    delete inherited.SYSTEMPROMPT_API_KEY;
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [APP_BIN, 'mcp:serve', '--stdio'],
        env: {...inherited, SYSTEMPROMPT_HOME: home.path, ...env},
        stderr: 'ignore',
      }),
    );
    return client;
  };

  before(async () => {
    home = await createTempHome();
    cli = cliWith({SYSTEMPROMPT_HOME: home.path});
    viewerKey = (await userWithKey(cli, 'viewer@example.com', 'viewer', '*:read')).key;
  });
  after(async () => home?.remove());

  for (const era of ERAS) {
    it(`serves the registry as the user of SYSTEMPROMPT_API_KEY (${era})`, async () => {
      const client = await spawnClient({SYSTEMPROMPT_API_KEY: viewerKey}, era);
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).to.include.members(['users_list', 'system_ping']);
      expect(names).not.to.include('users_create');
      const denied = await client.callTool({name: 'users_create', arguments: {email: `stdio-${era}@example.com`}});
      expect(denied.isError).to.equal(true);
      expect(textOf(denied)).to.match(/^permission denied/);
      const listed = await client.callTool({name: 'users_list', arguments: {}});
      expect(listed.isError ?? false, textOf(listed)).to.equal(false);
      expect(JSON.stringify(listed.structuredContent)).to.contain('viewer@example.com');
      await client.close();
    });
  }

  it('acts as the local administrator under local trust, without a key', async () => {
    const client = await spawnClient({}, 'legacy');
    expect((await client.listTools()).tools.map((tool) => tool.name)).to.include('users_create');
    const made = await client.callTool({name: 'users_create', arguments: {email: 'local-made@example.com'}});
    expect(made.isError ?? false, textOf(made)).to.equal(false);
    await client.close();
    expect((await cli('users:get', 'local-made@example.com')).exitCode).to.equal(0);
  });

  it('refuses mcp:serve without --stdio (exit 2)', async () => {
    const run = await cli('mcp:serve');
    expect(run.exitCode).to.equal(2);
    expect(run.stderr).to.contain('--stdio');
  });
});
