#!/usr/bin/env node
// Packs the CommonJS files oclif runs (@oclif/core and the packages it requires, about a hundred
// files) into dist/oclif-pack/pack.js, which bin/run.js puts into Node's module cache before oclif is
// imported (src/oclif-pack/install.ts), and makes the pack's V8 code cache.
// Why (bench/README.md has the figures): Node resolves, reads, wraps and compiles each CommonJS file
// on its own; one file compiled from a code cache takes a fraction of that.
//
// 1. Candidates: every file esbuild finds from @oclif/core's entry points through `require` calls to
//    the package's own files or to packages it declares as dependencies (a lookup of an optional
//    package, such as typescript, is left to Node). Left out, and loaded by Node as before: ES modules,
//    files with an `import()` (a script compiled from a code cache cannot run one on Node 20), and files
//    whose non-ASCII characters cannot be written as escapes without changing what they mean.
// 2. Of those, the pack keeps the files that a few commands run through oclif really load (a list,
//    help, an unknown command, a bad flag); whatever else oclif needs one day is loaded by Node.
// 3. Each file's requests are resolved here by Node's own resolution; its size and time, and the
//    node_modules links on the way, are recorded: the pack is used only while all are unchanged.
// 4. One more command through oclif in a fresh process saves the pack's code cache on exit.
//
// Usage (from the app directory, after tsc): node scripts/pack-oclif.mjs
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync} from 'node:fs';
import Module, {createRequire, isBuiltin} from 'node:module';
import {tmpdir} from 'node:os';
import {dirname, extname, join, relative, resolve, sep} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {build, transformSync} from 'esbuild';
import {HASH_LINE, PACK_FILE, fileStamp, linkTarget} from '../dist/oclif-pack/install.js';

const appRoot = fileURLToPath(new URL('..', import.meta.url));
const bin = join(appRoot, 'bin', 'run.js');
const packDirectory = dirname(PACK_FILE);
const appOclif = join(appRoot, 'node_modules', '@oclif', 'core');
const oclifRoot = realpathSync(
  dirname(createRequire(join(appRoot, 'package.json')).resolve('@oclif/core/package.json')),
);
const oclifExports = JSON.parse(readFileSync(join(oclifRoot, 'package.json'), 'utf8')).exports;
const entryPoints = Object.values(oclifExports)
  .filter((path) => typeof path === 'string' && path.endsWith('.js'))
  .map((path) => join(oclifRoot, path));

/** Commands whose oclif files make the pack: each runs through oclif (not the command table), in a fresh home. */
const WARM_UPS = [['cli:list', '--json'], ['--help'], ['cli:lst'], ['cli:list', '--limit', 'x']];

async function main() {
  const candidates = await packable();
  writePack(candidates);
  const ran = new Set(WARM_UPS.flatMap((argv) => filesRunBy(argv)));
  const kept = candidates.filter(({file}) => ran.has(file));
  const {files, links} = writePack(kept);
  // The code cache: made by the first command that finds none, after it ran.
  const made = runCommand(['cli:list', '--json']) && existsSync(`${PACK_FILE}.v8cache`);
  process.stdout.write(
    `oclif pack: ${files} of ${candidates.length} files, ${links} links${made ? ', code cache made' : ' (no code cache: the first command makes it)'}\n`,
  );
}

