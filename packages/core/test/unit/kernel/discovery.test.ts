import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {discoverModules, type PluginDescriptor} from '../../../src/kernel/discovery.js';
import {makeTempDir, removeTempDir} from '../helpers/temp.js';
import {writeModule} from '../helpers/modules.js';

describe('discoverModules', () => {
  let directory: string;
  let cacheDir: string;

  beforeEach(async () => {
    directory = await makeTempDir();
    cacheDir = join(directory, 'cache');
  });
  afterEach(() => removeTempDir(directory));

  it('makes a record of every plugin with a module.yaml, with its manifest and runtime entry', async () => {
    const users = await writeModule(directory, {name: 'users', version: '1.2.0', manifest: {dependencies: ['auth']}});
    const records = await discoverModules([users], cacheDir);
    expect(records).to.have.length(1);
    const [record] = records;
    expect(record).to.deep.equal({
      name: 'users',
      packageName: '@fixtures/users',
      version: '1.2.0',
      root: users.root,
      source: 'core',
      enabled: true,
      manifest: {
        name: 'users',
        version: '1.2.0',
        type: 'service',
        description: 'The users module',
        dependencies: ['auth'],
      },
      entry: join(users.root, 'module.mjs'),
    });
  });

  it('marks the modules the operator disabled', async () => {
    const plugin = await writeModule(directory, {name: 'people', packageName: 'systemprompt-module-people'});
    const [record] = await discoverModules([plugin], cacheDir, ['people']);
    expect(record!.enabled).to.equal(false);
  });

  it('names the record after the manifest, not the package', async () => {
    const plugin = await writeModule(directory, {name: 'people', packageName: 'systemprompt-module-people'});
    const [record] = await discoverModules([plugin], cacheDir);
    expect(record!.name).to.equal('people');
    expect(record!.packageName).to.equal('systemprompt-module-people');
  });

  it('skips plugins without a module.yaml', async () => {
    const plain: PluginDescriptor = {
      name: '@oclif/plugin-help',
      version: '6.0.0',
      root: join(directory, 'no-such-package'),
      type: 'core',
      pjson: {},
    };
    const users = await writeModule(directory, {name: 'users'});
    expect((await discoverModules([plain, users], cacheDir)).map((record) => record.name)).to.deep.equal(['users']);
  });

  it('takes the source from the plugin type, and lists the modules the CLI ships first', async () => {
    const plugins = [
      {...(await writeModule(directory, {name: 'one'})), type: 'user'},
      {...(await writeModule(directory, {name: 'two'})), type: 'link'},
      {...(await writeModule(directory, {name: 'three'})), type: 'dev'},
    ];
    // oclif loads plugins concurrently: the CLI's own modules claim their names before installed ones.
    expect((await discoverModules(plugins, cacheDir)).map((record) => record.source)).to.deep.equal([
      'core',
      'user',
      'link',
    ]);
  });

  it('gives an invalid module.yaml a record with a MODULE_INVALID error (exit 6) and still loads the valid ones', async () => {
    const broken = await writeModule(directory, {name: 'broken', manifest: {type: 'gadget', colour: 'red'}});
    const users = await writeModule(directory, {name: 'users'});
    const [bad, good] = await discoverModules([broken, users], cacheDir);
    expect(bad!.name).to.equal('@fixtures/broken');
    expect(bad!.manifest).to.equal(undefined);
    expect(bad!.entry).to.equal(undefined);
    expect(bad!.error!.code).to.equal('MODULE_INVALID');
    expect(bad!.error!.exitCode).to.equal(6);
    expect(bad!.error!.message).to.match(
      /^Module package @fixtures\/broken cannot be loaded: .*module\.yaml is invalid: /,
    );
    expect(bad!.error!.details).to.deep.equal({
      package: '@fixtures/broken',
      problems: ['/: unknown property "colour"', '/type: must be one of service, daemon, plugin, core, extension'],
    });
    expect(bad!.error!.hint).to.include(`extension:validate ${broken.root}`);
    expect(good!.error).to.equal(undefined);
    expect(good!.manifest!.name).to.equal('users');
  });

  it('gives a module.yaml that is not YAML a record with MODULE_INVALID', async () => {
    const plugin = await writeModule(directory, {name: 'broken', manifestText: 'name: [broken\n'});
    const [record] = await discoverModules([plugin], cacheDir);
    expect(record!.error!.code).to.equal('MODULE_INVALID');
    expect(record!.error!.exitCode).to.equal(6);
    expect(record!.error!.message).to.include('@fixtures/broken').and.to.include('is not valid YAML');
  });

  it('gives a package without "systemprompt.module" in package.json an error, keeping its manifest', async () => {
    const plugin = await writeModule(directory, {name: 'users', entry: null});
    const [record] = await discoverModules([plugin], cacheDir);
    expect(record!.name).to.equal('users');
    expect(record!.manifest!.name).to.equal('users');
    expect(record!.entry).to.equal(undefined);
    expect(record!.error!.code).to.equal('MODULE_INVALID');
    expect(record!.error!.exitCode).to.equal(6);
    expect(record!.error!.message).to.equal(
      'Module package @fixtures/users cannot be loaded: package.json has no "systemprompt.module" entry',
    );
  });

  it('gives the second package that uses a module name an error naming the first', async () => {
    const first = await writeModule(directory, {name: 'users', packageName: '@vendor-a/users'});
    const second = await writeModule(directory, {name: 'users', packageName: '@vendor-b/users'});
    const [one, two] = await discoverModules([first, second], cacheDir);
    expect(one!.error).to.equal(undefined);
    // Known by its package name: nothing that looks modules up by name may take it for "users".
    expect(two!.name).to.equal('@vendor-b/users');
    expect(two!.manifest!.name).to.equal('users');
    expect(two!.error!.code).to.equal('MODULE_NAME_TAKEN');
    expect(two!.error!.exitCode).to.equal(6);
    expect(two!.error!.message).to.equal(
      'Module package @vendor-b/users cannot be loaded: module name "users" is already used by @vendor-a/users',
    );
  });

  it('works without a cache directory', async () => {
    const users = await writeModule(directory, {name: 'users'});
    expect((await discoverModules([users]))[0]!.manifest!.name).to.equal('users');
  });

  describe('manifest cache', () => {
    const cacheFile = () => join(cacheDir, 'manifests.json');
    const readCache = async () =>
      JSON.parse(await readFile(cacheFile(), 'utf8')) as {
        format: number;
        entries: Record<
          string,
          {key: string; manifest?: {description: string}; error?: {message: string; problems?: string[]}}
        >;
      };

    it('writes manifests.json in the cache directory, keyed by package root', async () => {
      const users = await writeModule(directory, {name: 'users'});
      const broken = await writeModule(directory, {name: 'broken', manifest: {type: 'gadget'}});
      await discoverModules([users, broken], cacheDir);
      const cache = await readCache();
      expect(cache.format).to.equal(1);
      expect(Object.keys(cache.entries)).to.have.members([users.root, broken.root]);
      expect(cache.entries[users.root]!.manifest!.description).to.equal('The users module');
      expect(cache.entries[users.root]!.key).to.match(/^\d+:[\d.]+:1\.0\.0$/);
      expect(cache.entries[broken.root]!.error!.problems).to.deep.equal([
        '/type: must be one of service, daemon, plugin, core, extension',
      ]);
    });

    it('reads an unchanged module.yaml from the cache instead of parsing it again', async () => {
      const users = await writeModule(directory, {name: 'users'});
      await discoverModules([users], cacheDir);
      const cache = await readCache();
      cache.entries[users.root]!.manifest!.description = 'From the cache';
      await writeFile(cacheFile(), JSON.stringify(cache));
      expect((await discoverModules([users], cacheDir))[0]!.manifest!.description).to.equal('From the cache');
    });

    it('keeps a cached error, with its problems, for an unchanged invalid module.yaml', async () => {
      const broken = await writeModule(directory, {name: 'broken', manifest: {type: 'gadget'}});
      await discoverModules([broken], cacheDir);
      const [record] = await discoverModules([broken], cacheDir);
      expect(record!.error!.code).to.equal('MODULE_INVALID');
      expect(record!.error!.details!.problems).to.deep.equal([
        '/type: must be one of service, daemon, plugin, core, extension',
      ]);
    });

    it('parses module.yaml again after it changed', async () => {
      const users = await writeModule(directory, {name: 'users'});
      await discoverModules([users], cacheDir);
      const file = join(users.root, 'module.yaml');
      await writeFile(
        file,
        (await readFile(file, 'utf8')).replace('The users module', 'Manages the users of the system'),
      );
      const [record] = await discoverModules([users], cacheDir);
      expect(record!.manifest!.description).to.equal('Manages the users of the system');
      expect((await readCache()).entries[users.root]!.manifest!.description).to.equal(
        'Manages the users of the system',
      );
    });

    it('parses module.yaml again when the package version changed', async () => {
      const users = await writeModule(directory, {name: 'users'});
      await discoverModules([users], cacheDir);
      const cache = await readCache();
      cache.entries[users.root]!.manifest!.description = 'Stale';
      await writeFile(cacheFile(), JSON.stringify(cache));
      const [record] = await discoverModules([{...users, version: '1.0.1'}], cacheDir);
      expect(record!.manifest!.description).to.equal('The users module');
    });

    it('rebuilds a cache file that is not JSON', async () => {
      const users = await writeModule(directory, {name: 'users'});
      await discoverModules([users], cacheDir);
      await writeFile(cacheFile(), '{not json');
      expect((await discoverModules([users], cacheDir))[0]!.manifest!.name).to.equal('users');
      expect((await readCache()).entries[users.root]!.manifest!.description).to.equal('The users module');
    });
  });
});
