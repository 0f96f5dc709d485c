import {execFileSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {readFile, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {createTempHome, runCli, type TempHome} from '@systemprompt/testing';
import {renderTemplate} from '../index.js';

const here = fileURLToPath(new URL('..', import.meta.url));
// Inside this package, so the generated module resolves core, typescript and mocha from its node_modules.
const target = join(here, '.generated', 'acme-notes');
const bin = (name: string) => join(here, 'node_modules', '.bin', name);

describe('module template', () => {
  let home: TempHome;
  before(async () => {
    await rm(target, {recursive: true, force: true});
    home = await createTempHome();
  });
  after(async () => {
    await rm(join(here, '.generated'), {recursive: true, force: true});
    await home.remove();
  });

  it('fills every placeholder', async () => {
    const files: string[] = await renderTemplate(target, {
      name: 'acme-notes',
      packageName: '@acme/systemprompt-notes',
      description: 'Keeps notes.',
      coreVersion: '^0.1.0',
    });
    expect(files).to.include.members([
      'module.yaml',
      'package.json',
      'src/index.ts',
      'src/entities.ts',
      'src/migrations/20261128000000-create-acme-notes-notes.ts',
      'src/commands/acme-notes/hello.ts',
      'src/commands/acme-notes/add.ts',
      'src/commands/acme-notes/list.ts',
      'test/unit/acme-notes-service.test.ts',
    ]);
    for (const file of files) expect(await readFile(join(target, file), 'utf8'), file).to.not.match(/__[A-Z_]+__/);
  }).timeout(10_000);

  it('builds as generated (tsc and the oclif manifest)', () => {
    execFileSync(bin('tsc'), ['-p', '.'], {cwd: target, stdio: 'pipe'});
    execFileSync(bin('oclif'), ['manifest'], {cwd: target, stdio: 'pipe'});
    expect(existsSync(join(target, 'dist', 'commands', 'acme-notes', 'hello.js'))).to.equal(true);
    expect(existsSync(join(target, 'oclif.manifest.json'))).to.equal(true);
  });

  it('passes its own tests as generated', () => {
    const output = execFileSync(bin('mocha'), ['--import=tsx', 'test/**/*.test.ts'], {cwd: target, encoding: 'utf8'});
    expect(output).to.match(/2 passing/);
  });

  it('is a module whose command runs through the kernel with its config default', async () => {
    const run = await runCli(['acme-notes:hello', 'Ada', '--json'], {root: target, home: home.path});
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.json()).to.deep.equal({ok: true, data: {message: 'Hello, Ada!'}});
    const empty = await runCli(['acme-notes:hello', ' '], {root: target, home: home.path});
    expect(empty.exitCode).to.equal(2);
    expect(empty.stderr).to.equal('A name is required\nHint: Pass a name, e.g. "Ada".\n');
  });

  it('migrates its own table on first use and writes to it', async () => {
    const add = await runCli(['acme-notes:add', 'buy milk', '--json'], {root: target, home: home.path});
    expect(add.exitCode, add.stderr).to.equal(0);
    expect(add.json().data).to.include({id: 1, text: 'buy milk'});
    const list = await runCli(['acme-notes:list', '--json'], {root: target, home: home.path});
    expect(list.json().data.map((note: {text: string}) => note.text)).to.deep.equal(['buy milk']);
    const status = await runCli(['database:status', '--json'], {root: target, home: home.path});
    expect(status.json().data.tablesByModule['acme-notes']).to.equal(1);
  });
});
