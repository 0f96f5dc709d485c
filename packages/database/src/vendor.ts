/**
 * Loads the libraries this package bundles at build time (scripts/bundle-vendor.mjs): TypeORM and
 * mysql2, each one CommonJS file in dist/vendor/ instead of hundreds, which halves what a database
 * command spends loading them. Each bundle is compiled with a V8 code cache kept next to it (made by
 * the build after a warm-up run), so most of its functions are not parsed or compiled again.
 *
 * Node 20 has no `module.enableCompileCache`, and a cache for every module (v8-compile-cache) breaks
 * oclif's dynamic imports; this one covers only the two bundles, which use plain `require`.
 */
import {existsSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {join, sep} from 'node:path';
import {fileURLToPath} from 'node:url';
import {Script} from 'node:vm';
import type * as Mysql from 'mysql2';
import type * as MysqlPromise from 'mysql2/promise';

export type VendoredName = 'typeorm' | 'mysql2';

/** The mysql2 bundle: the callback API (what TypeORM's MysqlDriver loads) and the promise API. */
export interface VendoredMysql {
  callback: typeof Mysql;
  promise: typeof MysqlPromise;
}

interface Loaded {
  exports: unknown;
  script: Script | undefined;
  file: string;
  hash: string;
}

/** The bundle's last line names its content hash; its code cache's first line names it too. */
const HASH_LINE = '//# bundle-hash=';

// This file runs from src/ (tests under tsx), dist/ or a chunk in dist/bundle/: the package root is
// what comes before the last src/ or dist/ of its path.
const here = fileURLToPath(import.meta.url);
const vendorDirectory = join(
  here.slice(0, Math.max(here.lastIndexOf(`${sep}dist${sep}`), here.lastIndexOf(`${sep}src${sep}`))),
  'dist',
  'vendor',
  sep,
);
const requireHere = createRequire(import.meta.url);

// One copy per process even when src/ and dist/ of this package are both loaded (tests do): TypeORM
// keeps its metadata in process-wide state.
const registryKey = Symbol.for('systemprompt.database.vendor');
const registry: Map<string, Loaded> = ((globalThis as {[key: symbol]: Map<string, Loaded> | undefined})[registryKey] ??=
  new Map());

/** The module a bundle's `require(id)` gets: the other bundle for mysql2, else Node's resolution from dist/vendor. */
function requireFor(file: string): NodeJS.Require {
  const base = createRequire(file);
  const vendored = ((id: string) => (id === 'mysql2' ? loadMysql().callback : base(id))) as NodeJS.Require;
  return Object.assign(vendored, {
    resolve: base.resolve,
    cache: base.cache,
    main: base.main,
    extensions: base.extensions,
  });
}

/** A code cache file starts with the bundle's hash and the Node.js version that made it. */
const cacheHeader = (hash: string, nodeVersion: string) => `${HASH_LINE}${hash} node=${nodeVersion}\n`;

/**
 * The code cache made from this very bundle (V8 itself checks only the source's length), and
 * whether this Node.js version made it; nothing when there is none for this bundle.
 */
export function readCodeCache(cacheFile: string, hash: string): {data: Buffer; sameNode: boolean} | undefined {
  if (!hash || !existsSync(cacheFile)) return undefined;
  const data = readFileSync(cacheFile);
  const end = data.indexOf(10);
  const header = data.subarray(0, end + 1).toString('latin1');
  if (end < 0 || !header.startsWith(`${HASH_LINE}${hash} `)) return undefined;
  return {data: data.subarray(end + 1), sameNode: header === cacheHeader(hash, process.version)};
}

/** Writes the code cache of a bundle next to it, atomically; a directory we may not write is no error. */
function writeCodeCache(loaded: Loaded): void {
  if (!loaded.script || !loaded.hash) return;
  const target = `${loaded.file}.v8cache`;
  const temporary = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(
      temporary,
      Buffer.concat([
        Buffer.from(cacheHeader(loaded.hash, process.version), 'latin1'),
        loaded.script.createCachedData(),
      ]),
    );
    renameSync(temporary, target);
  } catch {
    // A read-only installation keeps working, only without the cache.
  }
}

function evaluate(name: VendoredName, file: string): Loaded {
  // The build writes ASCII only: latin1 gives the same string, and reads faster than utf8.
  const source = readFileSync(file, 'latin1');
  const at = source.lastIndexOf(HASH_LINE);
  const hash = at < 0 ? '' : source.slice(at + HASH_LINE.length).trim();
  const cache = readCodeCache(`${file}.v8cache`, hash);
  const cachedData = cache?.data;
  // No import() runs in these bundles (TypeORM uses it only to load entities from file globs, which
  // this package never passes); a script from a code cache could not take one anyway on Node 20.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData ? {cachedData} : {}),
  });
  const module: {exports: unknown} = {exports: {}};
  const loaded: Loaded = {exports: module.exports, script, file, hash};
  // Registered before it runs, as require() does, so a cycle between the bundles ends.
  registry.set(name, loaded);
  try {
    (script.runInThisContext() as (...args: unknown[]) => void)(
      module.exports,
      requireFor(file),
      module,
      file,
      vendorDirectory,
    );
  } catch (error) {
    registry.delete(name);
    throw error;
  }
  loaded.exports = module.exports;
  // A cache made by another Node.js version (or none at all) is made anew when this process ends,
  // after the command ran, so it holds what the command compiled. One that this same version rejects
  // was made under other V8 flags (--max-old-space-size, --cpu-prof...): it stays, or processes run
  // with and without those flags would rewrite it in turn.
  if (!cache || (script.cachedDataRejected && !cache.sameNode)) process.once('exit', () => writeCodeCache(loaded));
  return loaded;
}

/**
 * The bundled library, loaded once per process. Before the package is built (no dist/vendor), the
 * library is loaded from node_modules instead, so sources run under a TypeScript loader too.
 */
export function loadVendored<T>(name: VendoredName): T {
  const known = registry.get(name);
  if (known) return known.exports as T;
  const file = `${vendorDirectory}${name}.cjs`;
  if (existsSync(file)) return evaluate(name, file).exports as T;
  const exports =
    name === 'mysql2' ? {callback: requireHere('mysql2'), promise: requireHere('mysql2/promise')} : requireHere(name);
  registry.set(name, {exports, script: undefined, file, hash: ''});
  return exports as T;
}

/** mysql2, from its bundle (loaded only for MySQL/MariaDB). */
export const loadMysql = (): VendoredMysql => loadVendored<VendoredMysql>('mysql2');

/** Rewrites the code cache of every bundle loaded so far (the build calls this after its warm-up run). */
export function saveCodeCaches(): void {
  for (const loaded of registry.values()) writeCodeCache(loaded);
}
