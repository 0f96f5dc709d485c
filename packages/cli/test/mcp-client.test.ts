import {mkdir, writeFile} from 'node:fs/promises';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {McpServer, createMcpHandler, fromJsonSchema} from '@modelcontextprotocol/server';
import {toNodeHandler} from '@modelcontextprotocol/node';
import {processStartTime} from '@systemprompt/core';
import {createTempHome, expectFailure, runCli, type TempHome} from '@systemprompt/testing';

const root = fileURLToPath(new URL('..', import.meta.url));
const STDIO_SERVER = fileURLToPath(new URL('fixtures/mcp-stdio-server.mjs', import.meta.url));
const TOKEN = 'test-token-7f3a9c';
const LOCAL_TOKEN = 'sps_local-server-token-0042';
const API_KEY = 'spk_api-key-of-the-user-0042';

describe('cli:mcp:list and cli:mcp:call', function () {
  this.timeout(60000);
  let home: TempHome;
  let http: Server;
  let url: string;
  /** The bearer tokens of the requests the server accepted. */
  const seen: string[] = [];
  const cli = (...args: string[]) => runCli(args, {root, home: home.path});

  before(async () => {
    home = await createTempHome();
    const handler = createMcpHandler(() => {
      const server = new McpServer({name: 'cli-fixture-http', version: '1.0.0'});
      server.registerTool(
        'greet',
        {
          title: 'Greet',
          description: 'Greets someone\nby name',
          inputSchema: fromJsonSchema<{name: string}>({
            type: 'object',
            properties: {name: {type: 'string'}},
            required: ['name'],
          }),
          outputSchema: fromJsonSchema({type: 'object', properties: {greeting: {type: 'string'}}}),
        },
        async ({name}) => ({
          content: [{type: 'text', text: `Hello, ${name}`}],
          structuredContent: {greeting: `Hello, ${name}`},
        }),
      );
      server.registerTool(
        'shout',
        {description: 'Says HI', inputSchema: fromJsonSchema({type: 'object'})},
        async () => ({
          content: [
            {type: 'text', text: 'HI'},
            {type: 'text', text: 'THERE'},
          ],
        }),
      );
      server.registerTool(
        'broken',
        {description: 'Fails', inputSchema: fromJsonSchema({type: 'object'})},
        async () => ({
          content: [{type: 'text', text: 'disk full\nwhile writing'}],
          isError: true,
        }),
      );
      return server;
    });
    const node = toNodeHandler(handler);
    http = createServer((request, response) => {
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (!token || ![TOKEN, LOCAL_TOKEN, API_KEY].includes(token)) {
        response.writeHead(401).end();
        return;
      }
      seen.push(token);
      void node(request, response);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await home.remove();
  });

  const remote = () => ['--url', `${url}/mcp`, '--token', TOKEN];

  describe('cli:mcp:list', () => {
    it('lists the tools of a server by --url and --token: a table, or the whole tools with --json', async () => {
      const table = await cli('cli:mcp:list', ...remote());
      expect(table.exitCode, table.stderr).to.equal(0);
      const lines = table.stdout.trimEnd().split('\n');
      expect(lines[0]).to.match(/^NAME\s+TITLE\s+DESCRIPTION$/);
      expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).to.have.members(['greet', 'shout', 'broken']);
      expect(table.stdout).to.match(/greet\s+Greet\s+Greets someone\n/);

      const json = await cli('cli:mcp:list', ...remote(), '--json');
      expect(json.exitCode, json.stdout).to.equal(0);
      const greet = json.json().data.find((tool: {name: string}) => tool.name === 'greet');
      expect(greet).to.deep.include({
        name: 'greet',
        title: 'Greet',
        inputSchema: {type: 'object', properties: {name: {type: 'string'}}, required: ['name']},
      });
      expect(seen).to.include(TOKEN);
    });

    it('speaks the era asked for', async () => {
      for (const era of ['legacy', 'modern', 'auto']) {
        const run = await cli('cli:mcp:list', ...remote(), '--era', era, '--json');
        expect(run.exitCode, `${era}: ${run.stdout}`).to.equal(0);
        expect(run.json().data).to.have.length(3);
      }
    });

    it('runs a stdio server from a command line, keeping its stderr off the output', async () => {
      const run = await cli('cli:mcp:list', '--stdio', `node '${STDIO_SERVER}'`, '--json');
      expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
      expect(run.json().data.map((tool: {name: string}) => tool.name)).to.deep.equal(['echo']);
      expect(run.stdout).to.not.include('stdio fixture');
    });

    it('refuses a wrong token (exit 4), an unreachable server and a failing command (exit 6)', async () => {
      expectFailure(
        await cli('cli:mcp:list', '--url', `${url}/mcp`, '--token', 'wrong-token', '--json'),
        4,
        'MCP_UNAUTHORIZED',
      );
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      expectFailure(await cli('cli:mcp:list', '--url', `http://127.0.0.1:${port}/mcp`, '--json'), 6, 'MCP_UNREACHABLE');
      const failing = await cli(
        'cli:mcp:list',
        '--stdio',
        'node -e "process.stderr.write(\'no server here\\n\')"',
        '--json',
      );
      expect(expectFailure(failing, 6, 'MCP_UNREACHABLE').message).to.include('no server here');
      expectFailure(await cli('cli:mcp:list', '--url', 'ftp://127.0.0.1/mcp', '--json'), 2, 'MCP_URL_INVALID');
      expectFailure(await cli('cli:mcp:list', '--stdio', 'node "unclosed', '--json'), 2, 'COMMAND_LINE_INVALID');
      expectFailure(await cli('cli:mcp:list', '--stdio', 'node', '--url', url, '--json'), 2, 'INVALID_USAGE');
    });

    it("uses this installation's running server by default: the local server token, or SYSTEMPROMPT_API_KEY", async () => {
      const data = join(home.path, 'data');
      await mkdir(data, {recursive: true});
      expectFailure(await cli('cli:mcp:list', '--json'), 6, 'MCP_SERVER_NOT_RUNNING');

      const [host, port] = url.replace('http://', '').split(':');
      const state = {
        pid: process.pid,
        processStart: processStartTime(process.pid),
        host,
        port: Number(port),
        url,
        state: 'ready',
        detached: false,
        startedAt: new Date().toISOString(),
        serverId: 'test',
        version: '0.1.0',
      };
      await writeFile(join(data, 'server.json'), JSON.stringify(state));
      await writeFile(join(data, 'server.token'), `${LOCAL_TOKEN}\n`, {mode: 0o600});
      seen.length = 0;
      const local = await cli('cli:mcp:list', '--json');
      expect(local.exitCode, local.stdout).to.equal(0);
      expect(local.json().data).to.have.length(3);
      expect(seen).to.include(LOCAL_TOKEN).and.not.include(API_KEY);

      seen.length = 0;
      const withKey = await runCli(['cli:mcp:call', 'greet', '--args', '{"name":"Bo"}', '--json'], {
        root,
        home: home.path,
        env: {SYSTEMPROMPT_API_KEY: API_KEY},
      });
      expect(withKey.exitCode, withKey.stdout).to.equal(0);
      expect(withKey.json().data).to.deep.equal({greeting: 'Hello, Bo'});
      expect(seen).to.include(API_KEY).and.not.include(LOCAL_TOKEN);
    });
  });

  describe('cli:mcp:call', () => {
    it('prints structured content as the record, and text content as text', async () => {
      const structured = await cli('cli:mcp:call', 'greet', '--args', '{"name":"Ana"}', ...remote(), '--json');
      expect(structured.exitCode, structured.stdout).to.equal(0);
      expect(structured.json().data).to.deep.equal({greeting: 'Hello, Ana'});
      const record = await cli('cli:mcp:call', 'greet', '--args', '{"name":"Ana"}', ...remote());
      expect(record.stdout).to.match(/greeting\s+Hello, Ana/);

      const text = await cli('cli:mcp:call', 'shout', ...remote());
      expect(text.exitCode, text.stderr).to.equal(0);
      expect(text.stdout).to.equal('HI\nTHERE\n');

      const stdio = await cli('cli:mcp:call', 'echo', '--args', '{"text":"hey"}', '--stdio', `node ${STDIO_SERVER}`);
      expect(stdio.exitCode, stdio.stderr).to.equal(0);
      expect(stdio.stdout).to.equal('echo: hey\n');
    });

    it('ends an error result with exit 1 and its text on one line', async () => {
      const run = await cli('cli:mcp:call', 'broken', ...remote());
      expect(run.exitCode).to.equal(1);
      expect(run.stderr.split('\n')[0]).to.equal('disk full while writing');
      expectFailure(await cli('cli:mcp:call', 'broken', ...remote(), '--json'), 1, 'MCP_TOOL_ERROR', 'disk full');
    });

    it('refuses bad --args before contacting anything (exit 2), and a tool the server does not know (exit 2)', async () => {
      expectFailure(await cli('cli:mcp:call', 'greet', '--args', '{nope', '--json'), 2, 'MCP_ARGS_INVALID');
      expectFailure(await cli('cli:mcp:call', 'greet', '--args', '[1]', '--json'), 2, 'MCP_ARGS_INVALID');
      expectFailure(await cli('cli:mcp:call', 'missing', ...remote(), '--json'), 2, 'MCP_REQUEST_REJECTED');
    });
  });
});
