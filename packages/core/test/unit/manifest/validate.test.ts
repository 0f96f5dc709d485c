import {expect} from 'chai';
import type {ErrorObject} from 'ajv';
import {formatSchemaError, formatSchemaErrors} from '../../../src/manifest/schema-errors.js';
import {validateManifest} from '../../../src/manifest/validate.js';
import {caught} from '../helpers/errors.js';

const valid = {name: 'user-admin', version: '1.2.3-beta.1+build.5', type: 'service', description: 'Manages users'};

/** The MANIFEST_INVALID error for `data`, checked for code, exit code and source. */
function invalid(data: unknown, source = 'mods/demo/module.yaml') {
  const error = caught(() => validateManifest(data, source));
  expect(error.code).to.equal('MANIFEST_INVALID');
  expect(error.exitCode).to.equal(2);
  expect(error.message).to.match(new RegExp(`^${source.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is invalid: `));
  expect(error.details?.source).to.equal(source);
  expect(error.hint).to.include('manifest-schema.json');
  return {error, problems: error.details?.problems as string[]};
}

describe('validateManifest', () => {
  it('accepts a minimal manifest and returns it', () => {
    expect(validateManifest(valid)).to.equal(valid);
  });

  it('accepts a manifest using every property', () => {
    const full = {
      ...valid,
      provides: ['logger', 'database'],
      dependencies: ['config', 'auth-tokens'],
      config: {type: 'object', properties: {greeting: {type: 'string', default: 'hi'}}},
      permissions: [
        {name: 'users:read', description: 'Read users'},
        {name: 'users:*', description: 'Everything'},
      ],
      events: [{name: 'user.created', description: 'A user was created'}, {name: 'user.role.changed'}],
      tools: [{name: 'list_users', description: 'Lists users', permission: 'users:read'}],
      migrations: 'dist/migrations',
    };
    expect(validateManifest(full)).to.deep.equal(full);
  });

  it('rejects a missing required property and names it', () => {
    const {description: _description, ...manifest} = valid;
    const {problems} = invalid(manifest);
    expect(problems).to.deep.equal(['/: missing required property "description"']);
  });

  it('rejects a type outside the enum, at /type, listing the allowed values', () => {
    const {error, problems} = invalid({...valid, type: 'daemonic'});
    expect(problems).to.deep.equal(['/type: must be one of service, daemon, plugin, core, extension']);
    expect(error.message).to.include('/type: must be one of service, daemon, plugin, core, extension');
  });

  for (const name of ['UserAdmin', 'user_admin', '1users', 'users-', 'a--b', '']) {
    it(`rejects the name ${JSON.stringify(name)} at /name`, () => {
      const {problems} = invalid({...valid, name});
      expect(problems).to.have.length(1);
      expect(problems[0]).to.match(/^\/name: must match pattern /);
    });
  }

  it('rejects a name longer than 64 characters', () => {
    const {problems} = invalid({...valid, name: 'a'.repeat(65)});
    expect(problems).to.deep.equal(['/name: must NOT have more than 64 characters']);
  });

  it('rejects a version that is not semantic', () => {
    const {problems} = invalid({...valid, version: '1.0'});
    expect(problems[0]).to.match(/^\/version: must match pattern /);
  });

  it('rejects an unknown property and names it', () => {
    const {problems} = invalid({...valid, dependsOn: ['auth']});
    expect(problems).to.deep.equal(['/: unknown property "dependsOn"']);
  });

  it('rejects an unknown property inside a permission', () => {
    const {problems} = invalid({...valid, permissions: [{name: 'users:read', description: 'Read', scope: 'all'}]});
    expect(problems).to.deep.equal(['/permissions/0: unknown property "scope"']);
  });

  for (const name of ['users', 'users:', 'Users:read', 'users:Read', 'users:read:all']) {
    it(`rejects the permission name ${JSON.stringify(name)} at its path`, () => {
      const {problems} = invalid({
        ...valid,
        permissions: [
          {name: 'users:read', description: 'Read'},
          {name, description: 'Bad'},
        ],
      });
      expect(problems).to.have.length(1);
      expect(problems[0]).to.match(/^\/permissions\/1\/name: must match pattern /);
    });
  }

  it('rejects duplicate dependencies', () => {
    const {problems} = invalid({...valid, dependencies: ['auth', 'config', 'auth']});
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^\/dependencies: must NOT have duplicate items/);
  });

  it('rejects an unknown capability in provides', () => {
    const {problems} = invalid({...valid, provides: ['logger', 'queue']});
    expect(problems).to.deep.equal(['/provides/1: must be one of logger, config, database, identity, access, events']);
  });

  it('rejects an event name without a dot', () => {
    const {problems} = invalid({...valid, events: [{name: 'created'}]});
    expect(problems[0]).to.match(/^\/events\/0\/name: must match pattern /);
  });

  it('lists every problem at once, joined in the message', () => {
    const {error, problems} = invalid({name: 'Bad', version: '1.0.0', type: 'x', description: 'd', extra: true});
    expect(problems).to.have.members([
      '/: unknown property "extra"',
      '/type: must be one of service, daemon, plugin, core, extension',
      problems.find((problem) => problem.startsWith('/name: must match pattern'))!,
    ]);
    expect(problems).to.have.length(3);
    expect(error.message).to.equal(`mods/demo/module.yaml is invalid: ${problems.join('; ')}`);
  });

  it('rejects data that is not an object, at the root', () => {
    for (const data of [null, 'name: x', ['a']]) expect(invalid(data).problems).to.deep.equal(['/: must be object']);
  });

  it('names module.yaml as the source by default', () => {
    const error = caught(() => validateManifest({}));
    expect(error.message).to.match(/^module\.yaml is invalid: /);
  });
});

describe('formatSchemaError', () => {
  const error = (partial: Partial<ErrorObject>): ErrorObject =>
    ({instancePath: '', schemaPath: '#', keyword: 'type', params: {}, ...partial}) as ErrorObject;

  it('writes the path and ajv message, with "/" for the root and a fallback message', () => {
    expect(formatSchemaError(error({instancePath: '/port', message: 'must be integer'}))).to.equal(
      '/port: must be integer',
    );
    expect(formatSchemaError(error({message: 'must be object'}))).to.equal('/: must be object');
    expect(formatSchemaError(error({instancePath: '/x'}))).to.equal('/x: is invalid');
  });

  it('names the unknown property, the missing property and the allowed values', () => {
    expect(
      formatSchemaError(error({keyword: 'additionalProperties', params: {additionalProperty: 'colour'}})),
    ).to.equal('/: unknown property "colour"');
    expect(formatSchemaError(error({keyword: 'required', params: {missingProperty: 'name'}}))).to.equal(
      '/: missing required property "name"',
    );
    expect(
      formatSchemaError(error({instancePath: '/level', keyword: 'enum', params: {allowedValues: ['info', 1, null]}})),
    ).to.equal('/level: must be one of info, 1, null');
  });

  it('formats no errors as no problems', () => {
    expect(formatSchemaErrors(null)).to.deep.equal([]);
    expect(formatSchemaErrors(undefined)).to.deep.equal([]);
  });
});
