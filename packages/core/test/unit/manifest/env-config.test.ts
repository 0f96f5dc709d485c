import {expect} from 'chai';
import {configFromEnv, envVariableFor} from '../../../src/manifest/env-config.js';
import {caught} from '../helpers/errors.js';

const schema = {
  type: 'object',
  properties: {
    level: {type: 'string'},
    consoleLevel: {type: 'string'},
    maxFiles: {type: 'integer'},
    enabled: {type: 'boolean'},
    tags: {type: 'array'},
  },
};

describe('envVariableFor', () => {
  it('upper-snakes the module and the camelCase key', () => {
    expect(envVariableFor('logger', 'consoleLevel')).to.equal('SYSTEMPROMPT_LOGGER_CONSOLE_LEVEL');
    expect(envVariableFor('acme-notes', 'maxLength')).to.equal('SYSTEMPROMPT_ACME_NOTES_MAX_LENGTH');
  });
});

describe('configFromEnv', () => {
  it('reads one variable per schema property, typed by the schema', () => {
    const env = {
      SYSTEMPROMPT_LOGGER_LEVEL: 'debug',
      SYSTEMPROMPT_LOGGER_MAX_FILES: '3',
      SYSTEMPROMPT_LOGGER_ENABLED: 'off',
      SYSTEMPROMPT_LOGGER_TAGS: '["a"]',
      SYSTEMPROMPT_LOGGER_OTHER: 'x',
    };
    expect(configFromEnv('logger', schema, env)).to.deep.equal({
      level: 'debug',
      maxFiles: 3,
      enabled: false,
      tags: ['a'],
    });
  });

  it('is empty without a schema or without variables', () => {
    expect(configFromEnv('logger', undefined, {SYSTEMPROMPT_LOGGER_LEVEL: 'debug'})).to.deep.equal({});
    expect(configFromEnv('logger', schema, {})).to.deep.equal({});
  });

  it('rejects a value that does not fit the type with exit 2, naming the variable', () => {
    for (const env of [
      {SYSTEMPROMPT_LOGGER_MAX_FILES: 'many'},
      {SYSTEMPROMPT_LOGGER_ENABLED: 'maybe'},
      {SYSTEMPROMPT_LOGGER_TAGS: '[oops'},
    ]) {
      const error = caught(() => configFromEnv('logger', schema, env));
      expect(error.code).to.equal('CONFIG_ENV_INVALID');
      expect(error.exitCode).to.equal(2);
      expect(error.message).to.include(Object.keys(env)[0]!);
    }
  });
});
