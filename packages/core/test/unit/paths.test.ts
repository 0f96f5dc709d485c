import {join} from 'node:path';
import {homedir} from 'node:os';
import {expect} from 'chai';
import {modulePaths, resolveSystemPaths} from '../../src/paths.js';

describe('resolveSystemPaths', () => {
  const defaults = {configDir: '/defaults/config', dataDir: '/defaults/data', cacheDir: '/defaults/cache'};
  const xdg = {XDG_CONFIG_HOME: '/xdg/config', XDG_DATA_HOME: '/xdg/data', XDG_CACHE_HOME: '/xdg/cache'};

  it('puts everything under SYSTEMPROMPT_HOME when it is set, whatever the defaults and XDG say', () => {
    expect(resolveSystemPaths(defaults, {SYSTEMPROMPT_HOME: '/srv/sp', ...xdg})).to.deep.equal({
      home: '/srv/sp',
      config: join('/srv/sp', 'config'),
      data: join('/srv/sp', 'data'),
      cache: join('/srv/sp', 'cache'),
    });
  });

  it('trims SYSTEMPROMPT_HOME and ignores it when blank', () => {
    expect(resolveSystemPaths(undefined, {SYSTEMPROMPT_HOME: '  /srv/sp  '}).home).to.equal('/srv/sp');
    expect(resolveSystemPaths(defaults, {SYSTEMPROMPT_HOME: '   '})).to.deep.equal({
      home: undefined,
      config: '/defaults/config',
      data: '/defaults/data',
      cache: '/defaults/cache',
    });
  });

  it('uses the given defaults when SYSTEMPROMPT_HOME is not set', () => {
    expect(resolveSystemPaths(defaults, {...xdg})).to.deep.equal({
      home: undefined,
      config: '/defaults/config',
      data: '/defaults/data',
      cache: '/defaults/cache',
    });
  });

  it('falls back to the XDG variables without defaults', () => {
    expect(resolveSystemPaths(undefined, {...xdg})).to.deep.equal({
      home: undefined,
      config: join('/xdg/config', 'systemprompt'),
      data: join('/xdg/data', 'systemprompt'),
      cache: join('/xdg/cache', 'systemprompt'),
    });
  });

  it('falls back to the XDG locations under the home directory when the variables are unset or empty', () => {
    expect(resolveSystemPaths(undefined, {XDG_CONFIG_HOME: ''})).to.deep.equal({
      home: undefined,
      config: join(homedir(), '.config', 'systemprompt'),
      data: join(homedir(), '.local/share', 'systemprompt'),
      cache: join(homedir(), '.cache', 'systemprompt'),
    });
  });
});

describe('modulePaths', () => {
  it('gives a module its own data, config and cache directories', () => {
    const paths = {home: '/h', config: '/h/config', data: '/h/data', cache: '/h/cache'};
    expect(modulePaths(paths, 'users')).to.deep.equal({
      data: join('/h/data', 'modules', 'users'),
      config: join('/h/config', 'modules', 'users'),
      cache: join('/h/cache', 'modules', 'users'),
    });
  });
});
