import {expect} from 'chai';
import type {ModuleRecord} from '@systemprompt/core/kernel';
import {dependencyRelation} from '../../../src/services/sources.js';

const record = (name: string, dependencies: string[], extra: Partial<ModuleRecord> = {}): ModuleRecord => ({
  name,
  packageName: `@example/${name}`,
  version: '1.0.0',
  root: `/modules/${name}`,
  source: 'core',
  enabled: true,
  manifest: {name, version: '1.0.0', type: 'core', description: name, dependencies},
  ...extra,
});

describe('dependencyRelation', () => {
  const modules = [
    record('database', []),
    record('users', ['database']),
    record('api', ['users']),
    record('auth', ['database', 'users', 'api'], {enabled: false}),
    record('orphan', ['missing']),
  ];
  const dependsOn = dependencyRelation(modules);

  it('follows dependencies through other modules, and a disabled module still has its own', () => {
    expect(dependsOn('api', 'users')).to.equal(true);
    expect(dependsOn('api', 'database')).to.equal(true);
    expect(dependsOn('auth', 'users')).to.equal(true);
  });

  it('is not symmetric, and a module does not depend on itself', () => {
    expect(dependsOn('users', 'api')).to.equal(false);
    expect(dependsOn('users', 'users')).to.equal(false);
  });

  it('gives a module whose dependency is missing no dependencies (it never booted)', () => {
    expect(dependsOn('orphan', 'database')).to.equal(false);
    expect(dependsOn('orphan', 'missing')).to.equal(false);
  });
});
