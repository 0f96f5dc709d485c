import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {cp, mkdir, readdir, readFile, rename, rm, rmdir, writeFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {promisify} from 'node:util';
import {APP_ROOT} from './as-users.js';

/**
 * Variants of acme-notes, the hand-written third-party module package (plain JavaScript: package.json,
 * module.yaml, module.js, commands, migrations, oclif.manifest.json), described as data and written
 * from the one copy, so that a test's package differs from it only in what the test is about.
 */

/** The hand-written module package, in the app's test fixtures. */
export const ACME_NOTES = join(APP_ROOT, 'test', 'fixtures', 'acme-notes');

const PACKAGE_NAME = '@acme/systemprompt-notes';
const MODULE_NAME = 'acme-notes';
const VERSION = '1.0.0';

export interface ModuleVariant {
  /** package.json name, and the plugin every manifest command names. */
  packageName?: string;
  /** The module name in module.yaml and module.js (its permissions and commands are edits or `commandIds`). */
  moduleName?: string;
  /** package.json, module.yaml, module.js and oclif.manifest.json version. */
  version?: string;
  /** Changes to files of the package (path from its root → new text from the old); each must change something. */
  edits?: Record<string, (text: string) => string>;
  /** Files added or replaced (path from the package root → content). */
  files?: Record<string, string>;
  /** Files left out (paths from the package root). */
  remove?: string[];
  /** Command ids renamed (old → new): the manifest entry and the command file under commands/. */
  commandIds?: Record<string, string>;
}

interface ManifestCommand {
  id: string;
  pluginName?: string;
  pluginAlias?: string;
  relativePath?: string[];
}

/** `text` with the first `from` replaced; throws when the fixture no longer has it (the variant would be wrong silently). */
function replaceOnce(text: string, from: string | RegExp, to: string, file: string): string {
  const found = typeof from === 'string' ? text.includes(from) : from.test(text);
  if (!found) throw new Error(`${file} of ${ACME_NOTES} has no ${String(from)} to replace`);
  return text.replace(from, to);
}

/** Where oclif finds the command `id` in this package: commands/<topic>/<name>.js. */
const commandPath = (id: string) => ['commands', ...id.split(':').slice(0, -1), `${id.split(':').at(-1)}.js`];

/** Writes the package in `directory` (which must not exist yet): acme-notes with `variant` applied. */
export async function writeModuleVariant(directory: string, variant: ModuleVariant = {}): Promise<void> {
  await cp(ACME_NOTES, directory, {recursive: true, errorOnExist: true, force: false});
  const rewrite = async (file: string, change: (text: string) => string) =>
    writeFile(join(directory, file), change(await readFile(join(directory, file), 'utf8')));
  const {packageName, moduleName, version} = variant;

  await rewrite('package.json', (text) => {
    let result = text;
    if (packageName)
      result = replaceOnce(result, `"name": "${PACKAGE_NAME}"`, `"name": "${packageName}"`, 'package.json');
    if (version) result = replaceOnce(result, `"version": "${VERSION}"`, `"version": "${version}"`, 'package.json');
    return result;
  });
  await rewrite('module.yaml', (text) => {
    let result = text;
    if (moduleName)
      result = replaceOnce(result, new RegExp(`^name: ${MODULE_NAME}$`, 'm'), `name: ${moduleName}`, 'module.yaml');
    if (version)
      result = replaceOnce(result, new RegExp(`^version: ${VERSION}$`, 'm'), `version: ${version}`, 'module.yaml');
    return result;
  });
  await rewrite('module.js', (text) => {
    let result = text;
    if (moduleName) result = replaceOnce(result, `name: '${MODULE_NAME}'`, `name: '${moduleName}'`, 'module.js');
    if (version) result = replaceOnce(result, `version: '${VERSION}'`, `version: '${version}'`, 'module.js');
    return result;
  });

  await rewrite('oclif.manifest.json', (text) => {
    const manifest = JSON.parse(text) as {version: string; commands: Record<string, ManifestCommand>};
    if (version) manifest.version = version;
    const commands: Record<string, ManifestCommand> = {};
    // Renamed in place: the manifest keeps its order.
    for (const [id, command] of Object.entries(manifest.commands)) {
      const renamed = variant.commandIds?.[id] ?? id;
      commands[renamed] = {
        ...command,
        id: renamed,
        ...(renamed === id ? {} : {relativePath: commandPath(renamed)}),
        ...(packageName ? {pluginName: packageName, pluginAlias: packageName} : {}),
      };
    }
    for (const id of Object.keys(variant.commandIds ?? {}))
      if (!manifest.commands[id]) throw new Error(`${ACME_NOTES} has no command ${id} to rename`);
    manifest.commands = commands;
    return `${JSON.stringify(manifest, null, 2)}\n`;
  });
  for (const [from, to] of Object.entries(variant.commandIds ?? {})) {
    const target = join(directory, ...commandPath(to));
    await mkdir(dirname(target), {recursive: true});
    await rename(join(directory, ...commandPath(from)), target);
  }
  // A topic directory the renames left empty goes too: the package then looks as if written that way.
  for (const from of Object.keys(variant.commandIds ?? {})) {
    const topic = dirname(join(directory, ...commandPath(from)));
    if (existsSync(topic) && (await readdir(topic)).length === 0) await rmdir(topic);
  }

  for (const [file, edit] of Object.entries(variant.edits ?? {})) {
    await rewrite(file, (text) => {
      const changed = edit(text);
      if (changed === text)
        throw new Error(`the edit of ${file} changed nothing: ${ACME_NOTES}/${file} no longer has what it replaces`);
      return changed;
    });
  }
  for (const [file, content] of Object.entries(variant.files ?? {})) {
    await mkdir(dirname(join(directory, file)), {recursive: true});
    await writeFile(join(directory, file), content);
  }
  for (const file of variant.remove ?? []) await rm(join(directory, file));
}

/**
 * Writes the variant under `root` (in a directory named after its package and version) and packs it
 * with npm; returns the path of the tarball, also under `root`.
 */
export async function packModuleVariant(root: string, variant: ModuleVariant = {}): Promise<string> {
  const directory = join(
    root,
    `${variant.packageName ?? PACKAGE_NAME}-${variant.version ?? VERSION}`.replace(/[@/]/g, '_'),
  );
  await writeModuleVariant(directory, variant);
  const {stdout} = await promisify(execFile)('npm', ['pack', '--silent', '--pack-destination', root], {
    cwd: directory,
    encoding: 'utf8',
  });
  return join(root, stdout.trim().split('\n').pop()!);
}
