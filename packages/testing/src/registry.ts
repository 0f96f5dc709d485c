import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {createServer} from 'node:net';
import {homedir, tmpdir} from 'node:os';
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
  /**
   * Publishes installed package directories as they are (a workspace's third-party dependencies), so
   * an install from this registry needs no other: versions of one package in ascending order.
   */
  mirror(packages: readonly MirroredPackage[]): Promise<void>;
  close(): Promise<void>;
}

/** An installed package to mirror: its directory holds its package.json and files. */
export interface MirroredPackage {
  name: string;
  version: string;
  directory: string;
}

/** The directory as npm packs it: everything under `package/`, its own node_modules only when bundled. */
async function tarballOf(directory: string, bundles: boolean): Promise<Buffer> {
  // A native addon goes as its author publishes it, without what this machine compiled: the install
  // that takes it builds it again, as on a user's machine.
  const native = existsSync(join(directory, 'binding.gyp'));
  const {stdout} = await run(
    'tar',
    [
      '-czf',
      '-',
      // The package manager's store links equal files to one inode: each goes in as a file of its own
      // (npm extracts no hard-link entries).
      '--hard-dereference',
      ...(bundles ? [] : ['--exclude=./node_modules']),
      ...(native ? ['--exclude=./build'] : []),
      '--transform',
      's,^\\.,package,',
      '-C',
      directory,
      '.',
    ],
    {encoding: 'buffer', maxBuffer: 512 * 1024 * 1024},
  );
  return stdout;
}

/** One version of a package as `npm publish` sends it: the manifest and the tarball inline. */
async function publishDocument(url: string, item: MirroredPackage): Promise<unknown> {
  const manifest = JSON.parse(await readFile(join(item.directory, 'package.json'), 'utf8')) as Record<string, unknown>;
  const bundles = Boolean(manifest.bundleDependencies ?? manifest.bundledDependencies);
  const tarball = await tarballOf(item.directory, bundles);
  const file = `${item.name.split('/').pop()}-${item.version}.tgz`;
  return {
    _id: item.name,
    name: item.name,
    'dist-tags': {latest: item.version},
    versions: {
      [item.version]: {
        ...manifest,
        name: item.name,
        version: item.version,
        _id: `${item.name}@${item.version}`,
        dist: {
          shasum: createHash('sha1').update(tarball).digest('hex'),
          integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
          tarball: `${url}${item.name}/-/${file}`,
        },
      },
    },
    _attachments: {
      [`${item.name}-${item.version}.tgz`]: {
        content_type: 'application/octet-stream',
        data: tarball.toString('base64'),
        length: tarball.length,
      },
    },
  };
}

const semverParts = (version: string) => version.split(/[.+-]/).map((part) => Number.parseInt(part, 10) || 0);
const byVersion = (a: MirroredPackage, b: MirroredPackage) => {
  const [left, right] = [semverParts(a.version), semverParts(b.version)];
  for (let index = 0; index < Math.max(left.length, right.length); index++)
    if ((left[index] ?? 0) !== (right[index] ?? 0)) return (left[index] ?? 0) - (right[index] ?? 0);
  return 0;
};

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
      // Mirrored packages can be large (better-sqlite3 carries SQLite's source).
      'max_body_size: 500mb',
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
    // The user's own settings stay (nodedir: native addons build against this machine's Node headers
    // instead of downloading them); the registry and its token come on top.
    const own = await readFile(process.env.npm_config_userconfig ?? join(homedir(), '.npmrc'), 'utf8').catch(() => '');
    const kept = own.split('\n').filter((line) => line.trim() && !/^\s*registry\s*=/.test(line));
    await writeFile(npmrc, [...kept, `registry=${url}`, `//127.0.0.1:${port}/:_authToken=${token}`, ''].join('\n'));
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
      mirror: async (packages) => {
        const groups = new Map<string, MirroredPackage[]>();
        for (const item of packages) groups.set(item.name, [...(groups.get(item.name) ?? []), item]);
        const put = async (item: MirroredPackage) => {
          const response = await fetch(`${url}${item.name.replace('/', '%2f')}`, {
            method: 'PUT',
            headers: {'content-type': 'application/json', authorization: `Bearer ${token}`},
            body: JSON.stringify(await publishDocument(url, item)),
          });
          if (!response.ok)
            throw new Error(`mirroring ${item.name}@${item.version}: ${response.status} ${await response.text()}`);
        };
        // Eight packages at a time (packing is tar's work, storing verdaccio's); one package's versions in order.
        const names = [...groups.keys()];
        for (let start = 0; start < names.length; start += 8)
          await Promise.all(
            names.slice(start, start + 8).map(async (name) => {
              for (const item of groups.get(name)!.sort(byVersion)) await put(item);
            }),
          );
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
