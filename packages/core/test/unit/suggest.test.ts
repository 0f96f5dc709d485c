import {expect} from 'chai';
import {editDistance} from '../../src/suggest.js';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('users:lst', 'users:list')).to.equal(1);
    expect(editDistance('usrs:list', 'users:list')).to.equal(1);
    expect(editDistance('logger.levl', 'logger.level')).to.equal(1);
    expect(editDistance('kitten', 'sitting')).to.equal(3);
    expect(editDistance('', 'abc')).to.equal(3);
    expect(editDistance('same', 'same')).to.equal(0);
  });
});
