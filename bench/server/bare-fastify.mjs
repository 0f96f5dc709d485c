// The reference of bench/server: a bare fastify hello-world (the same fastify as the server, no
// hooks, no logger) on a free loopback port. Prints the port on standard output once listening.
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';

const require = createRequire(fileURLToPath(new URL('../../packages/system/package.json', import.meta.url)));
const Fastify = require('fastify');
const app = Fastify({logger: false});
app.get('/', async () => ({status: 'ok'}));
await app.listen({host: '127.0.0.1', port: 0});
process.stdout.write(`${app.server.address().port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
