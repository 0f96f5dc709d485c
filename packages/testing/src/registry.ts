import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {promisify} from 'node:util';

const run = promisify(execFile);

/** A private npm registry (verdaccio) on a loopback port, with no uplink: nothing leaves the machine. */
export interface LoopbackRegistry {
  url: string;
  /** npm's environment for this registry: its URL, a user's token, a cache of its own. */
  env: Record<string, string>;
  /** Publishes a package directory (or tarball). */
  publish(path: string): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number};
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited (${child.exitCode}): ${output()}`);
    try {
      if ((await fetch(`${url}-/ping`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`verdaccio did not answer at ${url}: ${output()}`);
}

export async function startRegistry(): Promise<LoopbackRegistry> {
  const scratch = await mkdtemp(join(tmpdir(), 'systemprompt-registry-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const config = join(scratch, 'config.yaml');
  await writeFile(
    config,
    [
      `storage: ${join(scratch, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(scratch, 'htpasswd')}`,
      '    max_users: 10',
      // No uplinks: a package it does not hold is a 404, never a request to the public registry.
      'uplinks: {}',
      'packages:',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      '    unpublish: $authenticated',
      'web:',
      '  enable: false',
      'log: {type: stdout, format: json, level: warn}',
      '',
    ].join('\n'),
  );
  const bin = join(dirname(createRequire(import.meta.url).resolve('verdaccio/package.json')), 'bin', 'verdaccio');
  const child = spawn(process.execPath, [bin, '--config', config, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const close = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await rm(scratch, {recursive: true, force: true});
  };
  try {
    await waitUntilUp(url, child, () => output);
    const added = await fetch(`${url}-/user/org.couchdb.user:tester`, {
      method: 'PUT',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({name: 'tester', password: 'tester-password', type: 'user', roles: []}),
    });
    if (!added.ok) throw new Error(`adding the registry's user failed: ${added.status} ${await added.text()}`);
    const {token} = (await added.json()) as {token: string};
    const npmrc = join(scratch, 'npmrc');
    await writeFile(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
    const env = {
      npm_config_userconfig: npmrc,
      npm_config_registry: url,
      npm_config_cache: join(scratch, 'npm-cache'),
      npm_config_update_notifier: 'false',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
    };
    return {
      url,
      env,
      publish: async (path) => {
        await run('npm', ['publish', path, '--registry', url], {env: {...process.env, ...env}});
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
