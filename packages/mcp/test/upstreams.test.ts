import {mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {
  InMemoryEventBus,
  LOCAL_ADMIN,
  NO_METRICS,
  loadManifest,
  modulePaths,
  resolveSystemPaths,
  silentLogger,
  type Actor,
  type EventBus,
  type Logger,
  type ModuleContext,
} from '@systemprompt/core';
import {SecretBox} from '@systemprompt/core/config';
import {DatabaseService, parseDatabaseUrl} from '@systemprompt/database';
import {createTempHome, createTestDatabase, testEngines, type TempHome, type TestDatabase} from '@systemprompt/testing';
import usersModule, {type UsersApi} from '@systemprompt/users';
import {MCP_ENTITIES} from '../src/entities.js';
import createMcp from '../src/migrations/20261202160000-create-mcp.js';
import {UpstreamService, type AddedUpstream, type UpstreamTool} from '../src/services/upstreams.js';
import {STDIO_FIXTURE, closedPort, startHttpUpstream, type HttpUpstream} from './upstream-servers.js';

const MCP_ROOT = fileURLToPath(new URL('..', import.meta.url));
const USERS_ROOT = join(MCP_ROOT, 'node_modules', '@systemprompt', 'users');
const TOKEN = 'Bearer s3cret-upstream-token-4242';

/** Expects `promise` to fail with a SystemPromptError of this exit code and code. */
async function failure(promise: Promise<unknown>, exitCode: number, code: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    const caught = error as Error & {code: string; exitCode: number};
    expect(caught.exitCode, caught.message).to.equal(exitCode);
    expect(caught.code, caught.message).to.equal(code);
    return caught;
  }
  throw new Error(`expected exit ${exitCode} (${code}), but it succeeded`);
}

/** A logger that keeps its warnings. */
function recordingLogger(warnings: Array<{fields: unknown; message?: string}>): Logger {
  const logger: Logger = {
    ...silentLogger,
    warn: (fields: unknown, message?: string) => void warnings.push({fields, ...(message ? {message} : {})}),
    child: () => logger,
  };
  return logger;
}

interface Fixture {
  service: DatabaseService;
  users: UsersApi;
  upstreams: UpstreamService;
  events: string[];
  warnings: Array<{fields: unknown; message?: string}>;
  sql(statement: string, params?: unknown[]): Promise<any[]>;
  viewer: Actor;
}

/** The users module (the access decision and the audit log) and the mcp tables over one database; the service under test. */
async function boot(home: string, databaseUrl: string | undefined, timeoutMs = 15000): Promise<Fixture> {
  const service = new DatabaseService(
    {
      target: parseDatabaseUrl(databaseUrl, join(home, 'test.sqlite')),
      poolSize: 4,
      busyTimeoutMs: 5000,
      connectTimeoutMs: 5000,
      queryTimeoutMs: 5000,
    },
    silentLogger,
  );
  const systemPaths = resolveSystemPaths({
    configDir: join(home, 'config'),
    dataDir: join(home, 'data'),
    cacheDir: join(home, 'cache'),
  });
  await mkdir(systemPaths.config, {recursive: true});
  const manifest = await loadManifest(USERS_ROOT);
  let users: UsersApi | undefined;
  const unused = (what: string) => () => {
    throw new Error(`the test has no ${what}`);
  };
  const context: ModuleContext = {
    name: manifest.name,
    manifest,
    root: USERS_ROOT,
    logger: silentLogger,
    config: {},
    events: new InMemoryEventBus('users'),
    services: {
      get: ((token: string | {module: string}) =>
        (typeof token === 'string' ? token : token.module) === 'database'
          ? service
          : undefined) as ModuleContext['services']['get'],
      has: (token) => (typeof token === 'string' ? token : token.module) === 'database',
    },
    paths: modulePaths(systemPaths, manifest.name),
    systemPaths,
    capability: <S>(name: string) => (name === 'database' ? (service as S) : undefined),
    access: unused('access provider'),
    provide: (value) => void (users = value as UsersApi),
    provideCapability: unused('capabilities to provide'),
    http: {add: () => {}, mount: () => {}},
    modules: () => [],
    tools: {add: () => {}, list: () => []},
    metrics: NO_METRICS,
    retention: {add: () => {}},
  } as ModuleContext;
  await usersModule().initialize(context);

  const db = await service.forModule(
    {name: 'mcp', root: MCP_ROOT, manifest: {...manifest, name: 'mcp', migrations: undefined}},
    MCP_ENTITIES,
  );
  await (await service.runner()).migrate([{module: 'mcp', ...createMcp}]);

  const bus = new InMemoryEventBus('mcp');
  const events: string[] = [];
  bus.on('*', (event) => void events.push(event.type));
  const warnings: Fixture['warnings'] = [];
  const upstreams = new UpstreamService(db, users!.access, bus as EventBus, new SecretBox(systemPaths.config, {}), {
    timeoutMs,
    logger: recordingLogger(warnings),
  });
  const sql = async (statement: string, params: unknown[] = []) =>
    (await service.dataSource()).query(statement, params);
  const id = 'c0ffee00-0000-4000-8000-000000000001';
  const now = new Date().toISOString();
  await sql('INSERT INTO users (id, email, name, status, created_at, updated_at) VALUES (?, ?, NULL, ?, ?, ?)', [
    id,
    'vera@example.com',
    'enabled',
    now,
    now,
  ]);
  await sql('INSERT INTO users_memberships (user_id, role) VALUES (?, ?)', [id, 'viewer']);
  const viewer: Actor = {kind: 'user', id, label: 'vera@example.com', via: 'session'};
  return {service, users: users!, upstreams, events, warnings, sql, viewer};
}