/** The candidate files with their texts as the pack holds them (ASCII only). */
async function packable() {
  const {metafile} = await build({
    entryPoints,
    absWorkingDir: appRoot,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'cjs',
    outdir: join(tmpdir(), 'systemprompt-oclif-pack'),
    plugins: [declaredDependenciesOnly],
    logLevel: 'silent',
  });
  const candidates = [];
  for (const [path, input] of Object.entries(metafile.inputs)) {
    const file = resolve(appRoot, path);
    const json = extname(file) === '.json';
    if (!json && !(commonJs(file) && input.format !== 'esm')) continue;
    // Node strips a byte order mark from both.
    const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    if (json) {
      candidates.push({file, input, text: escapeNonAscii(JSON.stringify(text))});
      continue;
    }
    const ascii = await asciiCode(text);
    if (ascii !== undefined && !importsDynamically(ascii))
      candidates.push({file, input, text: ascii.replace(/^#!.*/, '')});
  }
  return candidates;
}

/** The pack of `candidates`, written with its hash; the old code cache goes. */
function writePack(candidates) {
  const indexOf = new Map(candidates.map(({file}, index) => [file, index]));
  const links = new Map([[appOclif, linkTarget(appOclif)]]);
  const entries = candidates.map(({file, input, text}) => {
    const requests = {};
    const requireHere = createRequire(file);
    for (const {kind, original} of input.imports) {
      if (kind !== 'require-call' || !original || isBuiltin(original)) continue;
      let target;
      try {
        target = realpathSync(requireHere.resolve(original));
      } catch {
        continue;
      }
      if (!indexOf.has(target)) continue;
      requests[original] = indexOf.get(target);
      if (!/^[./]/.test(original)) recordLink(links, file, original);
    }
    // Wrapped as Node wraps a CommonJS file (a first line "#!..." is left empty: lines keep their numbers).
    const code =
      extname(file) === '.json' ? text : `function (exports, require, module, __filename, __dirname) {${text}\n}`;
    return `[${JSON.stringify(requests)}, ${code}]`;
  });
  const base = commonDirectory([...links.keys(), ...candidates.map(({file}) => file)]);
  const header = {
    base: relative(packDirectory, base),
    links: [...links].map(([path, target]) => [relative(base, path), target]),
    files: candidates.map(({file}) => [relative(base, file), fileStamp(file)]),
  };
  const code = `//${JSON.stringify(header)}\n(function () {\nreturn [\n${entries.join(',\n')}\n];\n})\n`;
  if (/[\u0080-\uffff]/.test(code)) throw new Error('the pack must be ASCII (a path with other characters?)');
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 32);
  mkdirSync(packDirectory, {recursive: true});
  rmSync(`${PACK_FILE}.v8cache`, {force: true});
  writeFileSync(PACK_FILE, `${code}${HASH_LINE}${hash}\n`);
  return {files: entries.length, links: header.links.length};
}

/** The nearest directory that holds all these paths. */
function commonDirectory(paths) {
  let common = dirname(paths[0]);
  while (!paths.every((path) => path.startsWith(common + sep))) common = dirname(common);
  return common;
}

/** The package name a bare request starts with (`@scope/name` or `name`). */
const packageName = (request) =>
  request
    .split('/')
    .slice(0, request.startsWith('@') ? 2 : 1)
    .join('/');

const manifests = new Map();
/** The nearest package.json of a directory, read once (nested ones may carry only a "type"). */
function nearestManifest(directory) {
  if (!manifests.has(directory)) {
    let found;
    try {
      found = {directory, ...JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'))};
    } catch {
      found = dirname(directory) === directory ? undefined : nearestManifest(dirname(directory));
    }
    manifests.set(directory, found);
  }
  return manifests.get(directory);
}

/** The package a file belongs to: its nearest package.json that has a name. */
function owningPackage(file) {
  let manifest = nearestManifest(dirname(file));
  while (manifest && !manifest.name && dirname(manifest.directory) !== manifest.directory)
    manifest = nearestManifest(dirname(manifest.directory));
  return manifest?.name ? manifest : undefined;
}

/** Node runs a .js file as CommonJS unless its nearest package.json says "type": "module". */
const commonJs = (file) =>
  extname(file) === '.cjs' || (extname(file) === '.js' && nearestManifest(dirname(file))?.type !== 'module');

const declaredDependenciesOnly = {
  name: 'declared-dependencies-only',
  setup(builder) {
    builder.onResolve({filter: /^[^./]/}, (args) => {
      if (args.kind === 'entry-point' || isBuiltin(args.path)) return undefined;
      const owner = owningPackage(args.importer);
      const name = packageName(args.path);
      const declared = owner && (owner.name === name || Object.hasOwn(owner.dependencies ?? {}, name));
      return declared ? undefined : {path: args.path, external: true};
    });
  },
};

const escapeNonAscii = (text) =>
  text.replace(/[\u0080-\uffff]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** The code without comments or layout, as esbuild prints it (strings and identifiers in one canonical form). */
const strip = (code) =>
  transformSync(code, {
    loader: 'js',
    minifyWhitespace: true,
    legalComments: 'none',
    charset: 'ascii',
    logLevel: 'silent',
  }).code;

/**
 * The file's code in ASCII: non-ASCII characters written as \uXXXX, which means the same in strings,
 * regular expressions, identifiers and comments, but not in a template's raw text, nor as white space
 * or a line break. Kept only when no template holds one and esbuild reads both alike (it prints strings
 * and identifiers in one canonical form and regular expressions as written, whose escapes are then
 * compared); undefined otherwise: Node loads the file.
 */
async function asciiCode(text) {
  if (!/[\u0080-\uffff]/.test(text)) return text;
  if (/[\ud800-\udfff]/.test(text) || (await templateHoldsNonAscii(text))) return undefined;
  const escaped = escapeNonAscii(text);
  try {
    return strip(escaped) === escapeNonAscii(strip(text)) ? escaped : undefined;
  } catch {
    return undefined;
  }
}

let typescript;
/** Whether a template literal (its raw text is what a tag reads) holds a non-ASCII character. */
async function templateHoldsNonAscii(text) {
  typescript ??= (await import('typescript')).default;
  const ts = typescript;
  const source = ts.createSourceFile('file.js', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const templates = new Set([
    ts.SyntaxKind.NoSubstitutionTemplateLiteral,
    ts.SyntaxKind.TemplateHead,
    ts.SyntaxKind.TemplateMiddle,
    ts.SyntaxKind.TemplateTail,
  ]);
  const holds = (node) =>
    (templates.has(node.kind) && /[\u0080-\uffff]/.test(text.slice(node.getStart(source), node.end))) ||
    ts.forEachChild(node, holds) === true;
  return holds(source);
}

/** Whether the code (its comments aside) calls `import()`; a string that says so too only leaves one more file to Node. */
function importsDynamically(code) {
  let stripped = code;
  try {
    stripped = strip(code);
  } catch {
    // Not for esbuild on its own (a top-level return...): the text as it is decides.
  }
  return /\bimport\s*\(/.test(stripped);
}

/** The node_modules entry Node finds a package through, from `file`'s directory upwards. */
function recordLink(links, file, request) {
  for (const directory of Module._nodeModulePaths(dirname(file))) {
    const entry = join(directory, packageName(request));
    if (existsSync(entry)) {
      links.set(entry, linkTarget(entry));
      return;
    }
  }
}

/** The packed files that one command run through oclif loads. */
function filesRunBy(argv) {
  const directory = mkdtempSync(join(tmpdir(), 'systemprompt-oclif-pack-trace-'));
  try {
    const report = join(directory, 'ran.json');
    const trace = `import {packedFilesThatRan} from ${JSON.stringify(pathToFileURL(join(packDirectory, 'install.js')).href)};
import {writeFileSync} from 'node:fs';
process.on('exit', () => writeFileSync(${JSON.stringify(report)}, JSON.stringify(packedFilesThatRan())));`;
    runCommand(argv, {
      home: join(directory, 'home'),
      execArgv: ['--import', `data:text/javascript,${encodeURIComponent(trace)}`],
    });
    return existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : [];
  } finally {
    rmSync(directory, {recursive: true, force: true});
  }
}

/** Runs the CLI through oclif in a fresh process and a throwaway home; true when it exited (with any status). */
function runCommand(argv, {home, execArgv = []} = {}) {
  const scratch = home ? undefined : mkdtempSync(join(tmpdir(), 'systemprompt-oclif-pack-'));
  try {
    const env = {...process.env, SYSTEMPROMPT_HOME: home ?? scratch, SYSTEMPROMPT_NO_COMMAND_TABLE: '1'};
    for (const name of ['SYSTEMPROMPT_NO_OCLIF_PACK', 'SYSTEMPROMPT_DATABASE_URL', 'DEBUG', 'NODE_OPTIONS'])
      delete env[name];
    const run = spawnSync(process.execPath, [...execArgv, bin, ...argv], {env, stdio: 'ignore'});
    if (run.status === null)
      process.stderr.write(
        `oclif pack: systemprompt ${argv.join(' ')} did not finish (${run.error?.message ?? run.signal})\n`,
      );
    return run.status !== null;
  } finally {
    if (scratch) rmSync(scratch, {recursive: true, force: true});
  }
}

await main();
