import {expect} from 'chai';
import {splitPassThrough} from '../../src/pass-through.js';

const flags = {
  format: {type: 'option'},
  json: {type: 'boolean'},
  output: {type: 'option'},
  top: {type: 'option', char: 't'},
  verbose: {type: 'boolean', char: 'v'},
};

describe('splitPassThrough', () => {
  it("splits at the first word that is neither a flag nor a flag's value", () => {
    expect(splitPassThrough(['--top', '5', '--json', 'users:list', '--json', '-v'], flags)).to.deep.equal({
      own: ['--top', '5', '--json'],
      command: ['users:list', '--json', '-v'],
    });
    expect(splitPassThrough(['-t', '3', '--output=x.cpuprofile', 'users:get', 'a@b.c'], flags)).to.deep.equal({
      own: ['-t', '3', '--output=x.cpuprofile'],
      command: ['users:get', 'a@b.c'],
    });
  });

  it('takes everything after -- as the command', () => {
    expect(splitPassThrough(['--json', '--', '--version'], flags)).to.deep.equal({
      own: ['--json'],
      command: ['--version'],
    });
  });

  it('leaves a command line with no command to oclif (which then says the argument is missing)', () => {
    expect(splitPassThrough(['--json'], flags)).to.deep.equal({own: ['--json'], command: []});
  });
});