const toolNamed = (tools: UpstreamTool[], name: string) => tools.find((tool) => tool.name === name);

for (const engine of testEngines()) {
  describe(`UpstreamService [${engine}]`, function () {
    this.timeout(60000);
    let home: TempHome;
    let database: TestDatabase;
    let fixture: Fixture;
    let http: HttpUpstream;

    beforeEach(async () => {
      home = await createTempHome();
      database = await createTestDatabase(engine);
      fixture = await boot(home.path, database.url);
      http = await startHttpUpstream(TOKEN);
    });
    afterEach(async () => {
      await fixture?.upstreams.close();
      await http?.close();
      await fixture?.service.close();
      await database.drop();
      await home.remove();
    });

    const addHttp = (name = 'calc', headers: Record<string, string> = {Authorization: TOKEN}) =>
      fixture.upstreams.add(LOCAL_ADMIN, {name, url: http.url, headers}) as Promise<AddedUpstream>;
    const addStdio = (name = 'local') =>
      fixture.upstreams.add(LOCAL_ADMIN, {name, command: ['node', STDIO_FIXTURE]}) as Promise<AddedUpstream>;

    it('adds an HTTP server with its tools, sends the stored header, keeps it encrypted and shows only its name', async () => {
      const added = await addHttp();
      expect(added).to.include({
        name: 'calc',
        transport: 'http',
        target: http.url,
        status: 'ok',
        lastError: null,
        toolCount: 2,
      });
      expect(added.tools).to.have.members(['sum', 'fail']);
      expect(added.headerNames).to.deep.equal(['Authorization']);
      expect(added.warning).to.equal(undefined);
      expect(http.authorized).to.be.greaterThan(0);
      expect(http.refused).to.equal(0);

      const [row] = await fixture.sql('SELECT headers, tools, status FROM mcp_servers WHERE name = ?', ['calc']);
      expect(row.headers).to.be.a('string').and.not.include('s3cret');
      expect(row.headers).to.match(/^enc:/);
      expect(JSON.parse(row.tools).map((tool: {name: string}) => tool.name)).to.have.members(['sum', 'fail']);

      const listed = await fixture.upstreams.list(fixture.viewer);
      expect(listed).to.have.length(1);
      expect(listed[0]).to.include({name: 'calc', transport: 'http', status: 'ok', toolCount: 2});
      expect(listed[0]!.headerNames).to.deep.equal(['Authorization']);
      expect(JSON.stringify(listed)).to.not.include('s3cret');
      expect(JSON.stringify(added)).to.not.include('s3cret');

      const [audit] = await fixture.sql(
        "SELECT actor, target, result, details FROM users_audit WHERE action = 'mcp.server.add'",
      );
      expect(audit).to.include({actor: 'local-admin', target: 'calc', result: 'ok'});
      expect(audit.details).to.not.include('s3cret');
      expect(fixture.events).to.include.members(['mcp.server.added', 'mcp.tools.changed']);

      const tools = await fixture.upstreams.cachedTools();
      expect(toolNamed(tools, 'calc__sum')).to.deep.equal({
        server: 'calc',
        name: 'calc__sum',
        upstreamName: 'sum',
        title: 'Sum',
        description: 'Adds two numbers',
        inputSchema: {type: 'object', properties: {a: {type: 'number'}, b: {type: 'number'}}, required: ['a', 'b']},
        outputSchema: {type: 'object', properties: {sum: {type: 'number'}}, required: ['sum']},
        annotations: {readOnlyHint: true, idempotentHint: true},
        available: true,
      });
    });

    it('adds a stdio server, skips tool names that do not fit once prefixed (logged once) and calls its tools', async () => {
      const added = await addStdio();
      expect(added).to.include({transport: 'stdio', status: 'ok', toolCount: 3, target: `node ${STDIO_FIXTURE}`});
      const tools = await fixture.upstreams.cachedTools();
      expect(tools.map((tool) => tool.name)).to.have.members(['local__echo', 'local__exit']);
      await fixture.upstreams.cachedTools();
      const skipped = fixture.warnings.filter((warning) => /does not fit/.test(warning.message ?? ''));
      expect(skipped).to.have.length(1);

      const result = await fixture.upstreams.callTool('local', 'echo', {text: 'hi'}, new AbortController().signal);
      expect(result).to.deep.equal({content: [{type: 'text', text: 'echo: hi'}]});
    });

    it('calls HTTP tools with structured results and error results, and maps refusals to exit codes', async () => {
      await addHttp();
      const before = http.authorized;
      const signal = new AbortController().signal;
      const sum = await fixture.upstreams.callTool('calc', 'sum', {a: 2, b: 3}, signal);
      expect(sum.structuredContent).to.deep.equal({sum: 5});
      expect(sum.content).to.deep.equal([{type: 'text', text: '5'}]);
      expect(http.authorized).to.be.greaterThan(before);
      const failed = await fixture.upstreams.callTool('calc', 'fail', {}, signal);
      expect(failed).to.deep.equal({content: [{type: 'text', text: 'it went wrong'}], isError: true});
      await failure(fixture.upstreams.callTool('calc', 'nope', {}, signal), 2, 'UPSTREAM_ARGUMENTS_INVALID');
      await failure(fixture.upstreams.callTool('nobody', 'sum', {}, signal), 3, 'UPSTREAM_NOT_FOUND');
      const aborted = new AbortController();
      aborted.abort();
      await failure(fixture.upstreams.callTool('calc', 'sum', {a: 1, b: 1}, aborted.signal), 6, 'UPSTREAM_CANCELLED');
    });

    it('connects again once when the connection broke (the stdio child exited)', async () => {
      await addStdio();
      const signal = new AbortController().signal;
      expect((await fixture.upstreams.callTool('local', 'exit', {}, signal)).content).to.deep.equal([
        {type: 'text', text: 'bye'},
      ]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const again = await fixture.upstreams.callTool('local', 'echo', {text: 'back'}, signal);
      expect(again.content).to.deep.equal([{type: 'text', text: 'echo: back'}]);
      const [row] = await fixture.sql('SELECT status FROM mcp_servers WHERE name = ?', ['local']);
      expect(row.status).to.equal('ok');
    });

    it('tests a server: era, protocol version, tool count and latency, and refreshes its cache', async () => {
      await addHttp();
      await addStdio();
      const httpTest = await fixture.upstreams.test(LOCAL_ADMIN, 'calc');
      expect(httpTest).to.include({name: 'calc', reachable: true, era: 'modern', tools: 2});
      expect(httpTest.protocolVersion).to.match(/^\d{4}-\d{2}-\d{2}$/);
      expect(httpTest.latencyMs).to.be.a('number');
      const stdioTest = await fixture.upstreams.test(LOCAL_ADMIN, 'local');
      expect(stdioTest).to.include({name: 'local', reachable: true, era: 'legacy', tools: 3});
      await failure(fixture.upstreams.test(LOCAL_ADMIN, 'nobody'), 3, 'UPSTREAM_NOT_FOUND');
      const [audit] = await fixture.sql("SELECT COUNT(*) AS n FROM users_audit WHERE action = 'mcp.server.test'");
      expect(Number(audit.n)).to.equal(2);
    });

    it('refreshes one or every server and says which changed', async () => {
      await addHttp();
      await addStdio();
      fixture.events.length = 0;
      expect((await fixture.upstreams.refresh(LOCAL_ADMIN)).map(({name, changed}) => ({name, changed}))).to.deep.equal([
        {name: 'calc', changed: false},
        {name: 'local', changed: false},
      ]);
      expect(fixture.events).to.not.include('mcp.tools.changed');
      http.extraTool = true;
      const [calc] = await fixture.upstreams.refresh(LOCAL_ADMIN, 'calc');
      expect(calc).to.deep.equal({name: 'calc', status: 'ok', tools: 3, changed: true});
      expect(fixture.events).to.include('mcp.tools.changed');
      expect(toolNamed(await fixture.upstreams.cachedTools(), 'calc__extra')).to.include({available: true});
      await failure(fixture.upstreams.refresh(fixture.viewer), 4, 'PERMISSION_DENIED');
    });

    it('adds a server it cannot reach as unreachable, with a warning, without failing cachedTools', async () => {
      const url = `http://127.0.0.1:${await closedPort()}/mcp`;
      const added = (await fixture.upstreams.add(LOCAL_ADMIN, {name: 'gone', url})) as AddedUpstream;
      expect(added).to.include({name: 'gone', status: 'unreachable', toolCount: 0, refreshedAt: null});
      expect(added.lastError).to.be.a('string').and.not.equal('');
      expect(added.warning).to.match(/cannot be reached/);
      expect(await fixture.upstreams.cachedTools()).to.deep.equal([]);
      const tested = await fixture.upstreams.test(LOCAL_ADMIN, 'gone');
      expect(tested).to.include({reachable: false, tools: 0});
      await failure(
        fixture.upstreams.callTool('gone', 'x', {}, new AbortController().signal),
        6,
        'UPSTREAM_UNREACHABLE',
      );

      // Wrong credentials: refused with 401, and the header value never shows in the error.
      const wrong = (await addHttp('wrong', {Authorization: 'Bearer not-the-token-9999'})) as AddedUpstream;
      expect(wrong.status).to.equal('unreachable');
      expect(wrong.lastError).to.match(/401/);
      expect(wrong.lastError).to.not.include('not-the-token-9999');
    });

    it('marks a server unreachable when it goes away, and its tools unavailable', async () => {
      await addHttp();
      const {url} = http;
      const signal = new AbortController().signal;
      await fixture.upstreams.callTool('calc', 'sum', {a: 1, b: 1}, signal);
      await http.close();
      fixture.events.length = 0;
      await failure(fixture.upstreams.callTool('calc', 'sum', {a: 1, b: 1}, signal), 6, 'UPSTREAM_UNREACHABLE');
      const [row] = await fixture.sql('SELECT status, last_error FROM mcp_servers WHERE name = ?', ['calc']);
      expect(row.status).to.equal('unreachable');
      expect(row.last_error).to.be.a('string');
      expect(fixture.events).to.include('mcp.tools.changed');
      expect(toolNamed(await fixture.upstreams.cachedTools(), 'calc__sum')).to.include({available: false});
      // The broken connection was made again once before the server was given up.
      expect(fixture.warnings.map((warning) => warning.message)).to.include(
        'upstream MCP connection broke; connecting again',
      );
      // Back on the same port: the next call connects, and the server is ok again.
      http = await startHttpUpstream(TOKEN, Number(new URL(url).port));
      const back = await fixture.upstreams.callTool('calc', 'sum', {a: 2, b: 2}, signal);
      expect(back.structuredContent).to.deep.equal({sum: 4});
      const [again] = await fixture.sql('SELECT status, last_error FROM mcp_servers WHERE name = ?', ['calc']);
      expect(again).to.deep.equal({status: 'ok', last_error: null});
      expect(toolNamed(await fixture.upstreams.cachedTools(), 'calc__sum')).to.include({available: true});
    });

    it('removes a server (dry run first) and its tools', async () => {
      await addHttp();
      await addStdio();
      await fixture.upstreams.callTool('local', 'echo', {text: 'x'}, new AbortController().signal);
      expect(await fixture.upstreams.remove(LOCAL_ADMIN, 'local', {dryRun: true})).to.deep.equal({
        name: 'local',
        removed: false,
        toolCount: 3,
        dryRun: true,
      });
      let asked = '';
      expect(
        await fixture.upstreams.remove(LOCAL_ADMIN, 'local', {confirm: async (question) => void (asked = question)}),
      ).to.deep.equal({name: 'local', removed: true, toolCount: 3});
      expect(asked).to.match(/local__\*/);
      expect(fixture.events).to.include('mcp.server.removed');
      expect((await fixture.upstreams.list(LOCAL_ADMIN)).map((server) => server.name)).to.deep.equal(['calc']);
      expect((await fixture.upstreams.cachedTools()).some((tool) => tool.server === 'local')).to.equal(false);
      await failure(fixture.upstreams.remove(LOCAL_ADMIN, 'local'), 3, 'UPSTREAM_NOT_FOUND');
    });

    it('refuses a viewer (exit 4) and bad input (exit 2), and a duplicate name (exit 5)', async () => {
      await failure(fixture.upstreams.add(fixture.viewer, {name: 'calc', url: http.url}), 4, 'PERMISSION_DENIED');
      await failure(fixture.upstreams.test(fixture.viewer, 'calc'), 4, 'PERMISSION_DENIED');
      await failure(fixture.upstreams.remove(fixture.viewer, 'calc'), 4, 'PERMISSION_DENIED');
      const add = (input: Parameters<UpstreamService['add']>[1]) => fixture.upstreams.add(LOCAL_ADMIN, input);
      await failure(add({name: 'Calc', url: http.url}), 2, 'UPSTREAM_NAME_INVALID');
      await failure(add({name: 'a__b', url: http.url}), 2, 'UPSTREAM_NAME_INVALID');
      await failure(add({name: 'x'.repeat(32), url: http.url}), 2, 'UPSTREAM_NAME_INVALID');
      await failure(add({name: 'calc'}), 2, 'UPSTREAM_TARGET_REQUIRED');
      await failure(add({name: 'calc', url: http.url, command: ['node']}), 2, 'UPSTREAM_TARGET_REQUIRED');
      await failure(add({name: 'calc', url: 'ftp://127.0.0.1/mcp'}), 2, 'UPSTREAM_URL_INVALID');
      await failure(add({name: 'calc', url: 'http://user:pw@127.0.0.1/mcp'}), 2, 'UPSTREAM_URL_INVALID');
      await failure(add({name: 'calc', url: http.url, headers: {'Bad Name': 'x'}}), 2, 'UPSTREAM_HEADER_INVALID');
      await failure(add({name: 'calc', url: http.url, headers: {'Mcp-Session-Id': 'x'}}), 2, 'UPSTREAM_HEADER_INVALID');
      await failure(add({name: 'calc', command: ['node'], headers: {A: 'b'}}), 2, 'UPSTREAM_HEADER_INVALID');
      await failure(add({name: 'calc', command: ['  ']}), 2, 'UPSTREAM_COMMAND_INVALID');
      expect(await add({name: 'calc', url: http.url, headers: {Authorization: TOKEN}})).to.include({status: 'ok'});
      await failure(add({name: 'calc', url: http.url}), 5, 'UPSTREAM_EXISTS');
      expect(await fixture.upstreams.add(LOCAL_ADMIN, {name: 'other', url: http.url}, {dryRun: true})).to.deep.equal({
        name: 'other',
        transport: 'http',
        target: http.url,
        headerNames: [],
        dryRun: true,
      });
      expect((await fixture.upstreams.list(fixture.viewer)).map((server) => server.name)).to.deep.equal(['calc']);
    });
  });
}
