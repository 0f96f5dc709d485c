import {execFile, spawn, type ChildProcessByStdio} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {Readable} from 'node:stream';
import {promisify} from 'node:util';
import {expect} from 'chai';
import {APP_BIN} from '@systemprompt/testing';
import {devCli, envelopes, type Cli} from './helpers.js';

const run = promisify(execFile);

// The developer's loop on a module that extension:create writes outside this repository (a temporary
// directory, no workspace around it) and npm installs, as a third-party author has it. npm install takes
// most of the time (the cache serves it: --prefer-offline); the rest is a few builds and runs.
describe('dev:* on a module package made by extension:create outside the workspace', function () {
  this.timeout(300_000);
  let scratch: string;
  let home: string;
  let directory: string;
  let cli: Cli;
  const file = (path: string) => join(directory, path);

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'systemprompt-dev-loop-'));
    home = join(scratch, 'home');
    await mkdir(home);
    directory = join(scratch, 'acme-loop');
    cli = await devCli(home);
    const created = await cli(['extension:create', 'acme-loop', '--directory', directory, '--json']);
    expect(created.exitCode, created.stderr).to.equal(0);
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: directory,
      maxBuffer: 64 * 1024 * 1024,
      env: {...process.env, npm_config_update_notifier: 'false'},
    });
  });
  after(() => rm(scratch, {recursive: true, force: true}));

  it("dev:test runs the package's mocha tests on a scratch home, removed afterwards", async () => {
    await writeFile(
      file('test/unit/home.test.ts'),
      `import {expect} from 'chai';\n\ndescribe('the scratch home', () => {\n  it('is where SYSTEMPROMPT_HOME points', () => {\n    process.stdout.write(\`SCRATCH_HOME=\${process.env.SYSTEMPROMPT_HOME}\\n\`);\n    expect(process.env.SYSTEMPROMPT_HOME).to.be.a('string');\n  });\n});\n`,
    );
    try {
      const tested = await cli(['dev:test', directory, '--json']);
      expect(tested.exitCode, tested.stderr).to.equal(0);
      const {data, meta} = JSON.parse(tested.stdout);
      expect(meta.root).to.equal(directory);
      expect(data).to.have.length(1);
      expect(data[0]).to.include({engine: 'sqlite', exitCode: 0, passing: 3, failing: 0});
      const scratchHome = /SCRATCH_HOME=(\S+)/.exec(tested.stderr)?.[1];
      expect(scratchHome).to.be.a('string').and.not.equal(home);
      expect(existsSync(scratchHome!), 'the scratch home is removed').to.equal(false);
    } finally {
      await rm(file('test/unit/home.test.ts'));
    }
    // Again on MySQL/MariaDB when the suite has one (CI sets SYSTEMPROMPT_TEST_MYSQL_URL).
    const mysql = process.env.SYSTEMPROMPT_TEST_MYSQL_URL;
    if (mysql) {
      const both = await cli(['dev:test', directory, '--database-url', mysql, '--json']);
      expect(both.exitCode, both.stderr).to.equal(0);
      expect(JSON.parse(both.stdout).data.map((row: {engine: string}) => row.engine)).to.deep.equal([
        'sqlite',
        'mysql',
      ]);
    }
    // A failing test is mocha's exit code (the number of failures).
    await writeFile(
      file('test/unit/fails.test.ts'),
      `describe('x', () => {\n  it('fails', () => {\n    throw new Error('no');\n  });\n});\n`,
    );
    try {
      const failing = await cli(['dev:test', directory]);
      expect(failing.exitCode).to.equal(1);
      expect(failing.stdout).to.match(/1 failing/);
    } finally {
      await rm(file('test/unit/fails.test.ts'));
    }
  });

  it("dev:lint lints it with the project's config, which it does not have, and finds an error", async () => {
    expect(existsSync(file('eslint.config.js'))).to.equal(false);
    const clean = await cli(['dev:lint', directory, '--json']);
    expect(clean.exitCode, clean.stdout + clean.stderr).to.equal(0);
    expect(JSON.parse(clean.stdout)).to.deep.include({data: []});
    expect(JSON.parse(clean.stdout).meta).to.include({config: 'shipped', errors: 0});
    await writeFile(file('src/shout.ts'), `export const shout = (text: string): void => console.log(text);\n`);
    try {
      const dirty = await cli(['dev:lint', directory, '--json']);
      expect(dirty.exitCode).to.equal(1);
      const [problem, ...others] = JSON.parse(dirty.stdout).data;
      expect(others).to.deep.equal([]);
      expect(problem).to.include({file: 'src/shout.ts', line: 1, severity: 'error', rule: 'no-console'});
    } finally {
      await rm(file('src/shout.ts'));
    }
  });

  it('dev:format rewrites a badly formatted file; --check only reports it', async () => {
    const ugly = `export const  ugly = {"a":1,b:[1,2,3]}\n`;
    await writeFile(file('src/ugly.ts'), ugly);
    try {
      const check = await cli(['dev:format', directory, '--check', '--json']);
      expect(check.exitCode).to.equal(1);
      expect(JSON.parse(check.stdout).data).to.deep.include({file: 'src/ugly.ts'});
      expect(await readFile(file('src/ugly.ts'), 'utf8')).to.equal(ugly);
      const formatted = await cli(['dev:format', directory]);
      expect(formatted.exitCode, formatted.stderr).to.equal(0);
      expect(formatted.stdout).to.contain('src/ugly.ts');
      expect(await readFile(file('src/ugly.ts'), 'utf8')).to.equal(`export const ugly = {a: 1, b: [1, 2, 3]};\n`);
      expect((await cli(['dev:format', directory, '--check'])).exitCode).to.equal(0);
    } finally {
      await rm(file('src/ugly.ts'));
    }
  });

  describe('linked by dev:watch', () => {
    let watcher: ChildProcessByStdio<null, Readable, Readable> | undefined;
    const lines: string[] = [];
    let stderr = '';
    const nextEvent = (predicate: (data: any) => boolean, what: string, timeoutMs = 90_000) =>
      new Promise<any>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${what} in ${timeoutMs} ms: ${lines.join('\n')}\n${stderr}`)),
          timeoutMs,
        );
        const check = () => {
          const index = lines.findIndex((line) => predicate(envelopes(line)[0]!.data));
          if (index < 0) return;
          const [line] = lines.splice(0, index + 1).slice(-1);
          clearTimeout(timer);
          watcher!.stdout.off('data', check);
          resolve(envelopes(line!)[0]!.data);
        };
        watcher!.stdout.on('data', check);
        check();
      });

    before(() => {
      watcher = spawn(process.execPath, [APP_BIN, 'dev:watch', directory, '--json'], {
        env: {
          ...process.env,
          SYSTEMPROMPT_HOME: home,
          SYSTEMPROMPT_DATABASE_URL: undefined,
          SYSTEMPROMPT_API_KEY: undefined,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let partial = '';
      watcher.stdout.on('data', (chunk: Buffer) => {
        const text = partial + chunk.toString('utf8');
        const complete = text.split('\n');
        partial = complete.pop()!;
        lines.push(...complete.filter((line) => line.trim() !== ''));
      });
      watcher.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    });
    after(() => {
      if (watcher && watcher.exitCode === null) watcher.kill('SIGKILL');
    });

    it('builds and links it, and an edit under src/ is rebuilt into what the linked command prints', async () => {
      expect(await nextEvent((data) => data.event === 'build', 'first build')).to.include({result: 'ok'});
      expect(await nextEvent((data) => data.event === 'link', 'link')).to.include({result: 'ok'});
      const hello = await cli(['acme-loop:hello', 'World', '--json']);
      expect(hello.exitCode, hello.stderr).to.equal(0);
      expect(JSON.parse(hello.stdout).data).to.deep.equal({message: 'Hello, World!'});

      const service = file('src/services/acme-loop-service.ts');
      const source = await readFile(service, 'utf8');
      expect(source).to.contain('`${this.greeting}, ${trimmed}!`');
      await writeFile(
        service,
        source.replace('`${this.greeting}, ${trimmed}!`', '`${this.greeting}, ${trimmed}! (edited)`'),
      );
      expect(await nextEvent((data) => data.event === 'build', 'rebuild')).to.include({result: 'ok'});
      const edited = await cli(['acme-loop:hello', 'World', '--json']);
      expect(JSON.parse(edited.stdout).data).to.deep.equal({message: 'Hello, World! (edited)'});

      // A type error is one line with tsc's first error; the package stays linked.
      await writeFile(file('src/broken.ts'), `export const broken: number = 'text';\n`);
      const failed = await nextEvent((data) => data.event === 'build', 'failing build');
      expect(failed.result).to.equal('errors');
      expect(failed.detail).to.match(/src\/broken\.ts.*error TS2322/);
      await rm(file('src/broken.ts'));
      expect(await nextEvent((data) => data.event === 'build', 'build after the fix')).to.include({result: 'ok'});

      const exited = new Promise<number | null>((resolve) => watcher!.on('exit', (code) => resolve(code)));
      watcher!.kill('SIGTERM');
      expect(await exited).to.equal(0);
    });

    it('dev:profile runs the linked command under the CPU profiler, writes the .cpuprofile and prints the top functions', async () => {
      const profile = join(scratch, 'hello.cpuprofile');
      const profiled = await cli(['dev:profile', '--top', '5', '--output', profile, 'acme-loop:hello', 'World']);
      expect(profiled.exitCode, profiled.stderr).to.equal(0);
      // The command's own output, then the table of the top functions.
      expect(profiled.stdout).to.contain('Hello, World! (edited)');
      const table = profiled.stdout.slice(profiled.stdout.indexOf('SELF MS')).trim().split('\n');
      expect(table[0]).to.match(/^SELF MS\s+PERCENT\s+FUNCTION\s+LOCATION/);
      expect(table.length).to.be.within(3, 7);
      expect(profiled.stderr).to.contain(`Wrote ${profile}`);
      const written = JSON.parse(await readFile(profile, 'utf8'));
      expect(written.samples.length).to.be.greaterThan(0);
      expect(written.timeDeltas.length).to.equal(written.samples.length);

      const json = await cli(['dev:profile', '--top', '3', '--json', '--output', profile, 'acme-loop:hello', 'World']);
      expect(json.exitCode, json.stderr).to.equal(0);
      const {data, meta} = JSON.parse(json.stdout);
      expect(data).to.have.length(3);
      expect(meta).to.include({file: profile, exitCode: 0});
      expect(data[0].selfMs).to.be.at.least(data[2].selfMs);
      for (const row of data) expect(row).to.have.all.keys('function', 'location', 'selfMs', 'percent');
    });
  });
});
