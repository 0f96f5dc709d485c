import {readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {createTempHome, spawnCli, type TempHome} from '@systemprompt/testing';

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const echoModule = fileURLToPath(new URL('fixtures/echo-module', import.meta.url));

describe('module logging through the logger module (real bin, linked module)', () => {
  let home: TempHome;
  const logLines = async () => {
    const directory = join(home.path, 'data', 'logs');
    const files = (await readdir(directory)).filter((name) => name.startsWith('systemprompt.log'));
    const text = (await Promise.all(files.map((name) => readFile(join(directory, name), 'utf8')))).join('');
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as {level: number; module: string; msg: string});
  };

  beforeEach(async () => {
    home = await createTempHome();
    const link = await spawnCli(bin, ['plugins:link', echoModule, '--no-install'], {home: home.path});
    expect(link.exitCode, link.stderr).to.equal(0);
  });
  afterEach(() => home.remove());

  it('writes JSON lines at info to <data>/logs with the module name, and nothing on stderr', async () => {
    const run = await spawnCli(bin, ['echo:say', 'hi', '--json'], {home: home.path});
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.deep.equal({ok: true, data: {said: 'hi'}});
    expect(run.stderr).to.equal('');
    const mine = (await logLines()).filter((line) => line.module === 'echo');
    expect(mine.map((line) => line.msg)).to.deep.equal(['info: said hi']);
  });

  it('takes the file level from SYSTEMPROMPT_LOGGER_LEVEL', async () => {
    const run = await spawnCli(bin, ['echo:say', 'hi'], {home: home.path, env: {SYSTEMPROMPT_LOGGER_LEVEL: 'debug'}});
    expect(run.exitCode, run.stderr).to.equal(0);
    const lines = await logLines();
    const said = lines.filter((line) => line.module === 'echo' && line.msg.includes('said'));
    expect(said.map((line) => [line.level, line.msg])).to.deep.equal([
      [20, 'debug: said hi'],
      [30, 'info: said hi'],
    ]);
    // At debug the kernel's lifecycle calls show too, with module and phase.
    expect(lines.some((line) => line.module === 'echo' && line.msg === 'initialize echo')).to.equal(true);
  });

  it('prints readable debug logs on stderr with --verbose, leaving stdout to the result', async () => {
    const run = await spawnCli(bin, ['echo:say', 'hi', '--verbose', '--json'], {home: home.path});
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout).data).to.deep.equal({said: 'hi'});
    expect(run.stderr).to.match(/DEBUG.*debug: said hi/);
    expect(run.stderr).to.match(/INFO.*info: said hi/);
  });

  it('warns about an invalid level with the schema path, and runs the command without a logger', async () => {
    const run = await spawnCli(bin, ['echo:say', 'hi', '--json'], {
      home: home.path,
      env: {SYSTEMPROMPT_LOGGER_LEVEL: 'loud'},
    });
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout).warnings).to.deep.equal([
      'Configuration of module "logger" is invalid: /level: must be one of trace, debug, info, warn, error, fatal, silent; continuing without it',
    ]);
  });
});
