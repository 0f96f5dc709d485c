import {expect} from 'chai';
import {unavailable} from '../../../src/errors.js';
import type {ModuleManifest} from '../../../src/generated/module-manifest.js';
import type {ModuleRecord} from '../../../src/kernel/discovery.js';
import {bootOrder, implicitDependencies} from '../../../src/kernel/graph.js';
import {caught} from '../helpers/errors.js';

function record(name: string, manifest: Partial<ModuleManifest> = {}, extra: Partial<ModuleRecord> = {}): ModuleRecord {
  return {
    name,
    packageName: `@fixtures/${name}`,
    version: '1.0.0',
    root: `/modules/${name}`,
    source: 'core',
    enabled: true,
    manifest: {name, version: '1.0.0', type: 'service', description: name, ...manifest},
    entry: `/modules/${name}/module.mjs`,
    ...extra,
  };
}

const names = (records: ModuleRecord[]) => records.map((entry) => entry.name);

describe('bootOrder', () => {
  it('puts dependencies before the modules that need them', () => {
    const records = [
      record('app', {dependencies: ['users', 'auth']}),
      record('users', {dependencies: ['database']}),
      record('auth'),
      record('database'),
    ];
    expect(names(bootOrder(records, ['app']))).to.deep.equal(['database', 'users', 'auth', 'app']);
  });

  it('keeps the first package of a module name, as discovery does, when a later one reuses it', () => {
    const duplicate = record(
      'users',
      {},
      {packageName: '@other/users', error: unavailable('name already used', {code: 'MODULE_INVALID'})},
    );
    expect(bootOrder([record('users'), duplicate], ['users'])[0]!.packageName).to.equal('@fixtures/users');
  });

  it('refuses a disabled module, and a module whose dependency is disabled (exit 6)', () => {
    const records = [record('app', {dependencies: ['users']}), record('users', {}, {enabled: false})];
    expect(caught(() => bootOrder(records, ['users']))).to.include({code: 'MODULE_DISABLED', exitCode: 6});
    const error = caught(() => bootOrder(records, ['app']));
    expect(error.message).to.equal('Module "app" depends on "users", which is disabled');
  });

  it('boots only what the wanted modules need', () => {
    const records = [
      record('app', {dependencies: ['users']}),
      record('users'),
      record('mail'),
      record('cron', {dependencies: ['mail']}),
    ];
    expect(names(bootOrder(records, ['users']))).to.deep.equal(['users']);
    expect(names(bootOrder(records, ['cron']))).to.deep.equal(['mail', 'cron']);
  });

  it('lists a shared dependency of a diamond once, before both sides', () => {
    const records = [
      record('top', {dependencies: ['left', 'right']}),
      record('left', {dependencies: ['base']}),
      record('right', {dependencies: ['base']}),
      record('base'),
    ];
    expect(names(bootOrder(records, ['top']))).to.deep.equal(['base', 'left', 'right', 'top']);
  });

  it('lists a module wanted twice, or wanted and depended on, once', () => {
    const records = [record('a', {dependencies: ['b']}), record('b')];
    expect(names(bootOrder(records, ['b', 'a', 'a', 'b']))).to.deep.equal(['b', 'a']);
  });

  it('returns the records themselves', () => {
    const records = [record('a')];
    expect(bootOrder(records, ['a'])[0]).to.equal(records[0]);
  });

  it('returns nothing when nothing is wanted', () => {
    expect(bootOrder([record('a')], [])).to.deep.equal([]);
  });

  it('rejects a missing dependency with MODULE_DEPENDENCY_MISSING (exit 6), naming both modules', () => {
    const error = caught(() =>
      bootOrder([record('app', {dependencies: ['users']}), record('users', {dependencies: ['mailer']})], ['app']),
    );
    expect(error.code).to.equal('MODULE_DEPENDENCY_MISSING');
    expect(error.exitCode).to.equal(6);
    expect(error.message).to.equal('Module "users" depends on "mailer", which is not installed');
    expect(error.details).to.deep.equal({module: 'users', dependency: 'mailer'});
    expect(error.hint).to.include('mailer').and.to.include('users');
  });

  it('rejects a wanted module that is not installed with MODULE_NOT_INSTALLED (exit 6)', () => {
    const error = caught(() => bootOrder([record('a')], ['ghost']));
    expect(error.code).to.equal('MODULE_NOT_INSTALLED');
    expect(error.exitCode).to.equal(6);
    expect(error.message).to.equal('Module "ghost" is not installed');
  });

  it('rejects a cycle with MODULE_DEPENDENCY_CYCLE (exit 6), naming every module in it', () => {
    const records = [
      record('app', {dependencies: ['a']}),
      record('a', {dependencies: ['b']}),
      record('b', {dependencies: ['c']}),
      record('c', {dependencies: ['a']}),
    ];
    const error = caught(() => bootOrder(records, ['app']));
    expect(error.code).to.equal('MODULE_DEPENDENCY_CYCLE');
    expect(error.exitCode).to.equal(6);
    expect(error.message).to.equal('Dependency cycle between modules: a -> b -> c -> a');
    expect(error.details).to.deep.equal({cycle: ['a', 'b', 'c', 'a']});
  });

  it('rejects a module that depends on itself as a cycle', () => {
    const error = caught(() => bootOrder([record('a', {dependencies: ['a']})], ['a']));
    expect(error.code).to.equal('MODULE_DEPENDENCY_CYCLE');
    expect(error.details).to.deep.equal({cycle: ['a', 'a']});
  });

  it('rejects a dependency that cannot be loaded with MODULE_DEPENDENCY_BROKEN (exit 6), keeping its reason and hint', () => {
    const broken = unavailable('Module package @fixtures/users cannot be loaded: bad manifest', {
      code: 'MODULE_INVALID',
      hint: 'Fix users.',
    });
    const records = [record('app', {dependencies: ['users']}), record('users', {}, {error: broken})];
    const error = caught(() => bootOrder(records, ['app']));
    expect(error.code).to.equal('MODULE_DEPENDENCY_BROKEN');
    expect(error.exitCode).to.equal(6);
    expect(error.message).to.equal(
      'Module "app" depends on "users", which cannot be loaded: Module package @fixtures/users cannot be loaded: bad manifest',
    );
    expect(error.details).to.deep.equal({module: 'app', dependency: 'users'});
    expect(error.hint).to.equal('Fix users.');
  });

  it('throws the error of a wanted module that cannot be loaded', () => {
    const broken = unavailable('cannot be loaded', {code: 'MODULE_INVALID'});
    expect(caught(() => bootOrder([record('users', {}, {error: broken})], ['users']))).to.equal(broken);
  });

  it('boots a logger provider before every other module, without making it depend on itself', () => {
    const records = [record('app', {dependencies: ['users']}), record('users'), record('log', {provides: ['logger']})];
    expect(names(bootOrder(records, ['app']))).to.deep.equal(['log', 'users', 'app']);
    expect(names(bootOrder(records, ['log']))).to.deep.equal(['log']);
  });

  it('boots the dependencies of a logger provider before it', () => {
    const records = [
      record('log', {provides: ['logger'], dependencies: ['sink']}),
      record('sink', {provides: ['logger']}),
      record('app'),
    ];
    expect(names(bootOrder(records, ['app']))).to.deep.equal(['sink', 'log', 'app']);
  });

  it('does not boot a broken logger provider first', () => {
    const records = [
      record('log', {provides: ['logger']}, {error: unavailable('broken', {code: 'MODULE_INVALID'})}),
      record('app'),
    ];
    expect(names(bootOrder(records, ['app']))).to.deep.equal(['app']);
  });

  it('does not boot providers of other capabilities first', () => {
    const records = [record('db', {provides: ['database']}), record('app')];
    expect(names(bootOrder(records, ['app']))).to.deep.equal(['app']);
  });
});

describe('implicitDependencies', () => {
  it('names the loadable modules that provide the logger', () => {
    const records = [
      record('log', {provides: ['config', 'logger']}),
      record('db', {provides: ['database']}),
      record('broken-log', {provides: ['logger']}, {error: unavailable('x', {code: 'MODULE_INVALID'})}),
      record('plain'),
      {...record('unread'), manifest: undefined},
    ];
    expect(implicitDependencies(records)).to.deep.equal(['log']);
  });
});
