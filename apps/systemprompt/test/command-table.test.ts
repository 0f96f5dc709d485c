import {execFileSync} from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {APP_BIN, APP_ROOT, createTempHome, spawnCli, type TempHome} from '@systemprompt/testing';

const acmeNotes = fileURLToPath(new URL('fixtures/acme-notes', import.meta.url));
// No registry can be reached: installing the packed fixture must need nothing from the network.
const OFFLINE = {npm_config_registry: 'http://127.0.0.1:9/', npm_config_offline: 'true'};
// Preloaded into every run: counts, at exit, the @oclif modules the process loaded.
const PROBE = `process.on('exit', () => require('node:fs').writeFileSync(process.env.PROBE_FILE_OF_OCLIF_MODULES, String(Object.keys(require.cache).filter((file) => file.includes('@oclif')).length)));\n`;

interface Run {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** How many @oclif modules the process loaded: none when the table answered. */
  oclifModules: number;
}

/**
 * `--help`, cli:list, cli:help and help are answered from a table of what oclif printed, without loading
 * oclif: byte for byte what oclif prints (SYSTEMPROMPT_NO_COMMAND_TABLE=1 makes oclif answer), and
 * never from a table older than the installed plugins and their manifests.
 */
describe('the command table (the bin, without oclif, for commands that only read command metadata)', function () {
  this.timeout(300_000);
  let scratch: string;
  let home: TempHome;

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'systemprompt-command-table-'));
    writeFileSync(join(scratch, 'probe.cjs'), PROBE);
  });
  after(() => rmSync(scratch, {recursive: true, force: true}));

  const run = async (args: string[], env: Record<string, string> = {}): Promise<Run> => {
    const probe = join(scratch, 'oclif-modules');
    rmSync(probe, {force: true});
    const result = await spawnCli(APP_BIN, args, {
      home: home.path,
      env: {
        ...OFFLINE,
        npm_config_cache: join(scratch, 'npm-cache'),
        NODE_OPTIONS: `--require ${join(scratch, 'probe.cjs')}`,
        PROBE_FILE_OF_OCLIF_MODULES: probe,
        ...env,
      },
      timeoutMs: 180_000,
    });
    return {...result, oclifModules: Number(readFileSync(probe, 'utf8'))};
  };
  const byOclif = (args: string[]) => run(args, {SYSTEMPROMPT_NO_COMMAND_TABLE: '1'});
  const table = () => join(home.path, 'cache', 'command-table');
  const tableVersion = () => {
    const stats = statSync(table(), {throwIfNoEntry: false});
    return stats ? `${stats.ino}:${stats.mtimeMs}` : '-';
  };
  /**
   * A run expected to be answered from the table. When that run rebuilt the table instead, a file it
   * depends on changed meanwhile (in a shared checkout, a package being rebuilt): the next run must then
   * be answered from it. A run that loads oclif and leaves the table as it was fails.
   */
  const fromTable = async (args: string[]): Promise<Run> => {
    const before = tableVersion();
    const result = await run(args);
    return result.oclifModules > 0 && tableVersion() !== before ? run(args) : result;
  };
  const output = ({stdout, stderr, exitCode}: Run) => ({stdout, stderr, exitCode});

  describe('prints what oclif prints', () => {
    before(async () => {
      home = await createTempHome();
      // The first metadata command builds the table (through oclif); the next ones read it.
      const first = await run(['--help']);
      expect(first.oclifModules).to.be.greaterThan(0);
    });
    after(() => home.remove());

    const answered = [
      [],
      ['--help'],
      ['-h'],
      ['users:list', '--help'],
      ['--help', 'users:create'],
      ['plugins:install', '--help'],
      ['users'],
      ['help'],
      ['help', 'config'],
      ['cli:help'],
      ['cli:help', 'users:create'],
      ['cli:help', 'users', 'create', '--json'],
      ['cli:list'],
      ['cli:list', '--json'],
      ['cli:list', '--topic', 'users'],
      ['cli:list', '--topic=users', '--limit', '2', '--page', '2'],
      ['cli:list', '--search', 'list', '--sort', 'summary', '--order', 'desc', '--json'],
      ['cli:list', '--filter', 'topic=cli', '-q'],
    ];
    for (const args of answered) {
      it(`answers "${args.join(' ') || '(no arguments)'}" from the table, exactly as oclif`, async () => {
        const expected = await byOclif(args);
        expect(expected.oclifModules).to.be.greaterThan(0);
        const actual = await fromTable(args);
        expect(actual.oclifModules, 'oclif modules loaded').to.equal(0);
        expect(output(actual)).to.deep.equal(output(expected));
        expect(actual.exitCode).to.equal(0);
      });
    }

    const leftToOclif: Array<[string[], number]> = [
      [['cli:list', '--sort', 'nope'], 2],
      [['cli:list', '--colour'], 2],
      [['cli:list', '--limit', '20000'], 2],
      [['cli:list', '--format', 'yaml', '--topic', 'cli'], 0],
      [['cli:help', 'users:fly'], 3],
      [['users:lst', '--help'], 2],
      [['help', 'users:lst'], 2],
      [['users:lst'], 2],
    ];
    for (const [args, exitCode] of leftToOclif) {
      it(`leaves "${args.join(' ')}" to oclif (exit ${exitCode})`, async () => {
        const expected = await byOclif(args);
        const actual = await run(args);
        expect(actual.oclifModules, 'oclif modules loaded').to.be.greaterThan(0);
        expect(output(actual)).to.deep.equal(output(expected));
        expect(actual.exitCode).to.equal(exitCode);
      });
    }

    it('is rebuilt when damaged, and the damaged one is never printed from', async () => {
      // Cut after its header: the header still reads, the texts it points to are gone.
      const bytes = readFileSync(table());
      writeFileSync(table(), bytes.subarray(0, bytes.indexOf('\n') + 10));
      const expected = await byOclif(['--help']);
      const damaged = await run(['--help']);
      expect(damaged.oclifModules).to.be.greaterThan(0);
      expect(output(damaged)).to.deep.equal(output(expected));
      const rebuilt = await fromTable(['--help']);
      expect(rebuilt.oclifModules).to.equal(0);
      expect(output(rebuilt)).to.deep.equal(output(expected));
    });

    it('is rebuilt whole by concurrent commands, which all print what oclif prints, with no temporary file left', async () => {
      rmSync(table());
      const expected = await byOclif(['cli:list', '--json']);
      const runs = await Promise.all([1, 2, 3, 4].map(() => run(['cli:list', '--json'])));
      for (const concurrent of runs) expect(output(concurrent)).to.deep.equal(output(expected));
      const after = await fromTable(['cli:list', '--json']);
      expect(after.oclifModules).to.equal(0);
      expect(output(after)).to.deep.equal(output(expected));
      expect(readdirSync(join(home.path, 'cache')).filter((name) => name.includes('command-table'))).to.deep.equal([
        'command-table',
      ]);
    });
  });

  describe('is never stale', () => {
    let tarball: string;
    let linked: string;

    before(async () => {
      home = await createTempHome();
      const packed = execFileSync('npm', ['pack', acmeNotes, '--pack-destination', scratch, '--silent'], {
        encoding: 'utf8',
      })
        .trim()
        .split('\n')
        .pop()!;
      tarball = join(scratch, packed);
      linked = join(scratch, 'linked-acme-notes');
      cpSync(acmeNotes, linked, {recursive: true});
    });
    after(() => home.remove());

    /**
     * The acme-notes commands cli:list shows. The first run after a change sees the table out of date
     * and lets oclif answer; the next one is answered from the rebuilt table, alike.
     */
    const acmeCommands = async (): Promise<string[]> => {
      const first = await run(['cli:list', '--topic', 'acme-notes', '--json']);
      expect(first.exitCode, first.stderr).to.equal(0);
      expect(first.oclifModules, 'the out-of-date table is not used').to.be.greaterThan(0);
      const again = await fromTable(['cli:list', '--topic', 'acme-notes', '--json']);
      expect(again.oclifModules, 'answered from the rebuilt table').to.equal(0);
      expect(output(again)).to.deep.equal(output(first));
      return (JSON.parse(first.stdout) as {data: Array<{id: string; summary: string}>}).data.map(
        (row) => `${row.id}: ${row.summary}`,
      );
    };
    const plugins = async (...args: string[]) => {
      const result = await run(['plugins:' + args[0]!, ...args.slice(1)]);
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).to.equal(0);
    };

    it('follows a plugin installed, removed, linked, edited in place and unlinked', async () => {
      expect(await acmeCommands()).to.deep.equal([]);

      await plugins('install', `file:${tarball}`);
      expect(await acmeCommands()).to.deep.equal(['acme-notes:add: Add a note.', 'acme-notes:list: List notes.']);

      await plugins('uninstall', '@acme/systemprompt-notes');
      expect(await acmeCommands()).to.deep.equal([]);

      await plugins('link', linked, '--no-install');
      expect(await acmeCommands()).to.deep.equal(['acme-notes:add: Add a note.', 'acme-notes:list: List notes.']);

      // Edited in place, to a summary of the same length: the file keeps its size and only its times change.
      const manifest = join(linked, 'oclif.manifest.json');
      writeFileSync(
        manifest,
        readFileSync(manifest, 'utf8').replace('"summary": "Add a note."', '"summary": "Add a memo."'),
      );
      expect(await acmeCommands()).to.deep.equal(['acme-notes:add: Add a memo.', 'acme-notes:list: List notes.']);
      const help = await fromTable(['acme-notes:add', '--help']);
      expect(help.oclifModules).to.equal(0);
      expect(help.stdout).to.match(/^Add a memo\.\n/);

      await plugins('uninstall', '@acme/systemprompt-notes');
      expect(await acmeCommands()).to.deep.equal([]);
    });

    it('runs every other command with the plugins as they are: the plugin snapshot it starts from follows the same changes', async () => {
      const snapshot = join(home.path, 'cache', 'oclif-plugins');
      const snapshotVersion = () => {
        const stats = statSync(snapshot, {throwIfNoEntry: false});
        return stats ? `${stats.ino}:${stats.mtimeMs}` : '-';
      };
      const errorCode = (result: Run) => (JSON.parse(result.stdout) as {error?: {code: string}}).error?.code;
      /** A command through oclif: what it prints is what a full load of the plugins prints. */
      const command = async (args: string[]): Promise<Run> => {
        const result = await run(args);
        expect(result.oclifModules).to.be.greaterThan(0);
        expect(output(result)).to.deep.equal(output(await byOclif(args)));
        return result;
      };

      const missing = await command(['acme-notes:list', '--json']);
      expect([missing.exitCode, errorCode(missing)]).to.deep.equal([2, 'COMMAND_NOT_FOUND']);

      // Its commands import the host's core and database, as an installed module's do.
      for (const name of ['core', 'database']) {
        mkdirSync(join(linked, 'node_modules', '@systemprompt'), {recursive: true});
        symlinkSync(
          realpathSync(join(APP_ROOT, 'node_modules', '@systemprompt', name)),
          join(linked, 'node_modules', '@systemprompt', name),
          'dir',
        );
      }
      await plugins('link', linked, '--no-install');
      const listed = await command(['acme-notes:list', '--json']);
      expect(listed.exitCode, listed.stderr).to.equal(0);
      // The next run starts from the snapshot the first one wrote (it is not written again), alike.
      const version = snapshotVersion();
      expect(JSON.parse(readFileSync(snapshot, 'utf8').split('\n')[0]!)).to.include({usable: true});
      expect(output(await run(['acme-notes:list', '--json']))).to.deep.equal(output(listed));
      expect(snapshotVersion()).to.equal(version);

      // Edited in place: the manifest gives acme-notes:list an alias, which runs it from then on.
      const unknownAlias = await command(['acme-notes:ls', '--json']);
      expect([unknownAlias.exitCode, errorCode(unknownAlias)]).to.deep.equal([2, 'COMMAND_NOT_FOUND']);
      const manifest = join(linked, 'oclif.manifest.json');
      const edited = JSON.parse(readFileSync(manifest, 'utf8')) as {commands: Record<string, {aliases: string[]}>};
      edited.commands['acme-notes:list']!.aliases = ['acme-notes:ls'];
      writeFileSync(manifest, `${JSON.stringify(edited, null, 2)}\n`);
      const alias = await command(['acme-notes:ls', '--json']);
      expect(output(alias)).to.deep.equal(output(listed));

      await plugins('uninstall', '@acme/systemprompt-notes');
      const removed = await command(['acme-notes:list', '--json']);
      expect([removed.exitCode, errorCode(removed)]).to.deep.equal([2, 'COMMAND_NOT_FOUND']);
    });
  });
});
