import {readFileSync} from 'node:fs';
import {mkdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import type {Hook} from '@oclif/core';
import {writeFileAtomic} from '@systemprompt/core';
import {linkableDirectory, packageDirectory} from '@systemprompt/modules';

/** Packages of others that a module shares with the host: its commands run on the host's oclif. */
const SHARED_PACKAGES = ['@oclif/core'];

/** Where the plugin directory keeps stand-ins for host packages that npm cannot link as they are. */
export const standInDirectory = (dataDirectory: string) => join(dataDirectory, 'host-packages');

/**
 * A module package names @systemprompt/core (and other @systemprompt/* packages) and @oclif/core as
 * peerDependencies: ours are not on the public registry, and a module must run on the host's single
 * copy of each. Before npm installs a plugin, this points those names in the user-plugin directory's
 * package.json at the host's own packages (`file:` links; @oclif/core through a stand-in, see
 * linkableDirectory), so npm checks the peer ranges for real and fetches none of them: a module
 * without dependencies of its own installs offline. The links are rewritten on every install, so a
 * moved or upgraded host is followed.
 */
export async function hostPackages(appRoot: string, dataDirectory: string): Promise<Record<string, string>> {
  const pjson = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const names = [
    ...Object.keys(pjson.dependencies ?? {}).filter((dependency) => dependency.startsWith('@systemprompt/')),
    ...SHARED_PACKAGES,
  ];
  const links: Record<string, string> = {};
  for (const name of names) {
    links[name] = `file:${await linkableDirectory(packageDirectory(name, appRoot), standInDirectory(dataDirectory))}`;
  }
  return links;
}

export async function linkHostPackages(dataDirectory: string, appRoot: string): Promise<void> {
  const file = join(dataDirectory, 'package.json');
  await mkdir(dataDirectory, {recursive: true});
  let pjson: {dependencies?: Record<string, string>; oclif?: unknown; private?: boolean} = {};
  try {
    pjson = JSON.parse(await readFile(file, 'utf8')) as typeof pjson;
  } catch {
    pjson = {private: true, oclif: {schema: 1, plugins: []}};
  }
  pjson.dependencies = {...pjson.dependencies, ...(await hostPackages(appRoot, dataDirectory))};
  await writeFileAtomic(file, `${JSON.stringify(pjson, null, 2)}\n`);
}

const hook: Hook<'plugins:preinstall'> = async function () {
  await linkHostPackages(this.config.dataDir, this.config.root);
};

export default hook;
