import {cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {expect} from 'chai';
import {formatChange} from '../lib/compare.mjs';
import {checkSurface, defaultPaths, formatReport, updateSurface, workspaceOf} from '../lib/surface.mjs';
import {generated, root} from './helpers.js';

describe('surface:check', () => {
  it('passes on the repository as committed', async () => {
    const result = checkSurface({generated: await generated(), paths: defaultPaths(root)});
    expect(result.ok, formatReport(result)).to.equal(true);
    expect(result.changes).to.deep.equal([]);
  });
});

describe('surface:check on a changed command', () => {
  const workspace = workspaceOf(root);
  let scratch: string;
  let paths: ReturnType<typeof defaultPaths>;

  // The committed artefacts and an empty changeset directory, copied: the repository's own stay as they are.
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'surface-check-'));
    paths = defaultPaths(scratch);
    const committed = defaultPaths(root);
    cpSync(committed.commands, paths.commands);
    cpSync(committed.schemas, paths.schemas, {recursive: true});
    cpSync(committed.docs, paths.docs);
    mkdirSync(paths.changesets);
    writeFileSync(join(paths.changesets, 'README.md'), '# Changesets\n');
  });
  afterEach(() => rmSync(scratch, {recursive: true, force: true}));

  const changeset = (name: string, bumps: Record<string, string>) =>
    writeFileSync(
      join(paths.changesets, `${name}.md`),
      `---\n${Object.entries(bumps)
        .map(([pkg, bump]) => `"${pkg}": ${bump}`)
        .join('\n')}\n---\n\nChanges users:list.\n`,
    );

  /** The generated surface with one flag of one command taken away (or changed). */
  async function withFlag(id: string, name: string, change: (flags: any[]) => any[]) {
    const surface = structuredClone(await generated());
    const command = surface.commands.commands.find((entry: any) => entry.id === id);
    expect(command.flags.map((flag: any) => flag.name)).to.include(name);
    command.flags = change(command.flags);
    return surface;
  }
  const withoutLimit = () => withFlag('users:list', 'limit', (flags) => flags.filter((flag) => flag.name !== 'limit'));

  it('fails on a removed flag as a breaking change, naming the package that needs a major changeset', async () => {
    const result = checkSurface({generated: await withoutLimit(), paths, workspace});
    expect(result.ok).to.equal(false);
    expect(result.unreleased.map(formatChange)).to.deep.equal(['users:list: flag --limit removed (breaking)']);
    expect(result.unreleased[0].owner).to.equal('@systemprompt/users');
    const report = formatReport(result, {paths});
    expect(report).to.include('users:list: flag --limit removed (breaking)');
    expect(report).to.include('"@systemprompt/users": major');
  });

  it('writes nothing on surface:update while the breaking change has no major changeset', async () => {
    const before = readFileSync(paths.commands, 'utf8');
    const result = updateSurface({generated: await withoutLimit(), paths, workspace});
    expect(result.written).to.deep.equal([]);
    expect(readFileSync(paths.commands, 'utf8')).to.equal(before);
  });

  it('does not take a minor changeset, or a major one of another package, for a breaking change', async () => {
    changeset('minor', {'@systemprompt/users': 'minor'});
    changeset('other', {'@systemprompt/auth': 'major'});
    const result = checkSurface({generated: await withoutLimit(), paths, workspace});
    expect(result.unreleased.map((entry: any) => entry.owner)).to.deep.equal(['@systemprompt/users']);
  });

  it('passes once a major changeset of that package is pending and the surface is updated', async () => {
    changeset('x', {'@systemprompt/users': 'major'});
    const surface = await withoutLimit();
    const pending = checkSurface({generated: surface, paths, workspace});
    expect(pending.unreleased).to.deep.equal([]);
    // Allowed, but not yet recorded: the committed snapshot still has the flag.
    expect(pending.ok).to.equal(false);
    expect(pending.outdated).to.deep.equal(['surface/commands.json']);
    expect(formatReport(pending, {paths})).to.include('Run pnpm run surface:update and commit');

    expect(updateSurface({generated: surface, paths, workspace}).written).to.deep.equal(['surface/commands.json']);
    const after = checkSurface({generated: surface, paths, workspace});
    expect(after.ok, formatReport(after)).to.equal(true);
  });

  it('asks for surface:update on an additive change, which needs no changeset', async () => {
    const surface = await withFlag('users:list', 'limit', (flags) => [
      ...flags,
      {name: 'with-roles', type: 'boolean', required: false, multiple: false},
    ]);
    const result = checkSurface({generated: surface, paths, workspace});
    expect(result.changes.map(formatChange)).to.deep.equal(['users:list: flag --with-roles added (additive)']);
    expect(result.unreleased).to.deep.equal([]);
    expect(result.ok).to.equal(false);
    expect(formatReport(result, {paths})).to.include('pnpm run surface:update');
  });

  it('asks a major changeset of the app for a breaking change in a plugin it ships', async () => {
    const surface = await withFlag('plugins:inspect', 'verbose', (flags) =>
      flags.filter((flag) => flag.name !== 'verbose'),
    );
    const result = checkSurface({generated: surface, paths, workspace});
    expect(result.unreleased.map((entry: any) => [formatChange(entry), entry.owner])).to.deep.equal([
      ['plugins:inspect: flag --verbose removed (breaking)', 'systemprompt'],
    ]);
  });

  it('reports a changed --json type, a changed Markdown reference and a stale schema file', async () => {
    const surface = structuredClone(await generated());
    surface.schemas['users:list'].items.properties.status = {type: 'string'};
    surface.schemas['users:list'].items.properties.roles.items = {type: 'number'};
    surface.docs += '\nOne more line.\n';
    writeFileSync(join(paths.schemas, 'users.gone.schema.json'), '{}\n');
    const result = checkSurface({generated: surface, paths, workspace});
    expect(result.changes.map(formatChange)).to.deep.equal([
      'users:list: --json data[].roles[] type changed from string to number (breaking)',
      'users:list: --json data[].status: any string now (was "disabled", "enabled") (additive)',
    ]);
    expect(result.outdated).to.deep.equal([
      'surface/json/users.list.schema.json',
      'surface/json/users.gone.schema.json',
      'docs/commands.md',
    ]);
  });
});
