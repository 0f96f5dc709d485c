import {execFile} from 'node:child_process';
import {readdirSync} from 'node:fs';
import {mkdtemp, readFile, rm, symlink, unlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {expect} from 'chai';
import {workspaceRoot} from './helpers/release-registry.js';

const run = promisify(execFile);
const version = async (directory: string, packageDirectory: string) =>
  (JSON.parse(await readFile(join(directory, packageDirectory, 'package.json'), 'utf8')) as {version: string}).version;

/**
 * Versioning with changesets, as a release does it (`pnpm run version`): in a clone of this
 * repository, one pending changeset bumps one package on its own, writes its changelog, brings the
 * packages that depend on it along (a patch), leaves the rest alone and keeps module.yaml in step.
 * The publishing half (`pnpm run release`) is exercised against a loopback registry in
 * npm-installed-cli.test.ts.
 */
describe('versions and changelogs: pnpm run version, pnpm run release', function () {
  this.timeout(120_000);
  let clone: string;
  const clones: string[] = [];

  /** A clone of this repository's last commit, with the pending changesets of the working tree. */
  async function cloneRepository(): Promise<string> {
    const directory = join(await mkdtemp(join(tmpdir(), 'systemprompt-version-')), 'repo');
    clones.push(join(directory, '..'));
    await run('git', ['clone', '--quiet', '--depth', '1', `file://${workspaceRoot}`, directory]);
    // The changelog generator and the changesets CLI resolve from the workspace's own packages.
    await symlink(join(workspaceRoot, 'node_modules'), join(directory, 'node_modules'));
    return directory;
  }
  const pending = (directory: string) =>
    readdirSync(join(directory, '.changeset')).filter((file) => file.endsWith('.md') && file !== 'README.md');

  before(async () => {
    clone = await cloneRepository();
    for (const file of pending(clone)) await unlink(join(clone, '.changeset', file));
  });
  after(async () => {
    for (const directory of clones) await rm(directory, {recursive: true, force: true});
  });

  it('applies every pending changeset of the repository (the next release can be versioned)', async () => {
    const directory = await cloneRepository();
    const waiting = pending(directory).length;
    await run('pnpm', ['run', 'version'], {cwd: directory, env: {...process.env, CI: 'true'}});
    expect(pending(directory)).to.be.empty;
    // Right after a release nothing waits; otherwise the packages named got their changelog entries.
    const {stdout} = await run('git', ['status', '--porcelain'], {cwd: directory});
    if (waiting > 0) expect(stdout).to.match(/CHANGELOG\.md/);
  });

  it('bumps only what a changeset names (and its dependents), with a changelog and the module.yaml version', async () => {
    const before = {
      network: await version(clone, 'packages/network'),
      app: await version(clone, 'apps/systemprompt'),
      oauth: await version(clone, 'packages/oauth'),
    };
    await writeFile(
      join(clone, '.changeset', 'grants-export.md'),
      '---\n"@systemprompt/oauth": minor\n---\n\nauth:grants can export the grants as CSV.\n',
    );
    await run('pnpm', ['run', 'version'], {cwd: clone, env: {...process.env, CI: 'true'}});

    const [major, minor] = before.oauth.split('.').map(Number);
    expect(await version(clone, 'packages/oauth')).to.equal(`${major}.${minor! + 1}.0`);
    const changelog = await readFile(join(clone, 'packages', 'oauth', 'CHANGELOG.md'), 'utf8');
    expect(changelog)
      .to.include(`## ${major}.${minor! + 1}.0`)
      .and.to.include('auth:grants can export the grants as CSV.');
    expect(await readFile(join(clone, 'packages', 'oauth', 'module.yaml'), 'utf8')).to.match(
      new RegExp(`^version: ${major}\\.${minor! + 1}\\.0$`, 'm'),
    );
    // The app depends on the oauth module: it follows with a patch; an unrelated module does not move.
    const [appMajor, appMinor, appPatch] = before.app.split('.').map(Number);
    expect(await version(clone, 'apps/systemprompt')).to.equal(`${appMajor}.${appMinor}.${appPatch! + 1}`);
    expect(await version(clone, 'packages/network')).to.equal(before.network);
    expect(pending(clone)).to.be.empty;
  });

  it('refuses to publish without a registry named, or with one that is not a URL (exit 2, one line)', async () => {
    for (const [args, message] of [
      [[], 'give the registry to publish to'],
      [['--registry', 'registry.example'], 'is not a URL'],
      [['--registry', 'ftp://127.0.0.1/'], 'must be an http(s) URL'],
      [['--registry', 'http://127.0.0.1:9/', '--push'], 'unknown option --push'],
    ] as const) {
      const failure = await run(process.execPath, [join(workspaceRoot, 'tooling', 'scripts', 'release.mjs'), ...args], {
        cwd: workspaceRoot,
      }).then(
        () => undefined,
        (error: {code?: number; stderr?: string}) => error,
      );
      expect(failure?.code, args.join(' ')).to.equal(2);
      expect(failure?.stderr?.trim().split('\n')).to.have.length(1);
      expect(failure?.stderr).to.include(message);
    }
  });
});
