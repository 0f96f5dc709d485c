import {chmod, mkdir, readdir, readFile, stat, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {Kernel, discoverModules, type LoggerProvider} from '@systemprompt/core/kernel';
import {resolveSystemPaths} from '@systemprompt/core';
import {createTempHome, type TempHome} from '@systemprompt/testing';
import {createLogging, logFileDirectory} from '../../src/logging.js';

const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

async function logLines(directory: string): Promise<Array<Record<string, unknown>>> {
  const files = (await readdir(directory)).filter((name) => name.startsWith('systemprompt.log')).sort();
  const text = (await Promise.all(files.map((name) => readFile(join(directory, name), 'utf8')))).join('');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('createLogging', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await createTempHome();
  });
  afterEach(() => home.remove());

  const options = (overrides = {}) => ({
    dataDirectory: join(home.path, 'data', 'modules', 'logger'),
    level: 'info',
    consoleLevel: 'silent',
    maxSize: '10m',
    maxFiles: 5,
    ...overrides,
  });

  it('writes structured JSON lines to <data>/logs, below the configured level only', async () => {
    const logging = await createLogging(options());
    const child = logging.root.child({module: 'users'});
    child.info({userId: 7}, 'user created');
    child.debug('not written at level info');
    await logging.close();
    const lines = await logLines(logFileDirectory(options().dataDirectory));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({level: 30, module: 'users', userId: 7, msg: 'user created'});
    expect(lines[0]!.time).to.match(/^\d{4}-\d\d-\d\dT/);
  });

  it('rotates by size and keeps at most maxFiles old files', async () => {
    const logging = await createLogging(options({maxSize: '1k', maxFiles: 2}));
    // The file is looked at after each 64 bytes written (a sixteenth of 1 KiB): lines past 1 KiB start a new file.
    for (let index = 0; index < 60; index++) {
      logging.root.info({index, padding: 'x'.repeat(100)}, 'line');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await logging.close();
    const files = (await readdir(logFileDirectory(options().dataDirectory))).filter((name) =>
      name.startsWith('systemprompt.log'),
    );
    expect(files.sort()).to.deep.equal(['systemprompt.log', 'systemprompt.log.1', 'systemprompt.log.2']);
  });
});

