import {expect} from 'chai';
import {__CLASS__Service} from '../../src/services/__NAME__-service.js';

describe('__CLASS__Service', () => {
  it('greets with the configured greeting', () => {
    expect(new __CLASS__Service('Hi').hello(' Ada ')).to.deep.equal({message: 'Hi, Ada!'});
  });

  it('rejects an empty name with exit code 2', () => {
    expect(() => new __CLASS__Service('Hi').hello(' '))
      .to.throw()
      .with.property('exitCode', 2);
  });
});
