import {execFile} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {expect} from 'chai';
import {npmErrorLine} from '../../../src/services/npm-error.js';

const run = promisify(execFile);
/** A registry on a closed loopback port: npm fails at once. */
const DEAD_REGISTRY = ['--registry=http://127.0.0.1:9/', '--fetch-retries=0'];

/** Runs npm as given and returns what it threw (it must fail). */
async function failedNpm(args: string[], cwd: string): Promise<unknown> {
  try {
    await run('npm', args, {cwd});
  } catch (error) {
    return error;
  }
  throw new Error(`npm ${args.join(' ')} succeeded`);
}

describe('npmErrorLine', () => {
  let project: string;
  let logs: string;
  const logsBefore = process.env.npm_config_logs_dir;

  beforeEach(async () => {
    project = await mkdtemp(join(tmpdir(), 'npm-error-project-'));
    logs = await mkdtemp(join(tmpdir(), 'npm-error-logs-'));
    process.env.npm_config_logs_dir = logs;
    await writeFile(join(project, 'package.json'), '{"private": true}\n');
  });
  afterEach(async () => {
    if (logsBefore === undefined) delete process.env.npm_config_logs_dir;
    else process.env.npm_config_logs_dir = logsBefore;
    await rm(project, {recursive: true, force: true});
    await rm(logs, {recursive: true, force: true});
  });

  it("takes npm's own error line from the output npm printed", async () => {
    const error = await failedNpm(['install', 'left-pad', ...DEAD_REGISTRY], project);
    expect(npmErrorLine(error)).to.equal(
      'npm error FetchError: request to http://127.0.0.1:9/left-pad failed, reason: connect ECONNREFUSED 127.0.0.1:9',
    );
  });

  it("finds the line in npm's debug log when npm ran silent and the error only has its exit code (as plugins:install --silent throws)", async () => {
    const args = ['install', 'left-pad', '--omit', 'dev', '--no-audit', '--loglevel=silent', ...DEAD_REGISTRY];
    const error = await failedNpm(args, project);
    expect((error as {stderr: string}).stderr).to.equal('');
    // @oclif/plugin-plugins's spawn.js reports a failed npm with only this.
    const pluginsError = new Error(
      `${process.execPath} /usr/lib/node_modules/npm/bin/npm-cli.js ${args.join(' ')} exited with code 1`,
    );
    expect(npmErrorLine(pluginsError)).to.equal(
      'npm error FetchError: request to http://127.0.0.1:9/left-pad failed, reason: connect ECONNREFUSED 127.0.0.1:9',
    );
  });

  it('does not take the log of another npm run', async () => {
    await failedNpm(['install', 'left-pad', '--loglevel=silent', ...DEAD_REGISTRY], project);
    const pluginsError = new Error(
      `${process.execPath} /usr/lib/node_modules/npm/bin/npm-cli.js install is-odd --loglevel=silent exited with code 1`,
    );
    expect(npmErrorLine(pluginsError)).to.equal('npm install exited with code 1');
  });

  it('keeps the first line of any other error', () => {
    expect(npmErrorLine(new Error('spawn npm ENOENT\nmore'))).to.equal('spawn npm ENOENT');
  });
});
