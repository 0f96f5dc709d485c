import {expect} from 'chai';
import {validateModuleConfig} from '../../../src/manifest/config.js';
import {rejected} from '../helpers/errors.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    greeting: {type: 'string', default: 'hello'},
    port: {type: 'integer', minimum: 1, default: 8080},
    token: {type: 'string', secret: true},
  },
};

describe('validateModuleConfig', () => {
  it('returns a copy of the values when the module has no config schema', async () => {
    const values = {anything: 1};
    const config = await validateModuleConfig('demo', undefined, values);
    expect(config).to.deep.equal({anything: 1});
    expect(config).not.to.equal(values);
  });

  it('fills in the defaults of the schema without changing the given values', async () => {
    const values = {port: 9000};
    expect(await validateModuleConfig('demo', schema, values)).to.deep.equal({greeting: 'hello', port: 9000});
    expect(values).to.deep.equal({port: 9000});
    expect(await validateModuleConfig('demo', schema)).to.deep.equal({greeting: 'hello', port: 8080});
  });

  it('knows the "secret" annotation', async () => {
    expect(await validateModuleConfig('demo', schema, {token: 't'})).to.deep.include({token: 't'});
  });

  it('rejects an invalid value with CONFIG_INVALID (exit 2), naming the module and every problem', async () => {
    const error = await rejected(validateModuleConfig('demo', schema, {port: 0, colour: 'red'}));
    expect(error.code).to.equal('CONFIG_INVALID');
    expect(error.exitCode).to.equal(2);
    expect(error.message).to.match(/^Configuration of module "demo" is invalid: /);
    expect(error.details?.module).to.equal('demo');
    expect(error.details?.problems).to.have.members(['/: unknown property "colour"', '/port: must be >= 1']);
    expect(error.hint).to.include('config:validate');
  });
});
