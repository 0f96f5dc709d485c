import {expect} from 'chai';
import {createTempHome, expectFailure, type SpawnResult, type TempHome} from '@systemprompt/testing';
import {cliWith, userWithKey} from '../helpers.js';
import {STDIO_FIXTURE, closedPort, startHttpUpstream, type HttpUpstream} from '../upstream-servers.js';

const SECRET = 's3cret-header-value-5d2b9';
const TOKEN = `Bearer ${SECRET}`;
const ENV_SECRET = 'env-only-secret-81fa';

describe('mcp:servers commands [sqlite]', function () {
  this.timeout(120_000);
  let home: TempHome;
  let upstream: HttpUpstream;
  let asViewer: ReturnType<typeof cliWith>;
  /** Every output of every run of this suite, searched for the header values at the end. */
  const outputs: string[] = [];
  let cli: ReturnType<typeof cliWith>;

  const record = (run: SpawnResult): SpawnResult => {
    outputs.push(run.stdout, run.stderr);
    expect(run.stdout + run.stderr)
      .to.not.include(SECRET)
      .and.not.include(ENV_SECRET);
    return run;
  };
  const ok = async (...args: string[]) => {
    const run = record(await cli(...args, '--json'));
    expect(run.exitCode, `${args.join(' ')}: ${run.stdout}${run.stderr}`).to.equal(0);
    return JSON.parse(run.stdout) as {ok: true; data: any; warnings?: string[]; meta?: Record<string, unknown>};
  };
  const fails = async (exitCode: number, code: string, ...args: string[]) =>
    expectFailure(record(await cli(...args, '--json')), exitCode, code);
  const names = async () => (await ok('mcp:servers')).data.map((server: {name: string}) => server.name);

  before(async () => {
    home = await createTempHome();
    // The secret of --header-env is in the environment of every run: it must still never be printed.
    cli = cliWith({SYSTEMPROMPT_HOME: home.path, GATEWAY_AUTH: TOKEN, OTHER_AUTH: ENV_SECRET});
    upstream = await startHttpUpstream(TOKEN);
    const viewer = await userWithKey(cli, 'viewer@example.com', 'viewer', '*:read');
    asViewer = cliWith({SYSTEMPROMPT_HOME: home.path, SYSTEMPROMPT_API_KEY: viewer.key});
  });
  after(async () => {
    await upstream?.close();
    await home?.remove();
  });

  it('lists no server at first, with a notice', async () => {
    expect((await ok('mcp:servers')).data).to.deep.equal([]);
    const table = record(await cli('mcp:servers'));
    expect(table.exitCode).to.equal(0);
    expect(table.stderr).to.contain('No upstream MCP server yet');
  });

  it('--dry-run checks everything, contacts nothing and adds nothing', async () => {
    const before = upstream.seen.length;
    const preview = await ok(
      'mcp:servers:add',
      'calc',
      '--url',
      upstream.url,
      '--header',
      `Authorization=${TOKEN}`,
      '--dry-run',
    );
    expect(preview.data).to.deep.equal({
      name: 'calc',
      transport: 'http',
      target: upstream.url,
      headerNames: ['Authorization'],
      dryRun: true,
    });
    expect(preview.meta).to.deep.equal({dryRun: true});
    expect(upstream.seen.length).to.equal(before);
    expect(await names()).to.deep.equal([]);
  });

  it('adds an HTTP server with a secret header, shows only the header name, and sends the value', async () => {
    const added = await ok('mcp:servers:add', 'calc', '--url', upstream.url, '--header', `Authorization=${TOKEN}`);
    expect(added.data).to.include({name: 'calc', transport: 'http', target: upstream.url, status: 'ok', toolCount: 2});
    expect(added.data.headerNames).to.deep.equal(['Authorization']);
    expect(added.data.tools).to.have.members(['sum', 'fail']);
    expect(added.warnings ?? []).to.deep.equal([]);
    expect(upstream.authorized).to.be.greaterThan(0);
    expect(upstream.refused).to.equal(0);

    // Table and YAML output, and both names of the list command, show the name and never the value.
    for (const args of [['mcp:servers'], ['mcp:servers:list'], ['mcp:servers', '--format', 'yaml']]) {
      const run = record(await cli(...args));
      expect(run.exitCode, run.stderr).to.equal(0);
      expect(run.stdout).to.contain('calc').and.to.contain('Authorization');
    }
    const listed = (await ok('mcp:servers:list')).data as Array<Record<string, unknown>>;
    expect(listed).to.have.length(1);
    expect(listed[0]).to.include({name: 'calc', status: 'ok', toolCount: 2, lastError: null});
    expect(listed[0]!.headerNames).to.deep.equal(['Authorization']);

    // --header-env reads the value from the environment; it is sent, and never shown either.
    const fromEnv = await ok(
      'mcp:servers:add',
      'calc-env',
      '--url',
      upstream.url,
      '--header-env',
      'Authorization=GATEWAY_AUTH',
    );
    expect(fromEnv.data).to.include({status: 'ok', toolCount: 2});
    // The tools are served as NAME__tool.
    const tools = (await ok('tools:list', '--filter', 'source=upstream')).data.map((tool: {name: string}) => tool.name);
    expect(tools).to.have.members(['calc__fail', 'calc__sum', 'calc-env__fail', 'calc-env__sum']);
    // The audit log holds the header names, not the values.
    const audit = record(await cli('permissions:audit', '--limit', '0', '--json'));
    expect(audit.stdout).to.contain('mcp.server.add');
  });

  it('adds a stdio server from one command string', async () => {
    const added = await ok('mcp:servers:add', 'local', '--stdio', `node ${STDIO_FIXTURE}`);
    expect(added.data).to.include({
      name: 'local',
      transport: 'stdio',
      target: `node ${STDIO_FIXTURE}`,
      status: 'ok',
      toolCount: 3,
    });
    expect(added.data.headerNames).to.deep.equal([]);
    // The child's standard error (its log) stays off the command's output.
    expect(outputs.at(-1)).to.not.contain('stdio fixture server starting');
  });

  it('adds an unreachable server with a warning (exit 0), and wrong credentials as unreachable too', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/mcp`;
    const gone = await ok('mcp:servers:add', 'gone', '--url', url, '--header', `X-Api-Key=${ENV_SECRET}`);
    expect(gone.data).to.include({name: 'gone', status: 'unreachable', toolCount: 0, refreshedAt: null});
    expect(gone.data.lastError).to.be.a('string').and.not.equal('');
    expect(gone.warnings).to.have.length(1);
    expect(gone.warnings![0]).to.match(/gone was added, but it cannot be reached/);
    const table = record(await cli('mcp:servers:add', 'gone-too', '--url', url));
    expect(table.exitCode, table.stderr).to.equal(0);
    expect(table.stderr).to.match(/Warning: gone-too was added, but it cannot be reached/);

    const wrong = await ok(
      'mcp:servers:add',
      'wrong',
      '--url',
      upstream.url,
      '--header',
      'Authorization=Bearer not-it-4321',
    );
    expect(wrong.data.status).to.equal('unreachable');
    expect(wrong.data.lastError).to.match(/401/).and.not.include('not-it-4321');
    expect(upstream.refused).to.be.greaterThan(0);
    const unreachable = (await ok('mcp:servers', '--filter', 'status=unreachable')).data.map(
      (server: {name: string}) => server.name,
    );
    expect(unreachable).to.deep.equal(['gone', 'gone-too', 'wrong']);
  });

  it('tests a server: reachable (0), unreachable (6, with the report), unknown (3)', async () => {
    const calc = await ok('mcp:servers:test', 'calc');
    expect(calc.data).to.include({name: 'calc', reachable: true, era: 'modern', tools: 2});
    expect(calc.data.protocolVersion).to.match(/^\d{4}-\d{2}-\d{2}$/);
    expect(calc.data.latencyMs).to.be.a('number');
    expect((await ok('mcp:servers:test', 'local')).data).to.include({reachable: true, tools: 3});

    const gone = record(await cli('mcp:servers:test', 'gone', '--json'));
    expect(gone.exitCode).to.equal(6);
    expect(JSON.parse(gone.stdout).data).to.include({name: 'gone', reachable: false, tools: 0});
    const wrong = record(await cli('mcp:servers:test', 'wrong', '--json'));
    expect(wrong.exitCode).to.equal(6);
    expect(JSON.parse(wrong.stdout).data.error).to.match(/401/);
    await fails(3, 'UPSTREAM_NOT_FOUND', 'mcp:servers:test', 'nobody');
  });

  it('refuses bad input (2) and a duplicate name (5)', async () => {
    await fails(2, 'UPSTREAM_NAME_INVALID', 'mcp:servers:add', 'Calc', '--url', upstream.url);
    await fails(2, 'UPSTREAM_NAME_INVALID', 'mcp:servers:add', 'a__b', '--url', upstream.url);
    await fails(2, 'UPSTREAM_TARGET_REQUIRED', 'mcp:servers:add', 'none');
    await fails(2, 'INVALID_USAGE', 'mcp:servers:add', 'both', '--url', upstream.url, '--stdio', 'node x.js');
    await fails(2, 'UPSTREAM_URL_INVALID', 'mcp:servers:add', 'ftp', '--url', 'ftp://127.0.0.1/mcp');
    await fails(2, 'UPSTREAM_URL_INVALID', 'mcp:servers:add', 'creds', '--url', `http://user:${SECRET}@127.0.0.1/mcp`);
    const noEquals = await fails(
      2,
      'UPSTREAM_HEADER_INVALID',
      'mcp:servers:add',
      'hdr',
      '--url',
      upstream.url,
      '--header',
      SECRET,
    );
    expect(noEquals.message).to.not.include(SECRET);
    await fails(
      2,
      'UPSTREAM_HEADER_INVALID',
      'mcp:servers:add',
      'hdr',
      '--url',
      upstream.url,
      '--header-env',
      'Authorization=NOT_SET_ANYWHERE',
    );
    // An unclosed quote in --stdio (split by core's command-line splitter, whose code names it).
    const quote = record(await cli('mcp:servers:add', 'quote', '--stdio', 'node "unclosed', '--json'));
    expect(quote.exitCode, quote.stdout).to.equal(2);
    expect(JSON.parse(quote.stdout).error.code).to.match(/^(COMMAND_LINE|UPSTREAM_COMMAND)_INVALID$/);
    expect(JSON.parse(quote.stdout).error.message).to.match(/unclosed double quote/);
    const blank = record(await cli('mcp:servers:add', 'blank', '--stdio', '   ', '--json'));
    expect(blank.exitCode, blank.stdout).to.equal(2);
    expect(JSON.parse(blank.stdout).error.code).to.match(/^UPSTREAM_(COMMAND_INVALID|TARGET_REQUIRED)$/);
    await fails(5, 'UPSTREAM_EXISTS', 'mcp:servers:add', 'calc', '--url', upstream.url);
    await fails(5, 'UPSTREAM_EXISTS', 'mcp:servers:add', 'calc', '--url', upstream.url, '--dry-run');
    expect(await names()).to.deep.equal(['calc', 'calc-env', 'gone', 'gone-too', 'local', 'wrong']);
  });

  it('lets a viewer list (mcp:read) but not add, test or remove (4)', async () => {
    const listed = record(await asViewer('mcp:servers', '--json'));
    expect(listed.exitCode, listed.stderr).to.equal(0);
    expect(JSON.parse(listed.stdout).data).to.have.length(6);
    for (const args of [
      ['mcp:servers:add', 'mine', '--url', upstream.url],
      ['mcp:servers:test', 'calc'],
      ['mcp:servers:remove', 'calc', '--confirm'],
    ])
      expectFailure(record(await asViewer(...args, '--json')), 4, 'PERMISSION_DENIED');
  });

  it('removes a server with --confirm (dry run first), and its tools with it', async () => {
    await fails(2, 'CONFIRMATION_REQUIRED', 'mcp:servers:remove', 'calc');
    const dry = await ok('mcp:servers:remove', 'calc', '--dry-run');
    expect(dry.data).to.deep.equal({name: 'calc', removed: false, toolCount: 2, dryRun: true});
    expect(await names()).to.include('calc');
    expect((await ok('mcp:servers:remove', 'calc', '--confirm')).data).to.deep.equal({
      name: 'calc',
      removed: true,
      toolCount: 2,
    });
    expect(await names()).to.deep.equal(['calc-env', 'gone', 'gone-too', 'local', 'wrong']);
    const tools = (await ok('tools:list', '--filter', 'provider=calc')).data;
    expect(tools).to.deep.equal([]);
    await fails(3, 'UPSTREAM_NOT_FOUND', 'mcp:servers:remove', 'calc', '--confirm');
  });

  it('never printed a header value', () => {
    expect(outputs.length).to.be.greaterThan(40);
    for (const output of outputs) expect(output).to.not.include(SECRET).and.not.include(ENV_SECRET);
  });
});
