import {readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {writeFileAtomic} from '@systemprompt/core';
import semver from 'semver';
import {npm} from './package-source.js';

interface PluginEntry {
  name: string;
  type?: string;
  tag?: string;
  url?: string;
}

interface PluginManifest {
  oclif?: {plugins?: Array<string | PluginEntry>};
}

/** The user-plugin directory's package.json: what npm installed and the plugin entries oclif loads. */
export const pluginManifestFile = (dataDirectory: string) => join(dataDirectory, 'package.json');

function readPluginManifest(dataDirectory: string): PluginManifest {
  try {
    return JSON.parse(readFileSync(pluginManifestFile(dataDirectory), 'utf8')) as PluginManifest;
  } catch {
    return {};
  }
}

/** Packages installed from a registry by name (no tarball or directory URL), with the range they were asked for. */
export function registryInstalls(dataDirectory: string): Map<string, string> {
  const installs = new Map<string, string>();
  for (const entry of readPluginManifest(dataDirectory).oclif?.plugins ?? []) {
    if (typeof entry === 'string') installs.set(entry, 'latest');
    else if (entry.type === 'user' && !entry.url) installs.set(entry.name, entry.tag ?? 'latest');
  }
  return installs;
}

/** Puts back the range a package was installed with (installing `name@version` records that exact version). */
export async function recordRegistryRange(dataDirectory: string, packageName: string, range: string): Promise<void> {
  const manifest = readPluginManifest(dataDirectory);
  const entry = manifest.oclif?.plugins?.find(
    (plugin): plugin is PluginEntry => typeof plugin !== 'string' && plugin.name === packageName,
  );
  if (!entry || entry.tag === range) return;
  entry.tag = range;
  await writeFileAtomic(pluginManifestFile(dataDirectory), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The newest version of a package the registry has within `range` (a dist-tag such as `latest` included). */
export async function newestVersion(packageName: string, range: string): Promise<string | undefined> {
  const output = (await npm(['view', `${packageName}@${range}`, 'version', '--json'], tmpdir())).trim();
  if (!output) return undefined;
  const parsed = JSON.parse(output) as string | string[];
  const versions = (Array.isArray(parsed) ? parsed : [parsed]).filter((version) => semver.valid(version));
  return versions.sort(semver.rcompare)[0];
}

export const semverGt = (a: string, b: string): boolean => semver.gt(a, b);