describe('createLogging start-up', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await createTempHome();
  });
  afterEach(() => home.remove());

  const options = () => ({
    dataDirectory: join(home.path, 'data', 'modules', 'logger'),
    level: 'info',
    consoleLevel: 'silent',
    maxSize: '10m',
    maxFiles: 5,
  });

  it('loads pino only when a record passes the level, and makes the log file either way', async () => {
    // A process of its own: whether pino is loaded is process-wide (CommonJS modules imported from ESM are in require.cache).
    const script = `
      import {createRequire} from 'node:module';
      import {createLogging} from ${JSON.stringify(join(packageRoot, 'dist/logging.js'))};
      const pinoLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((file) => /[\\/]pino[\\/]pino[.]js$/.test(file));
      const logging = await createLogging(JSON.parse(process.argv[1]));
      logging.root.child({module: 'quiet'}).debug('below the level');
      const quiet = pinoLoaded();
      logging.root.child({module: 'loud'}).warn('above the level');
      await logging.close();
      console.log(JSON.stringify({quiet, loud: pinoLoaded()}));`;
    const {execFileSync} = await import('node:child_process');
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(options())], {
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).to.deep.equal({quiet: false, loud: true});
    expect(await modeOf(join(logFileDirectory(options().dataDirectory), 'systemprompt.log'))).to.equal(0o600);
  });

  it('writes records made while pino loads in order, each with its bindings and the time it was made', async () => {
    const logging = await createLogging(options());
    const before = new Date().toISOString();
    const users = logging.root.child({module: 'users'});
    users.info({step: 1}, 'first');
    logging.root.child({module: 'auth'}).child({session: 's1'}).warn({step: 2}, 'second');
    users.error({step: 3}, 'third');
    const after = new Date().toISOString();
    await logging.close();
    const lines = await logLines(logFileDirectory(options().dataDirectory));
    expect(lines.map((line) => [line.step, line.module, line.msg])).to.deep.equal([
      [1, 'users', 'first'],
      [2, 'auth', 'second'],
      [3, 'users', 'third'],
    ]);
    expect(lines[1]).to.include({session: 's1', level: 40});
    for (const line of lines)
      expect(String(line.time) >= before && String(line.time) <= after, String(line.time)).to.equal(true);
  });

  it('closes without writing when nothing passed the level', async () => {
    const logging = await createLogging(options());
    logging.root.debug('dropped');
    await logging.close();
    expect(await logLines(logFileDirectory(options().dataDirectory))).to.deep.equal([]);
  });
});

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('createLogging file modes', () => {
  let home: TempHome;
  let umask: number;
  beforeEach(async () => {
    home = await createTempHome();
    umask = process.umask(0);
  });
  afterEach(async () => {
    process.umask(umask);
    await home.remove();
  });

  const options = (overrides = {}) => ({
    dataDirectory: join(home.path, 'data', 'modules', 'logger'),
    level: 'info',
    consoleLevel: 'silent',
    maxSize: '1k',
    maxFiles: 2,
    ...overrides,
  });

  it('makes the log directory 0700 and every log file 0600 even with umask 000, rotated files included', async () => {
    const logging = await createLogging(options());
    for (let index = 0; index < 40; index++) {
      logging.root.info({index, padding: 'x'.repeat(100)}, 'line');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await logging.close();
    const directory = logFileDirectory(options().dataDirectory);
    expect(await modeOf(directory)).to.equal(0o700);
    const files = (await readdir(directory)).filter((name) => name.startsWith('systemprompt.log')).sort();
    expect(files).to.deep.equal(['systemprompt.log', 'systemprompt.log.1', 'systemprompt.log.2']);
    for (const name of files) expect(await modeOf(join(directory, name)), name).to.equal(0o600);
  });

  it('narrows a log directory and log files left readable by an older version', async () => {
    const directory = logFileDirectory(options().dataDirectory);
    await mkdir(directory, {recursive: true});
    await chmod(directory, 0o755);
    for (const name of ['systemprompt.log', 'systemprompt.log.1'])
      await writeFile(join(directory, name), '{}\n', {mode: 0o644});
    const logging = await createLogging(options());
    await logging.close();
    expect(await modeOf(directory)).to.equal(0o700);
    expect(await modeOf(join(directory, 'systemprompt.log'))).to.equal(0o600);
    expect(await modeOf(join(directory, 'systemprompt.log.1'))).to.equal(0o600);
  });
});

describe('logger module', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await createTempHome();
  });
  afterEach(() => home.remove());

  it('boots first and gives every module a child logger that writes to the log file', async () => {
    const paths = resolveSystemPaths(undefined, {SYSTEMPROMPT_HOME: home.path});
    const modules = await discoverModules(
      [
        {
          name: '@systemprompt/logger',
          version: '0.1.0',
          root: packageRoot,
          type: 'core',
          pjson: {systemprompt: {module: './dist/index.js'}},
        },
      ],
      paths.cache,
    );
    expect(modules[0]!.error).to.equal(undefined);
    const kernel = new Kernel({modules, paths});
    await kernel.boot(['logger']);
    kernel.service<LoggerProvider>('logger').forModule('demo').warn({attempt: 2}, 'retrying');
    const [health] = await kernel.health();
    expect(health).to.include({module: 'logger', healthy: true});
    await kernel.stop();
    const lines = await logLines(join(paths.data, 'logs'));
    expect(lines.some((line) => line.module === 'demo' && line.msg === 'retrying' && line.attempt === 2)).to.equal(
      true,
    );
  });

  it('rejects an invalid level from configuration with the schema path', async () => {
    const paths = resolveSystemPaths(undefined, {SYSTEMPROMPT_HOME: home.path});
    const modules = await discoverModules(
      [
        {
          name: '@systemprompt/logger',
          version: '0.1.0',
          root: packageRoot,
          type: 'core',
          pjson: {systemprompt: {module: './dist/index.js'}},
        },
      ],
      paths.cache,
    );
    const kernel = new Kernel({modules, paths, configValues: () => ({level: 'loud'})});
    try {
      await kernel.boot(['logger']);
      expect.fail('boot should fail');
    } catch (error) {
      expect(error).to.include({code: 'CONFIG_INVALID', exitCode: 2});
      expect((error as Error).message).to.include(
        '/level: must be one of trace, debug, info, warn, error, fatal, silent',
      );
    }
  });
});
