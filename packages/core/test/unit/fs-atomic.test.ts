import {readFile, readdir, stat, writeFile, mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {writeFileAtomic} from '../../src/fs-atomic.js';
import {makeTempDir, removeTempDir} from './helpers/temp.js';

describe('writeFileAtomic', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await makeTempDir();
  });
  afterEach(() => removeTempDir(directory));

  it('writes the content with mode 0644 by default and leaves no temporary file', async () => {
    const file = join(directory, 'settings.json');
    await writeFileAtomic(file, '{"a":1}');
    expect(await readFile(file, 'utf8')).to.equal('{"a":1}');
    expect((await stat(file)).mode & 0o777).to.equal(0o644 & ~process.umask());
    expect(await readdir(directory)).to.deep.equal(['settings.json']);
  });

  it('writes bytes with the given mode', async () => {
    const file = join(directory, 'secret.key');
    await writeFileAtomic(file, new Uint8Array([1, 2, 3]), {mode: 0o600});
    expect([...(await readFile(file))]).to.deep.equal([1, 2, 3]);
    expect((await stat(file)).mode & 0o777).to.equal(0o600 & ~process.umask());
  });

  it('replaces an existing file and creates missing parent directories', async () => {
    const file = join(directory, 'a', 'b', 'out.txt');
    await writeFileAtomic(file, 'old content that is longer');
    await writeFileAtomic(file, 'new');
    expect(await readFile(file, 'utf8')).to.equal('new');
    expect(await readdir(join(directory, 'a', 'b'))).to.deep.equal(['out.txt']);
  });

  it('fails without leaving a temporary file when the target cannot be replaced', async () => {
    const target = join(directory, 'taken');
    await mkdir(target);
    await writeFile(join(target, 'inside'), 'x');
    let failure: unknown;
    try {
      await writeFileAtomic(target, 'content');
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(Error);
    expect(await readdir(directory)).to.deep.equal(['taken']);
  });
});
