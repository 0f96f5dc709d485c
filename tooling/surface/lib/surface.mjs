// The three committed artefacts (surface/commands.json, surface/json/*.schema.json, docs/commands.md):
// generated from the built CLI and the command sources, compared with what is committed, written.
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {dirname, join, relative, sep} from 'node:path';
import {pendingBumps} from './changesets.mjs';
import {compareCommands, compareSchemas, formatChange} from './compare.mjs';
import {commandSources, generateSchemas, schemaFileName} from './schema.mjs';
import {readCatalogue, renderDocs, snapshotOf, staleBuilds} from './snapshot.mjs';

/** Where the artefacts and the pending changesets are (each may be pointed elsewhere, as tests do). */
export function defaultPaths(root) {
  return {
    root,
    commands: join(root, 'surface', 'commands.json'),
    schemas: join(root, 'surface', 'json'),
    docs: join(root, 'docs', 'commands.md'),
    changesets: join(root, '.changeset'),
  };
}

/** The workspace packages (which may take a changeset) and the app, which ships third-party plugins. */
export function workspaceOf(root) {
  const packages = new Set();
  let app;
  for (const parent of ['apps', 'packages', 'tooling']) {
    const dir = join(root, parent);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const manifest = join(dir, name, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')).name;
      packages.add(pkg);
      if (parent === 'apps' && name === 'systemprompt') app = pkg;
    }
  }
  return {packages, app: app ?? 'systemprompt'};
}

/**
 * Everything the surface consists of, now: `{commands, schemas: {[id]: schema}, docs, stale}` from the
 * built app (cli:docs, run with a scratch home) and the command sources (one TypeScript program).
 */
export async function generate(root) {
  const [catalogue, docs] = await Promise.all([readCatalogue(root), renderDocs(root)]);
  const commands = snapshotOf(catalogue);
  const sources = commandSources(root);
  const source = new Map(sources.map((entry) => [`${entry.package}\0${entry.id}`, entry.file]));
  const entries = commands.commands.map((command) => ({
    id: command.id,
    plugin: command.package,
    file: source.get(`${command.package}\0${command.id}`),
  }));
  return {commands, schemas: generateSchemas({root, entries}), docs, stale: staleBuilds(root, sources)};
}

export const toJson = (value) => `${JSON.stringify(value, null, 2)}\n`;

/** JSON on one line, spaced as prettier would. */
const inline = (value) =>
  Array.isArray(value)
    ? `[${value.map(inline).join(', ')}]`
    : value && typeof value === 'object'
      ? `{${Object.entries(value)
          .map(([key, inner]) => `${JSON.stringify(key)}: ${inline(inner)}`)
          .join(', ')}}`
      : JSON.stringify(value);

/** surface/commands.json: one command per block, one flag or argument per line (a change is one line). */
export function commandsText(snapshot) {
  const command = (entry) => {
    const lines = Object.entries(entry).map(([key, value]) =>
      (key === 'flags' || key === 'args') && value.length > 0
        ? `      ${JSON.stringify(key)}: [\n${value.map((item) => `        ${inline(item)}`).join(',\n')}\n      ]`
        : `      ${JSON.stringify(key)}: ${inline(value)}`,
    );
    return `    {\n${lines.join(',\n')}\n    }`;
  };
  return `{\n  "bin": ${JSON.stringify(snapshot.bin)},\n  "commands": [\n${snapshot.commands.map(command).join(',\n')}\n  ]\n}\n`;
}

const read = (file) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);

/** The committed artefacts as text: `{commands, schemas: {[file name]: text}, docs}`. */
export function readCommitted(paths) {
  const schemas = {};
  if (existsSync(paths.schemas)) {
    for (const name of readdirSync(paths.schemas).sort())
      if (name.endsWith('.schema.json')) schemas[name] = readFileSync(join(paths.schemas, name), 'utf8');
  }
  return {commands: read(paths.commands), schemas, docs: read(paths.docs)};
}

const display = (paths, file) =>
  relative(paths.root ?? process.cwd(), file)
    .split(sep)
    .join('/') || file;

/**
 * The classified changes from the committed surface to the generated one, and the artefacts whose
 * committed text differs from the generated text (`outdated`).
 */
