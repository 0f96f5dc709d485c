import {expect} from 'chai';
import {validateModuleConfig} from '@systemprompt/core';
import {layerModuleConfig} from '@systemprompt/core/config';
import type {ModuleRecord} from '@systemprompt/core/kernel';
import {SchemaCatalog, closest} from '../../../src/services/schema-catalog.js';

// A third-party module's schema with the annotations of SystemPrompt OS (no precompiled validator:
// ajv compiles it in strict mode, which refuses keywords it does not know).
const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    allowAnonymous: {type: 'boolean', default: false, security: true},
    pinnedHost: {type: 'string', hostOnly: true},
    webhook: {
      type: 'object',
      security: true,
      properties: {url: {type: 'string'}, secret: {type: 'string', secret: true}},
    },
    title: {type: 'string'},
  },
};
const record = (name: string, config: Record<string, unknown>) =>
  ({name, packageName: `@acme/${name}`, manifest: {config}, configValidator: undefined}) as unknown as ModuleRecord;

describe('SchemaCatalog', () => {
  const catalog = new SchemaCatalog([
    record('notes', schema),
    record('auth', {type: 'object', properties: {sessionTtlHours: {type: 'integer'}}}),
    record('database', {type: 'object', properties: {url: {type: 'string'}, poolSize: {type: 'integer'}}}),
  ]);
  const marks = (key: string) => {
    const spec = catalog.setting(key);
    return {secret: spec.secret, security: spec.security, hostOnly: spec.hostOnly};
  };

  it('marks security settings: annotated ones and those under an annotated group, host-only ones, every auth.* key and database.url', () => {
    expect(marks('notes.allowAnonymous')).to.deep.equal({secret: false, security: true, hostOnly: false});
    expect(marks('notes.pinnedHost')).to.deep.equal({secret: false, security: true, hostOnly: true});
    expect(marks('notes.webhook.secret')).to.deep.equal({secret: true, security: true, hostOnly: false});
    expect(marks('notes.title')).to.deep.equal({secret: false, security: false, hostOnly: false});
    expect(marks('auth.sessionTtlHours')).to.include({security: true});
    expect(marks('database.url')).to.include({security: true});
    expect(marks('database.poolSize')).to.include({security: false});
  });

  it('lists the environment variables of top-level keys, a group counting as security when anything in it is', () => {
    expect(
      catalog
        .envVariables()
        .filter((variable) => variable.module === 'notes')
        .map(({name, security, secret}) => [name, security, secret]),
    ).to.deep.equal([
      ['SYSTEMPROMPT_NOTES_ALLOW_ANONYMOUS', true, false],
      ['SYSTEMPROMPT_NOTES_PINNED_HOST', true, false],
      ['SYSTEMPROMPT_NOTES_TITLE', false, false],
      ['SYSTEMPROMPT_NOTES_WEBHOOK', true, true],
    ]);
  });

  it('suggests the closest name for a typo, and nothing for a name far from all', () => {
    const names = catalog.envVariables().map((variable) => variable.name);
    expect(closest('SYSTEMPROMPT_NOTES_TITEL', names)).to.equal('SYSTEMPROMPT_NOTES_TITLE');
    expect(closest('SYSTEMPROMPT_SOMETHING_ELSE_ENTIRELY', names)).to.equal(undefined);
  });
});

describe('the annotations in the configuration layers', () => {
  it('are accepted by ajv in strict mode', async () => {
    const values = {allowAnonymous: true, pinnedHost: 'a', webhook: {url: 'u', secret: 's'}};
    expect(await validateModuleConfig('notes', schema, values, undefined)).to.deep.equal(values);
  });

  it('keep a host-only key out of the runtime layer, whatever it holds, and let the others through', async () => {
    const layered = await layerModuleConfig('notes', schema, {
      file: {notes: {pinnedHost: 'from-file'}},
      env: {SYSTEMPROMPT_NOTES_TITLE: 'from-env'},
      runtime: {notes: {pinnedHost: 'from-runtime', title: 'from-runtime', allowAnonymous: true}},
    });
    expect(layered.values).to.deep.equal({pinnedHost: 'from-file', title: 'from-runtime', allowAnonymous: true});
    expect(layered.sources).to.deep.equal({pinnedHost: 'file', title: 'runtime', allowAnonymous: 'runtime'});
  });
});
