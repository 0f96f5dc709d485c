import {readdir, readFile} from 'node:fs/promises';
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
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('createLogging', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await createTempHome();
  });
  afterEach(() => home.remove());

  const options = (overrides = {}) => ({dataDirectory: join(home.path, 'data', 'modules', 'logger'), level: 'info', consoleLevel: 'silent', maxSize: '10m', maxFiles: 5, ...overrides});

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
    // pino-roll checks the size after each write: every line beyond 1 KiB starts a new file.
    for (let index = 0; index < 60; index++) {
      logging.root.info({index, padding: 'x'.repeat(100)}, 'line');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await logging.close();
    const files = (await readdir(logFileDirectory(options().dataDirectory))).filter((name) => name.startsWith('systemprompt.log'));
    expect(files.sort()).to.deep.equal(['systemprompt.log', 'systemprompt.log.1', 'systemprompt.log.2']);
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
    const modules = await discoverModules([{name: '@systemprompt/logger', version: '0.1.0', root: packageRoot, type: 'core', pjson: {systemprompt: {module: './dist/index.js'}}}], paths.cache);
    expect(modules[0]!.error).to.equal(undefined);
    const kernel = new Kernel({modules, paths});
    await kernel.boot(['logger']);
    kernel.service<LoggerProvider>('logger').forModule('demo').warn({attempt: 2}, 'retrying');
    const [health] = await kernel.health();
    expect(health).to.include({module: 'logger', healthy: true});
    await kernel.stop();
    const lines = await logLines(join(paths.data, 'logs'));
    expect(lines.some((line) => line.module === 'demo' && line.msg === 'retrying' && line.attempt === 2)).to.equal(true);
  });

  it('rejects an invalid level from configuration with the schema path', async () => {
    const paths = resolveSystemPaths(undefined, {SYSTEMPROMPT_HOME: home.path});
    const modules = await discoverModules([{name: '@systemprompt/logger', version: '0.1.0', root: packageRoot, type: 'core', pjson: {systemprompt: {module: './dist/index.js'}}}], paths.cache);
    const kernel = new Kernel({modules, paths, configValues: () => ({level: 'loud'})});
    try {
      await kernel.boot(['logger']);
      expect.fail('boot should fail');
    } catch (error) {
      expect(error).to.include({code: 'CONFIG_INVALID', exitCode: 2});
      expect((error as Error).message).to.include('/level: must be one of trace, debug, info, warn, error, fatal, silent');
    }
  });
});