export function diffSurface(paths, committed, generated) {
  const changes = [];
  const outdated = [];
  const before = committed.commands === undefined ? undefined : JSON.parse(committed.commands);
  if (committed.commands !== commandsText(generated.commands)) outdated.push(display(paths, paths.commands));
  if (before) changes.push(...compareCommands(before, generated.commands));
  const existed = new Set(before?.commands.map((command) => command.id) ?? []);
  const expected = new Set();
  for (const command of generated.commands.commands) {
    const name = schemaFileName(command.id);
    expected.add(name);
    const schema = generated.schemas[command.id];
    const old = committed.schemas[name];
    if (old !== toJson(schema)) outdated.push(display(paths, join(paths.schemas, name)));
    if (old !== undefined) changes.push(...compareSchemas(command.id, command.package, JSON.parse(old), schema));
    else if (existed.has(command.id))
      changes.push({command: command.id, package: command.package, kind: 'additive', text: '--json schema added'});
  }
  for (const name of Object.keys(committed.schemas))
    if (!expected.has(name)) outdated.push(display(paths, join(paths.schemas, name)));
  if (committed.docs !== generated.docs) outdated.push(display(paths, paths.docs));
  return {changes, outdated};
}

const KIND_ORDER = {breaking: 0, additive: 1, compatible: 2};

/**
 * Compares the generated surface with the committed one. `ok` only when nothing differs; a breaking
 * change also needs a pending major changeset of the package that owns the command (the app for a
 * command of a third-party plugin it ships): `unreleased` lists those that have none.
 */
export function checkSurface({generated, paths, workspace = workspaceOf(paths.root)}) {
  const committed = readCommitted(paths);
  const {changes, outdated} = diffSurface(paths, committed, generated);
  changes.sort(
    (a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.command < b.command ? -1 : a.command > b.command ? 1 : 0),
  );
  const bumps = pendingBumps(paths.changesets);
  const owner = (pkg) => (workspace.packages.has(pkg) ? pkg : workspace.app);
  const unreleased = changes
    .filter((entry) => entry.kind === 'breaking' && bumps[owner(entry.package)] !== 'major')
    .map((entry) => ({...entry, owner: owner(entry.package)}));
  return {ok: outdated.length === 0 && unreleased.length === 0, changes, unreleased, outdated, bumps};
}

/** The report of a check, one line per change, then what to do. */
export function formatReport(result, {paths, updated = false} = {}) {
  const lines = result.changes.map(formatChange);
  if (result.unreleased.length > 0) {
    const byOwner = new Map();
    for (const entry of result.unreleased) {
      if (!byOwner.has(entry.owner)) byOwner.set(entry.owner, []);
      byOwner.get(entry.owner).push(entry);
    }
    const where = paths ? display(paths, paths.changesets) : '.changeset';
    lines.push('', `Breaking changes need a major changeset (${where}/<name>.md), or undo them:`);
    for (const [pkg, entries] of byOwner) {
      const commands = [...new Set(entries.map((entry) => entry.command))].join(', ');
      const count = `${entries.length} breaking change${entries.length > 1 ? 's' : ''}`;
      lines.push(`- "${pkg}": major (${count} in ${commands})`);
    }
  }
  if (result.outdated.length > 0 && !updated) {
    const shown = result.outdated.slice(0, 10);
    const more = result.outdated.length - shown.length;
    lines.push(
      '',
      `Out of date: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}.`,
      'Run pnpm run surface:update and commit surface/ and docs/commands.md.',
    );
  }
  return lines.join('\n').replace(/^\n/, '');
}

/**
 * Writes the generated surface, unless it holds a breaking change that no pending major changeset
 * covers (then nothing is written: the snapshot is where a breaking change is acknowledged).
 */
export function updateSurface({generated, paths, workspace}) {
  const result = checkSurface({generated, paths, workspace});
  if (result.unreleased.length > 0) return {...result, written: []};
  const written = [];
  const write = (file, text) => {
    if (read(file) === text) return;
    mkdirSync(dirname(file), {recursive: true});
    writeFileSync(file, text);
    written.push(display(paths, file));
  };
  write(paths.commands, commandsText(generated.commands));
  const expected = new Set();
  for (const [id, schema] of Object.entries(generated.schemas)) {
    expected.add(schemaFileName(id));
    write(join(paths.schemas, schemaFileName(id)), toJson(schema));
  }
  if (existsSync(paths.schemas)) {
    for (const name of readdirSync(paths.schemas)) {
      if (name.endsWith('.schema.json') && !expected.has(name)) {
        rmSync(join(paths.schemas, name));
        written.push(display(paths, join(paths.schemas, name)));
      }
    }
  }
  write(paths.docs, generated.docs);
  return {...result, written};
}
