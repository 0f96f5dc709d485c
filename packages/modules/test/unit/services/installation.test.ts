import {execFile} from 'node:child_process';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {expect} from 'chai';
import {checkoutChanges, installationOf} from '../../../src/services/installation.js';

const run = promisify(execFile);
const git = (cwd: string, ...args: string[]) =>
  run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], {cwd});

describe('how the CLI was installed (system:update)', () => {
  it('tells a global npm install, a project install and a checkout apart', async () => {
    expect(installationOf('/opt/sp/lib/node_modules/systemprompt')).to.deep.equal({
      kind: 'npm',
      root: '/opt/sp/lib/node_modules/systemprompt',
      global: true,
      prefix: '/opt/sp',
    });
    expect(installationOf('/srv/app/node_modules/@acme/cli')).to.deep.include({
      kind: 'npm',
      global: false,
      prefix: '/srv/app',
    });
    const scratch = await mkdtemp(join(tmpdir(), 'systemprompt-installation-'));
    try {
      await mkdir(join(scratch, 'repo', '.git'), {recursive: true});
      await mkdir(join(scratch, 'repo', 'apps', 'cli'), {recursive: true});
      expect(installationOf(join(scratch, 'repo', 'apps', 'cli'))).to.deep.equal({
        kind: 'git',
        root: join(scratch, 'repo', 'apps', 'cli'),
        top: join(scratch, 'repo'),
      });
    } finally {
      await rm(scratch, {recursive: true, force: true});
    }
  });

  describe('a checkout behind its upstream (real git, a local bare repository)', () => {
    let scratch: string;
    let clone: string;
    let other: string;
    before(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'systemprompt-checkout-'));
      const upstream = join(scratch, 'upstream.git');
      await git(scratch, 'init', '--bare', upstream);
      clone = join(scratch, 'clone');
      other = join(scratch, 'other');
      await git(scratch, 'clone', upstream, clone);
      await writeFile(join(clone, 'README.md'), 'one\n');
      await git(clone, 'add', '.');
      await git(clone, 'commit', '-m', 'one');
      await git(clone, 'push', 'origin', 'HEAD:main');
      await git(clone, 'branch', '--set-upstream-to=origin/main');
      await git(scratch, 'clone', upstream, other);
      await mkdir(join(other, 'packages', 'notes', 'src', 'migrations'), {recursive: true});
      await writeFile(join(other, 'packages', 'notes', 'src', 'migrations', '20270101000000-create-notes.ts'), '//\n');
      await writeFile(join(other, 'README.md'), 'two\n');
      await git(other, 'add', '.');
      await git(other, 'commit', '-m', 'two');
      await git(other, 'push', 'origin', 'HEAD:main');
    });
    after(() => rm(scratch, {recursive: true, force: true}));

    it('counts nothing before a fetch (--no-fetch), then the commits and the migration files they add', async () => {
      const before = await checkoutChanges(clone, {fetch: false});
      expect(before).to.deep.include({upstream: 'origin/main', behind: 0, migrations: []});
      const after = await checkoutChanges(clone, {fetch: true});
      expect(after).to.deep.include({upstream: 'origin/main', behind: 1, migrations: ['20270101000000-create-notes']});
      expect(after.head).to.equal(before.head);
    });

    it('says when a checkout has no upstream', async () => {
      await git(other, 'checkout', '-q', '-b', 'local-only');
      expect(await checkoutChanges(other, {fetch: true})).to.deep.include({upstream: null, behind: 0});
    });
  });
});
