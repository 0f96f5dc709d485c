import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {expect} from 'chai';
import {pendingBumps} from '../lib/changesets.mjs';

describe('pendingBumps', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'surface-changesets-'));
  });
  afterEach(() => rmSync(dir, {recursive: true, force: true}));

  it('gives each package the highest bump of any pending changeset, README aside', () => {
    writeFileSync(join(dir, 'README.md'), '---\n"@systemprompt/core": major\n---\n');
    writeFileSync(
      join(dir, 'a.md'),
      '---\n"@systemprompt/users": minor\n\'@systemprompt/auth\': major\n---\n\nText: major.\n',
    );
    writeFileSync(join(dir, 'b.md'), '---\n@systemprompt/users: major\nsystemprompt: patch\n---\n');
    writeFileSync(join(dir, 'c.md'), '---\r\n"@systemprompt/api": minor\r\n---\r\n');
    writeFileSync(join(dir, 'config.json'), '{}');
    expect(pendingBumps(dir)).to.deep.equal({
      '@systemprompt/users': 'major',
      '@systemprompt/auth': 'major',
      systemprompt: 'patch',
      '@systemprompt/api': 'minor',
    });
  });

  it('finds nothing where there is no changeset directory', () => {
    expect(pendingBumps(join(dir, 'none'))).to.deep.equal({});
  });
});
