import {existsSync, statSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import codes from '../error-codes.js';

/**
 * The package a dev:* command works on: the nearest directory at or above `start` that has
 * module.yaml (a module package), or with `anyPackage` also package.json (dev:lint and dev:format
 * work on any package). Exit 2 when there is none.
 */
export function findPackage(start: string, options: {anyPackage?: boolean} = {}): string {
  const from = resolve(start);
  if (!existsSync(from)) throw codes.DEV_NOT_A_MODULE_PACKAGE.error(`${from} does not exist`);
  const markers = options.anyPackage ? ['module.yaml', 'package.json'] : ['module.yaml'];
  for (const marker of markers) {
    let directory = statSync(from).isDirectory() ? from : dirname(from);
    for (;;) {
      if (existsSync(join(directory, marker))) return directory;
      const parent = dirname(directory);
      if (parent === directory) break;
      directory = parent;
    }
  }
  throw codes.DEV_NOT_A_MODULE_PACKAGE.error(
    `${from} is not in a ${options.anyPackage ? 'package' : 'module package'}: no ${markers.join(' or ')} in it or above it`,
  );
}
