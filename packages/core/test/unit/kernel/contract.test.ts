import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {contractProblems, instantiateModule} from '../../../src/kernel/contract.js';
import type {ModuleRecord} from '../../../src/kernel/discovery.js';
import {rejected} from '../helpers/errors.js';
import {recordingEntry} from '../helpers/modules.js';
import {makeTempDir, removeTempDir} from '../helpers/temp.js';

const complete = {
  name: 'users',
  version: '1.0.0',
  type: 'service',
  initialize: async () => {},
  start: async () => {},
  stop: async () => {},
  healthCheck: async () => ({healthy: true}),
};

describe('contractProblems', () => {
  it('finds no problem in a complete module', () => {
    expect(contractProblems(complete, 'users')).to.deep.equal([]);
    expect(contractProblems(complete)).to.deep.equal([]);
  });

  it('says so when the factory returned no object', () => {
    for (const candidate of [undefined, null, 'users', 42])
      expect(contractProblems(candidate)).to.deep.equal(['the factory did not return an object']);
  });

  it('lists every broken part of the contract', () => {
    expect(contractProblems({name: 7, type: 'widget', initialize: 'no', start: async () => {}})).to.deep.equal([
      'name must be a string',
      'version must be a string',
      'type must be one of service, daemon, plugin, core, extension',
      'initialize() is missing',
      'stop() is missing',
      'healthCheck() is missing',
    ]);
  });

  it('reports a name that differs from module.yaml', () => {
    expect(contractProblems({...complete, name: 'people'}, 'users')).to.deep.equal([
      'name is "people" but module.yaml says "users"',
    ]);
  });
});

describe('instantiateModule', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await makeTempDir();
  });
  afterEach(() => removeTempDir(directory));

  let entries = 0;

  /** A record whose runtime entry is `source` (in a file of its own, so no import is cached), or has no entry. */
  async function recordFor(source: string | undefined, name = 'users'): Promise<ModuleRecord> {
    const record: ModuleRecord = {
      name,
      packageName: `@fixtures/${name}`,
      version: '1.0.0',
      root: directory,
      source: 'core',
      enabled: true,
    };
    if (source === undefined) return record;
    record.entry = join(directory, `entry-${(entries += 1)}.mjs`);
    await writeFile(record.entry, source);
    return record;
  }

  it('calls the default export factory and returns the module it builds', async () => {
    const module = await instantiateModule(await recordFor(recordingEntry('users')));
    expect(module.name).to.equal('users');
    expect(module.version).to.equal('1.0.0');
    expect(contractProblems(module)).to.deep.equal([]);
  });

  it('accepts an async factory and a default export that is the module object itself', async () => {
    const asyncFactory = `export default async () => (${JSON.stringify({name: 'users', version: '2.0.0', type: 'plugin'}).slice(0, -1)}, initialize: async () => {}, start: async () => {}, stop: async () => {}, healthCheck: async () => ({healthy: true})});`;
    expect((await instantiateModule(await recordFor(asyncFactory))).version).to.equal('2.0.0');
    const plainObject = asyncFactory.replace('export default async () => (', 'export default (');
    expect((await instantiateModule(await recordFor(plainObject))).type).to.equal('plugin');
  });

  it('rejects a module that breaks the contract with MODULE_CONTRACT (exit 6), listing the problems', async () => {
    const error = await rejected(
      instantiateModule(
        await recordFor(
          `export default () => ({name: 'people', version: '1.0.0', type: 'service', initialize() {}, start() {}})`,
        ),
      ),
    );
    expect(error.code).to.equal('MODULE_CONTRACT');
    expect(error.exitCode).to.equal(6);
    expect(error.message).to.equal(
      'Module "users" (@fixtures/users) does not implement the module contract: name is "people" but module.yaml says "users"; stop() is missing; healthCheck() is missing',
    );
    expect(error.details).to.deep.equal({module: 'users', package: '@fixtures/users'});
  });

  it('rejects an entry without a default export with MODULE_CONTRACT', async () => {
    const error = await rejected(instantiateModule(await recordFor('export const nothing = 1;')));
    expect(error.code).to.equal('MODULE_CONTRACT');
    expect(error.message).to.include('the factory did not return an object');
  });

  it('rejects a record without a runtime entry with MODULE_CONTRACT', async () => {
    const error = await rejected(instantiateModule(await recordFor(undefined)));
    expect(error.code).to.equal('MODULE_CONTRACT');
    expect(error.exitCode).to.equal(6);
    expect(error.message).to.match(/: no runtime entry$/);
  });

  it('rejects an entry that cannot be imported with MODULE_IMPORT_FAILED (exit 6), keeping the cause', async () => {
    const record = await recordFor('export default () => { this is not javascript');
    const error = await rejected(instantiateModule(record));
    expect(error.code).to.equal('MODULE_IMPORT_FAILED');
    expect(error.exitCode).to.equal(6);
    expect(error.message).to.match(
      new RegExp(
        `^Module "users" could not be imported from ${record.entry!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `,
      ),
    );
    expect(error.details).to.deep.equal({module: 'users', entry: record.entry});
    expect(error.cause).to.be.instanceOf(SyntaxError);
  });
});
