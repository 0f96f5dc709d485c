import {readFileSync, realpathSync, statSync} from 'node:fs';
import {mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {expect} from 'chai';
import {linkableDirectory, packageDirectory} from '../../../src/services/host-packages.js';

/** Writes a package directory with this package.json and a lib/index.js. */
async function writePackage(directory: string, pjson: Record<string, unknown>): Promise<void> {
  await mkdir(join(directory, 'lib'), {recursive: true});
  await writeFile(join(directory, 'package.json'), JSON.stringify(pjson));
  await writeFile(join(directory, 'lib', 'index.js'), 'module.exports = {loadedFrom: __filename};\n');
}

describe('host packages', () => {
  let scratch: string;
  beforeEach(async () => {
    scratch = realpathSync(await mkdtemp(join(tmpdir(), 'host-packages-')));
  });
  afterEach(() => rm(scratch, {recursive: true, force: true}));

  it('links a package without install scripts as it is', async () => {
    await writePackage(join(scratch, 'plain'), {
      name: 'plain',
      version: '1.0.0',
      main: 'lib/index.js',
      scripts: {build: 'tsc'},
    });
    expect(await linkableDirectory(join(scratch, 'plain'), join(scratch, 'stand-ins'))).to.equal(
      join(scratch, 'plain'),
    );
  });

  it("gives a package with install scripts a stand-in without scripts or dependencies that loads the package's own files", async () => {
    const host = join(scratch, 'host', 'node_modules', '@acme', 'tool');
    await writePackage(host, {
      name: '@acme/tool',
      version: '4.2.0',
      main: 'lib/index.js',
      exports: {'.': './lib/index.js'},
      scripts: {prepare: 'husky', build: 'tsc'},
      dependencies: {ansis: '^3'},
      bin: {tool: 'lib/index.js'},
    });
    const standIn = await linkableDirectory(host, join(scratch, 'stand-ins'));
    expect(standIn).to.equal(join(scratch, 'stand-ins', '@acme', 'tool'));
    expect(JSON.parse(readFileSync(join(standIn, 'package.json'), 'utf8'))).to.deep.equal({
      name: '@acme/tool',
      version: '4.2.0',
      main: 'lib/index.js',
      exports: {'.': './lib/index.js'},
    });
    // A project that links the stand-in loads the host's file (Node resolves the real path).
    await mkdir(join(scratch, 'project', 'node_modules', '@acme'), {recursive: true});
    await symlink(standIn, join(scratch, 'project', 'node_modules', '@acme', 'tool'));
    const loaded = createRequire(join(scratch, 'project', 'index.js'))('@acme/tool') as {loadedFrom: string};
    expect(loaded.loadedFrom).to.equal(join(host, 'lib', 'index.js'));
  });

  it('leaves a current stand-in alone and rebuilds it when the package changes', async () => {
    const host = join(scratch, 'tool');
    await writePackage(host, {name: 'tool', version: '1.0.0', scripts: {postinstall: 'node setup.js'}});
    const standIn = await linkableDirectory(host, join(scratch, 'stand-ins'));
    const first = statSync(join(standIn, 'package.json')).ino;
    await linkableDirectory(host, join(scratch, 'stand-ins'));
    expect(statSync(join(standIn, 'package.json')).ino).to.equal(first);
    await writePackage(host, {name: 'tool', version: '1.0.1', scripts: {postinstall: 'node setup.js'}});
    await linkableDirectory(host, join(scratch, 'stand-ins'));
    expect(JSON.parse(readFileSync(join(standIn, 'package.json'), 'utf8')).version).to.equal('1.0.1');
  });

  it('finds a package where Node would load it from a directory', async () => {
    await writePackage(join(scratch, 'app', 'node_modules', 'dep'), {name: 'dep', version: '1.0.0'});
    expect(packageDirectory('dep', join(scratch, 'app', 'src'))).to.equal(join(scratch, 'app', 'node_modules', 'dep'));
    expect(() => packageDirectory('missing', join(scratch, 'app'))).to.throw(/missing cannot be found/);
  });
});
