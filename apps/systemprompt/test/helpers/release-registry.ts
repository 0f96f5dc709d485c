import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {startRegistry, type LoopbackRegistry, type MirroredPackage} from '@systemprompt/testing';

const run = promisify(execFile);
const appRoot = fileURLToPath(new URL('../..', import.meta.url));
export const workspaceRoot = fileURLToPath(new URL('../../../..', import.meta.url));

interface Listed {
  from?: string;
  version?: string;
  path?: string;
  dependencies?: Record<string, Listed>;
  devDependencies?: Record<string, Listed>;
}

/**
 * The third-party packages the CLI runs on (the app's production closure, as pnpm installed it) and
 * those a module author's package needs to build and test (the module template's, development ones
 * included): what a registry must hold, besides the project's own packages, for `npm install -g
 * systemprompt` and for `npm install` in a new module package.
 */
export async function thirdPartyClosure(): Promise<MirroredPackage[]> {
  const found = new Map<string, MirroredPackage>();
  const walk = (dependencies: Record<string, Listed> | undefined) => {
    for (const [alias, info] of Object.entries(dependencies ?? {})) {
      const name = info.from ?? alias;
      const local = !info.version || info.version.startsWith('link:') || info.version.startsWith('file:');
      // A package for another platform (fsevents on Linux) is listed but not installed: npm skips it too.
      if (!local && info.path && existsSync(info.path))
        found.set(`${name}@${info.version}`, {name, version: info.version!, directory: info.path});
      // Every occurrence: pnpm lists a package's dependencies under one of its occurrences only.
      walk(info.dependencies);
    }
  };
  for (const [directory, production] of [
    [appRoot, true],
    [join(workspaceRoot, 'tooling', 'module-template'), false],
  ] as const) {
    const {stdout} = await run('pnpm', ['list', ...(production ? ['--prod'] : []), '--depth', 'Infinity', '--json'], {
      cwd: directory,
      maxBuffer: 256 * 1024 * 1024,
    });
    for (const root of JSON.parse(stdout) as Listed[]) {
      walk(root.dependencies);
      walk(root.devDependencies);
    }
  }
  return [...found.values()];
}

/**
 * A registry on loopback holding the whole product as a release puts it there: the third-party
 * closure mirrored from this machine's installed packages, then `pnpm run release` publishing every
 * public workspace package. No request leaves the machine.
 */
export async function releasedRegistry(): Promise<LoopbackRegistry> {
  const registry = await startRegistry();
  try {
    await registry.mirror(await thirdPartyClosure());
    await run('pnpm', ['run', 'release', '--', '--registry', registry.url, '--no-git-tag', '--no-build'], {
      cwd: workspaceRoot,
      env: {...process.env, ...registry.env},
      maxBuffer: 64 * 1024 * 1024,
    });
    return registry;
  } catch (error) {
    await registry.close();
    throw error;
  }
}
