import {expect} from 'chai';
import {permissionCovers, permissionMatches, permissionsCover} from '../../src/permissions.js';

describe('permissionCovers (the escalation rule\'s "does what I hold cover what I give?")', () => {
  const cases: Array<[string, string, boolean]> = [
    ['*', '*', true],
    ['*', 'users:*', true],
    ['*', '*:read', true],
    ['*', 'users:read', true],
    ['users:*', 'users:*', true],
    ['users:*', 'users:read', true],
    ['users:*', 'roles:read', false],
    ['users:*', '*:read', false],
    ['users:*', '*', false],
    ['*:read', '*:read', true],
    ['*:read', 'users:read', true],
    ['*:read', 'users:*', false],
    ['*:read', '*', false],
    ['*:read', '*:write', false],
    ['users:read', 'users:read', true],
    ['users:read', 'users:*', false],
    ['users:read', '*:read', false],
    ['users:read', '*', false],
    ['users:read', 'users:create', false],
  ];
  for (const [held, requested, covered] of cases) {
    it(`${held} ${covered ? 'covers' : 'does not cover'} ${requested}`, () => {
      expect(permissionCovers(held, requested)).to.equal(covered);
    });
  }

  it('agrees with permissionMatches on every exact permission', () => {
    for (const held of ['*', 'users:*', '*:read', 'users:read']) {
      for (const wanted of ['users:read', 'users:create', 'roles:read'])
        expect(permissionCovers(held, wanted), `${held} / ${wanted}`).to.equal(permissionMatches(held, wanted));
    }
  });

  it('never adds several exact permissions up to a wildcard', () => {
    expect(permissionsCover(['users:read', 'users:create', 'users:update', 'users:delete'], 'users:*')).to.equal(false);
    expect(permissionsCover(['users:read', 'users:*'], 'users:*')).to.equal(true);
    expect(permissionsCover([], 'users:read')).to.equal(false);
  });
});
