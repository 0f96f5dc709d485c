import {spawn} from 'node:child_process';
import {appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {expect} from 'chai';
import {APP_BIN, createTempHome, type TempHome} from '@systemprompt/testing';

const entry = (module: string, msg: string, level = 30) =>
  `${JSON.stringify({level, time: new Date().toISOString(), module, msg})}\n`;

const running = new Set<ReturnType<typeof spawn>>();

/** Runs a following command and collects its stdout, so the test can wait for what it expects to see. */
function follow(home: string, args: string[]) {
  const child = spawn(process.execPath, [APP_BIN, ...args], {
    env: {...process.env, SYSTEMPROMPT_HOME: home, SYSTEMPROMPT_DATABASE_URL: undefined},
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  running.add(child);
  const exited = new Promise<number | null>((done) =>
    child.on('exit', (code) => {
      running.delete(child);
      done(code);
    }),
  );
  /** Resolves once stdout holds `count` lines mentioning `text` (the child is stopped if that never happens). */
  const lines = async (count: number, text = ''): Promise<string[]> => {
    for (let waited = 0; waited < 200; waited++) {
      const seen = stdout.split('\n').filter((line) => line && line.includes(text));
      if (seen.length >= count) return seen;
      await new Promise((done) => setTimeout(done, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`expected ${count} lines, got: ${stdout}${stderr}`);
  };
  return {child, lines, exited, output: () => ({stdout, stderr})};
}

describe('modules:logs --follow (the bin)', function () {
  this.timeout(60_000);
  let home: TempHome;
  let log: string;

  beforeEach(async () => {
    home = await createTempHome();
    mkdirSync(join(home.path, 'data', 'logs'), {recursive: true});
    log = join(home.path, 'data', 'logs', 'systemprompt.log');
    writeFileSync(log, entry('acme', 'before the command'));
  });
  afterEach(async () => {
    // A failed assertion must not leave a follower running.
    for (const child of running) child.kill('SIGKILL');
    await home.remove();
  });

  it('prints the existing lines, then each new one as one JSON envelope per line, across a rotation, until Ctrl-C', async () => {
    const run = follow(home.path, ['modules:logs', '--follow', '--json', '--since', '1h']);
    await run.lines(1, '"acme"');
    appendFileSync(log, entry('acme', 'appended'));
    appendFileSync(log, entry('acme-two', 'another module', 20));
    await run.lines(3, '"acme');
    // Rotation: the file is renamed away and a new one started.
    renameSync(log, `${log}.1`);
    writeFileSync(log, entry('acme', 'after the rotation'));
    const lines = (await run.lines(4, '"acme'))
      .map((line) => JSON.parse(line) as {ok: boolean; data: {module: string; message: string; level: string}})
      .filter((line) => line.data.module.startsWith('acme'));
    expect(lines.every((line) => line.ok)).to.equal(true);
    expect(lines.map((line) => `${line.data.level} ${line.data.module} ${line.data.message}`)).to.deep.equal([
      'info acme before the command',
      'info acme appended',
      'debug acme-two another module',
      'info acme after the rotation',
    ]);
    run.child.kill('SIGINT');
    expect(await run.exited).to.equal(0);
  });

  it('filters by module and level, aligns table rows, and writes to --output as lines come', async () => {
    const output = join(home.path, 'follow.txt');
    const run = follow(home.path, ['modules:logs', 'acme', '--level', 'warn', '--follow', '--output', output]);
    await new Promise((done) => setTimeout(done, 1500));
    appendFileSync(log, entry('acme', 'an info line'));
    appendFileSync(log, entry('acme-two', 'another module', 50));
    appendFileSync(log, entry('acme', 'a warning', 40));
    for (let waited = 0; waited < 200 && !readFileSync(output, 'utf8').includes('a warning'); waited++)
      await new Promise((done) => setTimeout(done, 50));
    run.child.kill('SIGINT');
    expect(await run.exited).to.equal(0);
    const text = readFileSync(output, 'utf8');
    expect(text).to.match(/ warn +acme +a warning\n$/);
    expect(text).to.not.match(/an info line|another module/);
    expect(run.output().stdout).to.equal('');
  });
});
