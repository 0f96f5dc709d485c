import {readFileSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs';
import Module from 'node:module';
import {dirname, join, resolve, sep} from 'node:path';
import {fileURLToPath} from 'node:url';
import {Script} from 'node:vm';

/**
 * The pack (scripts/pack-oclif.mjs writes it): a first line `//` + this header, then a script whose
 * value is a function returning each file's code in the header's order.
 */
interface PackHeader {
  /** The directory the paths below are in, relative to the pack's (their nearest common directory). */
  base: string;
  /** node_modules entries Node went through to find a package, and what each pointed to when packed. */
  links: Array<[path: string, target: string]>;
  /** Each CommonJS file by its path under `base`, with its size and modification time when packed. */
  files: Array<[path: string, stamp: string]>;
}

/** A file's code: the packed files its `require` calls name (request -> index), and its code wrapped as Node wraps it, or a JSON file's text. */
type PackedFile = [requests: Record<string, number>, code: PackedCode | string];
type PackedCode = (
  exports: unknown,
  require: NodeJS.Require,
  module: Module,
  filename: string,
  dirname: string,
) => void;

/** Node's CommonJS loader, as far as the pack uses it (the internals `require` itself goes through). */
interface Loader {
  _cache: Record<string, Module | undefined>;
  _extensions: NodeJS.RequireExtensions;
  _nodeModulePaths(directory: string): string[];
  _resolveFilename(request: string, parent: Module, isMain: boolean, options?: {paths?: string[]}): string;
  _resolveLookupPaths(request: string, parent: Module): string[] | null;
}

const loader = Module as unknown as Loader;
const HERE = dirname(fileURLToPath(import.meta.url));
export const PACK_FILE = join(HERE, 'pack.js');
const CACHE_FILE = `${PACK_FILE}.v8cache`;
/** The pack's last line names its content hash; its code cache's first line names it too. */
export const HASH_LINE = '//# pack-hash=';

/**
 * Puts oclif (@oclif/core and the CommonJS packages it requires, about a hundred files) into Node's
 * module cache from one prebuilt file compiled with a V8 code cache, before anything imports oclif.
 * Each file runs on its first `require` or `import`, as it would have, under its own path, so every
 * importer gets the same module objects as before; only Node's per-file resolving, reading and
 * compiling are skipped (some 35 ms of a command). Nothing is installed unless every packed file and
 * every node_modules link on the way is as it was when packed: after a change (an upgrade, an edit in
 * node_modules) Node loads oclif from its files until the app is built again.
 * `SYSTEMPROMPT_NO_OCLIF_PACK=1` turns it off.
 */
export function installOclifPack(): void {
  if (process.env.SYSTEMPROMPT_NO_OCLIF_PACK || preservesSymlinks()) return;
  let source: string;
  try {
    // The build writes ASCII only: latin1 reads it as it is, and V8 keeps it in one byte per character.
    source = readFileSync(PACK_FILE, 'latin1');
  } catch {
    return;
  }
  let header: PackHeader;
  try {
    header = JSON.parse(source.slice(2, source.indexOf('\n'))) as PackHeader;
  } catch {
    return;
  }
  // Checked before anything is compiled: a pack that does not match these files costs only this.
  // (Paths are joined by hand: path.join, not yet optimized this early in a process, costs ~20 µs a call.)
  const base = resolve(HERE, header.base) + sep;
  const filenames = header.files.map(([path]) => base + path);
  if (!unchanged(header, base, filenames)) return;
  const at = source.lastIndexOf(HASH_LINE);
  const hash = at < 0 ? '' : source.slice(at + HASH_LINE.length).trim();
  const cache = readCodeCache(hash);
  const script = new Script(source, {filename: PACK_FILE, ...(cache ? {cachedData: cache.data} : {})});
  const files = (script.runInThisContext() as () => PackedFile[])();
  if (files.length !== filenames.length) return;
  files.forEach((file, index) => {
    const filename = filenames[index]!;
    // Loaded already (by whatever ran first): that copy stays the only one.
    loader._cache[filename] ??= packedModule(filename, {file, filenames, started: false, exports: {}});
  });
  // A cache made by another Node.js version, or none, is made when this process ends, after the command
  // ran, so it holds what the command compiled (the build makes the first one after a warm-up run). One
  // this same version rejects was made under other V8 flags (--cpu-prof...): it stays, or processes run
  // with and without those flags would rewrite it in turn.
  if (hash && (!cache || (script.cachedDataRejected && !cache.sameNode)))
    process.once('exit', () => writeCodeCache(script, hash));
}

/** Under --preserve-symlinks Node keys modules by their linked paths, which the pack does not know. */
function preservesSymlinks(): boolean {
  return [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((option) => option.includes('--preserve-symlinks'));
}

/** Whether every link has its packed target and every packed file its packed size and time. */
function unchanged(header: PackHeader, base: string, filenames: string[]): boolean {
  for (const [path, target] of header.links) if (linkTarget(base + path) !== target) return false;
  return header.files.every(([, stamp], index) => fileStamp(filenames[index]!) === stamp);
}

export function fileStamp(path: string): string | undefined {
  const stats = statSync(path, {throwIfNoEntry: false});
  return stats ? `${stats.size}:${stats.mtimeMs}` : undefined;
}

/** A symbolic link's target, `dir` for a real directory, undefined when there is nothing. */
export function linkTarget(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EINVAL' ? 'dir' : undefined;
  }
}

interface PackedState {
  file: PackedFile;
  filenames: string[];
  started: boolean;
  exports: unknown;
}

const STATE = Symbol('packed');
type PackedModule = Module & {[STATE]: PackedState};

/**
 * What a packed module is to Node: a Module whose code runs when its exports are first read, with the
 * arguments Node gives a CommonJS file; `path` and `paths` are worked out only if asked (Node does it
 * for every file it loads). A file that throws leaves the cache, as with Node, and a later `require`
 * loads it from disk. Kept on one prototype, so that a packed module costs one small object.
 */
const packedPrototype: object = Object.create(Module.prototype, {
  exports: {
    configurable: true,
    get(this: PackedModule) {
      const state = this[STATE];
      if (state.started) return state.exports;
      state.started = true;
      const [requests, code] = state.file;
      try {
        if (typeof code === 'string') state.exports = JSON.parse(code.charCodeAt(0) === 0xfeff ? code.slice(1) : code);
        else
          code.call(
            state.exports,
            state.exports,
            packedRequire(this, requests, state.filenames),
            this,
            this.filename,
            this.path,
          );
      } catch (error) {
        if (loader._cache[this.filename] === this) delete loader._cache[this.filename];
        throw error;
      } finally {
        // A plain property from now on, unless the file defined `module.exports` itself (ansi-styles makes it a getter).
        if (!Object.hasOwn(this, 'exports'))
          Object.defineProperty(this, 'exports', {
            value: state.exports,
            writable: true,
            configurable: true,
            enumerable: true,
          });
      }
      return this.exports;
    },
    set(this: PackedModule, value: unknown) {
      this[STATE].exports = value;
    },
  },
  path: {
    configurable: true,
    get(this: PackedModule) {
      return dirname(this.filename);
    },
  },
  paths: {
    configurable: true,
    get(this: PackedModule) {
      const paths = loader._nodeModulePaths(this.path);
      Object.defineProperty(this, 'paths', {value: paths, writable: true, configurable: true, enumerable: true});
      return paths;
    },
    set(this: PackedModule, value: string[]) {
      Object.defineProperty(this, 'paths', {value, writable: true, configurable: true, enumerable: true});
    },
  },
});

function packedModule(filename: string, state: PackedState): Module {
  const module = Object.create(packedPrototype) as PackedModule;
  module.id = filename;
  module.filename = filename;
  // Loaded as far as Node is concerned: a module still loading is one in a require cycle to Node.
  module.loaded = true;
  module.children = [];
  module[STATE] = state;
  return module;
}

/** `require` of a packed module: the packed file a request named when packed, else Node's own. */
function packedRequire(module: Module, requests: Record<string, number>, filenames: string[]): NodeJS.Require {
  const require = ((request: string) => {
    const index = requests[request];
    const cached = index === undefined ? undefined : loader._cache[filenames[index]!];
    return cached ? cached.exports : module.require(request);
  }) as NodeJS.Require;
  const resolve = ((request: string, options?: {paths?: string[]}) =>
    loader._resolveFilename(request, module, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => loader._resolveLookupPaths(request, module);
  return Object.assign(require, {
    resolve,
    cache: loader._cache,
    extensions: loader._extensions,
    main: process.mainModule,
  });
}

/** The packed files whose code ran in this process: the build packs only what its warm-up runs use. */
export function packedFilesThatRan(): string[] {
  return Object.entries(loader._cache)
    .filter(
      ([, module]) =>
        module !== undefined && Object.getPrototypeOf(module) === packedPrototype && Object.hasOwn(module, 'exports'),
    )
    .map(([filename]) => filename);
}

/** A code cache file starts with the pack's hash and the Node.js version that made it. */
const cacheHeader = (hash: string, nodeVersion: string) => `${HASH_LINE}${hash} node=${nodeVersion}\n`;

/** The code cache made from this very pack (V8 itself checks only the source's length). */
function readCodeCache(hash: string): {data: Buffer; sameNode: boolean} | undefined {
  if (!hash) return undefined;
  let data: Buffer;
  try {
    data = readFileSync(CACHE_FILE);
  } catch {
    return undefined;
  }
  const end = data.indexOf(10);
  const header = data.subarray(0, end + 1).toString('latin1');
  if (end < 0 || !header.startsWith(`${HASH_LINE}${hash} `)) return undefined;
  return {data: data.subarray(end + 1), sameNode: header === cacheHeader(hash, process.version)};
}

function writeCodeCache(script: Script, hash: string): void {
  const temporary = `${CACHE_FILE}.${process.pid}.tmp`;
  try {
    writeFileSync(
      temporary,
      Buffer.concat([Buffer.from(cacheHeader(hash, process.version), 'latin1'), script.createCachedData()]),
    );
    renameSync(temporary, CACHE_FILE);
  } catch {
    // A read-only installation keeps working, only without the cache.
    rmSync(temporary, {force: true});
  }
}
