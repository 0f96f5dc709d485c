import {mkdir, readFile, readdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {ManifestCache} from '../../../src/manifest/cache.js';
import {makeTempDir, removeTempDir} from '../helpers/temp.js';

const manifest = {name: 'users', version: '1.0.0', type: 'service' as const, description: 'Users'};

describe('ManifestCache', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await makeTempDir();
  });
  afterEach(() => removeTempDir(directory));

  it('returns an entry only for the key it was stored with', () => {
    const cache = new ManifestCache(undefined);
    cache.set('/pkg/users', {key: '10:1:1.0.0', manifest});
    expect(cache.get('/pkg/users', '10:1:1.0.0')).to.deep.equal({key: '10:1:1.0.0', manifest});
    expect(cache.get('/pkg/users', '11:1:1.0.0')).to.equal(undefined);
    expect(cache.get('/pkg/other', '10:1:1.0.0')).to.equal(undefined);
  });

  it('saves to manifests.json and loads it in a new instance', async () => {
    const cache = new ManifestCache(directory);
    cache.set('/pkg/users', {key: 'k1', manifest});
    cache.set('/pkg/broken', {key: 'k2', error: {message: 'bad', problems: ['/type: wrong']}});
    await cache.save();
    expect(JSON.parse(await readFile(join(directory, 'manifests.json'), 'utf8'))).to.deep.equal({
      format: 1,
      entries: {
        '/pkg/users': {key: 'k1', manifest},
        '/pkg/broken': {key: 'k2', error: {message: 'bad', problems: ['/type: wrong']}},
      },
    });
    const again = new ManifestCache(directory);
    expect(again.get('/pkg/users', 'k1')!.manifest).to.deep.equal(manifest);
    expect(again.get('/pkg/broken', 'k2')!.error!.message).to.equal('bad');
  });

  it('writes nothing when nothing changed', async () => {
    await new ManifestCache(directory).save();
    expect(await readdir(directory)).to.deep.equal([]);
  });

  it('creates the cache directory when it is missing', async () => {
    const nested = join(directory, 'cache', 'deeper');
    const cache = new ManifestCache(nested);
    cache.set('/pkg/users', {key: 'k', manifest});
    await cache.save();
    expect(await readdir(nested)).to.deep.equal(['manifests.json']);
  });

  it('ignores a stored cache of another format', async () => {
    await writeFile(
      join(directory, 'manifests.json'),
      JSON.stringify({format: 2, entries: {'/pkg/users': {key: 'k', manifest}}}),
    );
    expect(new ManifestCache(directory).get('/pkg/users', 'k')).to.equal(undefined);
  });

  it('ignores an unreadable cache file', async () => {
    await writeFile(join(directory, 'manifests.json'), 'not json');
    expect(new ManifestCache(directory).get('/pkg/users', 'k')).to.equal(undefined);
  });

  it('does not fail when the cache cannot be written', async () => {
    const blocked = join(directory, 'blocked');
    await mkdir(join(blocked, 'manifests.json'), {recursive: true});
    const cache = new ManifestCache(blocked);
    cache.set('/pkg/users', {key: 'k', manifest});
    await cache.save();
    expect(await readdir(blocked)).to.deep.equal(['manifests.json']);
  });
});
