import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {expect} from 'chai';
import {createTempHome, type TempHome} from '@systemprompt/testing';
import {cliWith, connect, eventually, scrape, userWithKey} from '../helpers.js';
import {processGone, startDetached, type StartedServer} from '../../../system/test/helpers/server.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: Array<{key: string; value: Record<string, unknown>}>;
}

/** A loopback OTLP/HTTP collector: keeps the spans of every JSON export posted to /v1/traces. */
async function startCollector(): Promise<{url: string; spans: OtlpSpan[]; close(): Promise<void>}> {
  const spans: OtlpSpan[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces' && request.headers['content-type']?.startsWith('application/json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: Array<{scopeSpans?: Array<{spans?: OtlpSpan[]}>}>;
        };
        for (const resource of body.resourceSpans ?? [])
          for (const scope of resource.scopeSpans ?? []) spans.push(...(scope.spans ?? []));
        response.writeHead(200, {'content-type': 'application/json'}).end('{}');
      } else response.writeHead(415).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes?.find((entry) => entry.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
};

/**
 * Traces of the real server (a detached process) exported over OTLP/HTTP to a collector on a loopback
 * port: a tools/call is an HTTP server span with the tool's span inside it and the database statements
 * inside that; a caller's W3C trace context is continued.
 */
describe('traces of MCP calls, exported over OTLP [sqlite]', function () {
  this.timeout(120_000);
  let home: TempHome;
  let cli: ReturnType<typeof cliWith>;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let server: StartedServer | undefined;

  before(async () => {
    home = await createTempHome();
    collector = await startCollector();
    cli = cliWith({SYSTEMPROMPT_HOME: home.path, SYSTEMPROMPT_SYSTEM_OTLP_ENDPOINT: collector.url});
  });
  after(async () => {
    if (server && !processGone(server.pid)) await cli('system:stop', '--timeout', '10');
    await collector?.close();
    await home?.remove();
  });

  it('shows the tool span inside the HTTP span and the database spans inside the tool span', async () => {
    const {key} = await userWithKey(cli, 'admin@example.com', 'admin');
    server = await startDetached(cli);
    const client = await connect(server.url, key, 'modern');
    const result = await client.callTool({name: 'users_list', arguments: {}});
    expect(result.isError ?? false).to.equal(false);
    await client.close();

    await eventually(
      async () => collector.spans.some((span) => span.name === 'mcp tools/call users_list'),
      15_000,
      'the tool span to reach the collector',
    );
    const tool = collector.spans.find((span) => span.name === 'mcp tools/call users_list')!;
    expect(attribute(tool, 'mcp.tool.outcome')).to.equal('ok');
    const http = collector.spans.find((span) => span.spanId === tool.parentSpanId);
    expect(http, 'the span the tool span is inside').to.not.equal(undefined);
    expect(http!.name).to.equal('HTTP POST /mcp');
    expect(http!.kind, 'a server span').to.equal(2);
    expect(attribute(http!, 'http.response.status_code')).to.equal(200);
    // Every statement of the call, the users query among them, is a child of the tool span.
    await eventually(
      async () => collector.spans.some((span) => span.parentSpanId === tool.spanId && span.name === 'db select'),
      15_000,
      'the database spans to reach the collector',
    );
    const statements = collector.spans.filter((span) => span.parentSpanId === tool.spanId);
    expect(statements.map((span) => span.name)).to.include('db select');
    for (const statement of statements) {
      expect(statement.traceId).to.equal(tool.traceId);
      expect(statement.name).to.match(/^db [a-z]+$/);
      expect(String(attribute(statement, 'db.query.text'))).to.not.equal('');
    }
    expect(String(statements.map((span) => attribute(span, 'db.query.text')).join('\n'))).to.match(/users/);
  });

  it("continues the caller's W3C trace context", async () => {
    server ??= await startDetached(cli);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    const response = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: {
        traceparent: `00-${traceId}-${parent}-01`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({jsonrpc: '2.0', id: 1, method: 'tools/list'}),
    });
    expect(response.status).to.equal(401);
    await eventually(
      async () => collector.spans.some((span) => span.traceId === traceId),
      15_000,
      'the continued trace to reach the collector',
    );
    const span = collector.spans.find((each) => each.traceId === traceId)!;
    expect(span.parentSpanId).to.equal(parent);
    expect(attribute(span, 'http.response.status_code')).to.equal(401);
  });

  it('keeps the server figures the monitor reads in /metrics', async () => {
    server ??= await startDetached(cli);
    const token = (await import('../../../system/test/helpers/server.js')).serverToken(home.path);
    const families = await scrape(server.url, token);
    const names = new Set(families.map((family) => family.name));
    for (const name of [
      'systemprompt_http_request_duration_seconds',
      'systemprompt_mcp_tool_calls_total',
      'systemprompt_queue_jobs',
      'systemprompt_queue_jobs_total',
      'systemprompt_workflows_runs',
      'systemprompt_webhooks_delivery_attempts_total',
      'systemprompt_auth_sign_in_failures_total',
      'systemprompt_auth_sign_in_failures_recent',
      'systemprompt_database_query_duration_seconds',
      'systemprompt_database_pool_connections',
    ])
      expect(names.has(name), name).to.equal(true);
  });
});
