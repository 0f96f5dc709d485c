// The reference for bench/mcp: the official MCP SDK v2 server with nothing of SystemPrompt OS: one
// `system_ping` tool, stateless Streamable HTTP (both protocol eras, as createMcpHandler serves them),
// and a bearer token compared in constant time. Prints its port on stdout.
import {timingSafeEqual} from 'node:crypto';
import {createServer} from 'node:http';
import {createMcpHandler, McpServer} from '@modelcontextprotocol/server';
import {toNodeHandler} from '@modelcontextprotocol/node';

const token = Buffer.from(process.argv[2] ?? 'bench-token');
const handler = createMcpHandler(() => {
  const server = new McpServer({name: 'bare', version: '1.0.0'});
  server.registerTool('system_ping', {description: 'The server time.'}, async () => ({
    content: [{type: 'text', text: new Date().toISOString()}],
    structuredContent: {time: new Date().toISOString()},
  }));
  return server;
});
const node = toNodeHandler(handler);
const server = createServer((request, response) => {
  const given = Buffer.from(/^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '');
  if (given.length !== token.length || !timingSafeEqual(given, token)) {
    response.writeHead(401, {'www-authenticate': 'Bearer'}).end();
    return;
  }
  void node(request, response);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
