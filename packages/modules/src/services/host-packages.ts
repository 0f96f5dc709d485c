import {existsSync, readFileSync, readlinkSync, readdirSync, realpathSync, statSync} from 'node:fs';
import {mkdir, readdir, readFile, rename, rm, symlink, writeFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';

/** Scripts npm runs in a linked (`file:`) directory on every install, as if it were the project's own. */
const LINK_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];
/** package.json fields npm would act on in a stand-in: install them, run them or link them. */
const NPM_ACTIONS = [
  'scripts',
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bundleDependencies',
  'bundledDependencies',
  'bin',
  'workspaces',
];
/** Entries a stand-in does not link: its own package.json, the package's dependencies, and a native build npm would start by itself. */
const NOT_LINKED = new Set(['package.json', 'node_modules', 'binding.gyp']);

/** The real directory of package `name` as code in `fromDirectory` loads it (Node's node_modules lookup). */
export function packageDirectory(name: string, fromDirectory: string): string {
  for (const lookup of createRequire(join(fromDirectory, 'package.json')).resolve.paths(name) ?? []) {
    if (existsSync(join(lookup, name, 'package.json'))) return realpathSync(join(lookup, name));
  }
  throw new Error(`${name} cannot be found from ${fromDirectory}`);
}

/**
 * The directory an npm project should link (`file:`) to get this host's own copy of a package. Our
 * packages are linked as they are. A package with install scripts gets a stand-in under `standInRoot`
 * instead: npm runs a linked directory's scripts on every install, and a published package's scripts
 * (`prepare: husky` in @oclif/core) need its development tools. The stand-in is its package.json
 * without scripts and dependencies, and links to its other files, so what loads is the host's code,
 * from its real place (with its own dependencies), and npm has nothing to fetch or run.
 */
export async function linkableDirectory(directory: string, standInRoot: string): Promise<string> {
  const pjson = JSON.parse(await readFile(join(directory, 'package.json'), 'utf8')) as {
    name: string;
    scripts?: Record<string, string>;
  };
  if (!LINK_SCRIPTS.some((script) => pjson.scripts?.[script]) && !existsSync(join(directory, 'binding.gyp')))
    return directory;
  const standIn = join(standInRoot, pjson.name);
  for (const field of NPM_ACTIONS) delete (pjson as Record<string, unknown>)[field];
  const manifest = `${JSON.stringify(pjson, null, 2)}\n`;
  const entries = (await readdir(directory)).filter((entry) => !NOT_LINKED.has(entry));
  if (standInIsCurrent(standIn, manifest, directory, entries)) return standIn;
  // Built beside it and moved in, so a concurrent reader sees the old stand-in or the new one.
  const staging = `${standIn}.${process.pid}.tmp`;
  await rm(staging, {recursive: true, force: true});
  await mkdir(staging, {recursive: true});
  await writeFile(join(staging, 'package.json'), manifest);
  for (const entry of entries) {
    await symlink(
      join(directory, entry),
      join(staging, entry),
      statSync(join(directory, entry)).isDirectory() ? 'junction' : 'file',
    );
  }
  await rm(standIn, {recursive: true, force: true});
  await mkdir(dirname(standIn), {recursive: true});
  await rename(staging, standIn);
  return standIn;
}

/** True when the stand-in already has this package.json and links every entry to `directory`. */
function standInIsCurrent(standIn: string, manifest: string, directory: string, entries: string[]): boolean {
  try {
    if (readFileSync(join(standIn, 'package.json'), 'utf8') !== manifest) return false;
    const present = readdirSync(standIn).filter((entry) => entry !== 'package.json');
    return (
      present.length === entries.length &&
      entries.every((entry) => readlinkSync(join(standIn, entry)) === join(directory, entry))
    );
  } catch {
    return false;
  }
}
