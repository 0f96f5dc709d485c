import {execFile} from 'node:child_process';
import {existsSync, statSync} from 'node:fs';
import {copyFile, mkdir, mkdtemp, readFile, rm} from 'node:fs/promises';
import {basename, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {invalidInput, loadManifest, notFound, unavailable} from '@systemprompt/core';
import {npmErrorLine} from './npm-error.js';

const run = promisify(execFile);

/** Where a module package comes from, as the user named it. */
export type SourceKind = 'npm' | 'tarball' | 'directory';

/**
 * A module package ready to install, read before anything is installed: its package and module
 * names, version and migration files, from the packed tarball.
 */
export interface StagedPackage {
  kind: SourceKind;
  /** What plugins:install is given: the npm spec as the user wrote it, or the file:// URL of a kept tarball. */
  spec: string;
  /** The registry range an npm spec asks for (`latest` when none), for extension:update. */
  range: string | null;
  packageName: string;
  version: string;
  /** module.yaml `name`, or null when the package has no readable module.yaml (validation says why). */
  moduleName: string | null;
  /** module.yaml `namespaces` (what it owns besides its name). */
  namespaces: string[];
  /** Directory of the extracted package (for reading its files before it is installed). */
  extracted: string;
  /** Removes the staged files (the kept tarball stays: it is what the installation points at). */
  dispose(): Promise<void>;
}

/** Directory, under the plugin directory, where installed tarballs are kept for reinstalling or putting back. */
export const packagesDirectory = (dataDirectory: string) => join(dataDirectory, 'packages');

/** A tarball name unique per package and version (plugins:install matches a file: dependency by its base name). */
export const keptTarballName = (packageName: string, version: string) =>
  `${packageName.replace(/^@/, '').replace(/\//g, '-')}-${version}.tgz`;

function classify(source: string): {kind: SourceKind; path?: string} {
  if (source.startsWith('file:')) return classifyPath(fileURLToPath(source), source);
  if (/^(\.{1,2}(\/|$)|\/)/.test(source) || source.endsWith('.tgz') || source.endsWith('.tar.gz') || existsSync(source))
    return classifyPath(resolve(source), source);
  return {kind: 'npm'};
}

function classifyPath(path: string, source: string): {kind: SourceKind; path: string} {
  const stat = statSync(path, {throwIfNoEntry: false});
  if (!stat)
    throw notFound(`${source} does not exist`, {
      code: 'SOURCE_NOT_FOUND',
      hint: 'Give an npm package name, a tarball or a directory.',
    });
  return {kind: stat.isDirectory() ? 'directory' : 'tarball', path};
}

export async function npm(args: string[], cwd: string): Promise<string> {
  try {
    return (
      await run('npm', args, {
        cwd,
        maxBuffer: 16 * 1024 * 1024,
        env: {...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false'},
      })
    ).stdout;
  } catch (error) {
    throw unavailable(`npm ${args[0]} failed: ${npmErrorLine(error)}`, {code: 'NPM_FAILED', cause: error});
  }
}

/** The npm spec's name and range (`@acme/notes@^1.2` → range `^1.2`). */
export function splitNpmSpec(spec: string): {name: string; range: string} {
  const at = spec.indexOf('@', spec.startsWith('@') ? 1 : 0);
  return at === -1 ? {name: spec, range: 'latest'} : {name: spec.slice(0, at), range: spec.slice(at + 1) || 'latest'};
}

/**
 * Packs the source into a tarball (a directory with `npm pack --ignore-scripts`: what is installed is
 * that directory's own package, built as it is; an npm spec is fetched from the registry) and extracts
 * it to read its package.json and module.yaml. A tarball or directory is kept in the plugin
 * directory's packages/ folder, which is what the installation then points at.
 */
export async function stagePackage(source: string, dataDirectory: string): Promise<StagedPackage> {
  const {kind, path} = classify(source);
  // Staged inside the plugin directory: the package's files then resolve the host's packages linked
  // there (@systemprompt/*), so its migrations can be read before it is installed.
  await mkdir(dataDirectory, {recursive: true});
  const work = await mkdtemp(join(dataDirectory, '.staging-'));
  const dispose = () => rm(work, {recursive: true, force: true});
  try {
    let tarball: string;
    if (kind === 'tarball') tarball = path!;
    else {
      const packed = JSON.parse(
        await npm(
          ['pack', kind === 'npm' ? source : path!, '--ignore-scripts', '--json', '--pack-destination', work],
          work,
        ),
      ) as Array<{filename: string}>;
      tarball = join(work, basename(packed[0]!.filename));
    }
    const extracted = join(work, 'extracted');
    await mkdir(extracted);
    try {
      await run('tar', ['-xzf', tarball, '-C', extracted]);
    } catch (error) {
      throw invalidInput(
        `${source} is not a package tarball: ${(error as {stderr?: string}).stderr?.trim().split('\n')[0] ?? String(error)}`,
        {code: 'EXTENSION_INVALID'},
      );
    }
    // npm pack puts everything under package/.
    const root = join(extracted, 'package');
    let pjson: {name?: unknown; version?: unknown};
    try {
      pjson = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as typeof pjson;
    } catch {
      throw invalidInput(`${source} has no readable package.json`, {code: 'EXTENSION_INVALID'});
    }
    if (typeof pjson.name !== 'string' || typeof pjson.version !== 'string')
      throw invalidInput(`${source}: package.json needs a name and a version`, {code: 'EXTENSION_INVALID'});
    let moduleName: string | null = null;
    let namespaces: string[] = [];
    try {
      const manifest = await loadManifest(root);
      moduleName = manifest.name;
      namespaces = manifest.namespaces ?? [];
    } catch {
      // Validation after the install reports what is wrong with it.
    }
    let spec = source;
    let range: string | null = null;
    if (kind === 'npm') range = splitNpmSpec(source).range;
    else {
      const kept = join(packagesDirectory(dataDirectory), keptTarballName(pjson.name, pjson.version));
      await mkdir(packagesDirectory(dataDirectory), {recursive: true});
      await copyFile(tarball, kept);
      spec = `file:${kept}`;
    }
    return {
      kind,
      spec,
      range,
      packageName: pjson.name,
      version: pjson.version,
      moduleName,
      namespaces,
      extracted: root,
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}
