import {existsSync} from 'node:fs';
import {mkdir, readFile, stat, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {parse as parseYaml} from 'yaml';
import {createTempHome, expectFailure, runCli, type TempHome} from '@systemprompt/testing';

const root = fileURLToPath(new URL('../fixtures/demo-plugin', import.meta.url));

describe('SystemPromptCommand (through the demo module commands)', () => {
  let home: TempHome;
  const cli = (...args: string[]) => runCli(args, {root, home: home.path});

  beforeEach(async () => {
    home = await createTempHome();
  });
  afterEach(() => home.remove());

  describe('rendering', () => {
    it('boots the module with its config defaults and renders a record as key/value lines', async () => {
      const run = await cli('demo:greet', 'ana');
      expect(run.exitCode).to.equal(0);
      expect(run.stdout).to.match(/^message\s+hello, ana\n$/);
      expect(run.stderr).to.equal('');
    });

    it('wraps --json output in the envelope', async () => {
      const run = await cli('demo:greet', 'ana', '--json');
      expect(run.json()).to.deep.equal({ok: true, data: {message: 'hello, ana'}});
    });

    it('prints the same envelope as YAML with --format yaml', async () => {
      const run = await cli('demo:greet', 'ana', '--format', 'yaml');
      expect(parseYaml(run.stdout)).to.deep.equal({ok: true, data: {message: 'hello, ana'}});
    });

    it('writes to --output atomically and prints nothing on stdout', async () => {
      await mkdir(join(home.path, 'out'));
      const file = join(home.path, 'out', 'greeting.json');
      const run = await cli('demo:greet', 'ana', '--json', '--output', file);
      expect(run.stdout).to.equal('');
      expect(JSON.parse(await readFile(file, 'utf8'))).to.deep.equal({ok: true, data: {message: 'hello, ana'}});
    });

    it('refuses --output naming a directory or a file in a missing directory (exit 2), before running', async () => {
      const intoDirectory = await cli('demo:greet', 'ana', '--output', home.path);
      expect(intoDirectory.exitCode).to.equal(2);
      expect(intoDirectory.stderr).to.match(/^--output .+ is a directory\nHint: /);
      expectFailure(await cli('demo:greet', 'ana', '--json', '--output', home.path), 2, 'OUTPUT_IS_DIRECTORY');
      const missing = await cli('demo:greet', 'ana', '--json', '--output', join(home.path, 'nowhere', 'x.json'));
      expectFailure(missing, 2, 'OUTPUT_DIRECTORY_MISSING');
      expect(existsSync(join(home.path, 'nowhere'))).to.equal(false);
    });

    it('prints nothing with --quiet in table mode', async () => {
      const run = await cli('demo:greet', 'ana', '--quiet');
      expect(run.exitCode).to.equal(0);
      expect(run.stdout).to.equal('');
    });
  });

  describe('lists', () => {
    beforeEach(async () => {
      for (const [id, name, size] of [
        ['a', 'Alpha', '3'],
        ['b', 'Beta', '1'],
        ['c', 'Gamma', '2'],
      ]) {
        expect((await cli('demo:items:add', '--id', id!, '--name', name!, '--size', size!)).exitCode).to.equal(0);
      }
    });

    it('pages with the total in meta, and the paging note on stderr in table mode', async () => {
      const json = (await cli('demo:items:list', '--json')).json();
      expect(json.data.map((item: {id: string}) => item.id)).to.deep.equal(['a', 'b']);
      expect(json.meta).to.deep.equal({total: 3, page: 1, limit: 2, count: 2});
      const table = await cli('demo:items:list', '--page', '2');
      expect(table.stdout).to.match(/^ID\s+NAME\s+TAGS\nc\s+Gamma\n$/);
      expect(table.stderr).to.equal('Showing 3-3 of 3.\n');
    });

    it('sorts, filters and searches', async () => {
      const sorted = (
        await cli('demo:items:list', '--sort', 'size', '--order', 'desc', '--limit', '0', '--json')
      ).json();
      expect(sorted.data.map((item: {id: string}) => item.id)).to.deep.equal(['a', 'c', 'b']);
      const filtered = (await cli('demo:items:list', '--filter', 'name=Beta', '--json')).json();
      expect(filtered.data.map((item: {id: string}) => item.id)).to.deep.equal(['b']);
      const searched = (await cli('demo:items:list', '--search', 'GAM', '--json')).json();
      expect(searched.meta.total).to.equal(1);
    });

    it('refuses a page number out of range with exit 2 (never a database error)', async () => {
      for (const page of ['99999999999999999999', '1000001', '0']) {
        expectFailure(
          await cli('demo:items:list', '--page', page, '--json'),
          2,
          'INVALID_USAGE',
          /^--page: Expected an integer (less|greater) than or equal to 1(000000)? but received: /,
        );
      }
    });

    it('creates the config, data and cache directories owner-only (0700), whatever the umask', async () => {
      const previous = process.umask(0o022);
      try {
        expect((await cli('demo:items:list')).exitCode).to.equal(0);
      } finally {
        process.umask(previous);
      }
      for (const directory of ['config', 'data', 'cache'])
        expect((await stat(join(home.path, directory))).mode & 0o777, directory).to.equal(0o700);
    });

    it('rejects sorting by a field the list does not have (exit 2, allowed fields in the hint)', async () => {
      const run = await cli('demo:items:list', '--sort', 'password');
      expect(run.exitCode).to.equal(2);
      expect(run.stderr).to.equal('--sort password: unknown field\nHint: Use one of: id, name, size, tags.\n');
      expectFailure(await cli('demo:items:list', '--sort', 'password', '--json'), 2, 'LIST_FIELD_UNKNOWN');
    });
  });

  describe('files it cannot read', () => {
    it('says config.yaml cannot be read (exit 6, naming the file) instead of taking it for no file', async () => {
      await mkdir(join(home.path, 'config', 'config.yaml'), {recursive: true});
      expectFailure(
        await cli('demo:greet', 'ana', '--json'),
        6,
        'CONFIG_FILE_UNREADABLE',
        join(home.path, 'config', 'config.yaml'),
      );
    });

    it('warns about a corrupt modules.json, naming it, and runs', async () => {
      await mkdir(join(home.path, 'config'), {recursive: true});
      await writeFile(join(home.path, 'config', 'modules.json'), '{"disabled": [');
      const run = await cli('demo:greet', 'ana');
      expect(run.exitCode, run.stderr).to.equal(0);
      expect(run.stderr).to.match(
        /^Warning: .*modules\.json is not valid \(.+\); no module is taken as disabled until it is fixed/,
      );
      const json = await cli('demo:greet', 'ana', '--json');
      expect(json.json().warnings[0]).to.include('modules.json is not valid');
    });
  });

  describe('errors', () => {
    for (const code of [2, 3, 4, 5, 6]) {
      it(`exits ${code} with one line and the hint when the service says so`, async () => {
        const run = await cli('demo:fail', '--code', String(code));
        expect(run.exitCode).to.equal(code);
        expect(run.stderr).to.equal(`failed with ${code}\nHint: Try another code.\n`);
        expect(run.stdout).to.equal('');
        expectFailure(await cli('demo:fail', '--code', String(code), '--json'), code, 'DEMO_FAILURE');
      });
    }

    it('prints the error envelope with --json', async () => {
      const run = await cli('demo:fail', '--code', '5', '--json');
      expectFailure(run, 5, 'DEMO_FAILURE');
      expect(run.json()).to.deep.equal({
        ok: false,
        error: {code: 'DEMO_FAILURE', message: 'failed with 5', hint: 'Try another code.', details: {asked: 5}},
      });
    });

    it('maps an unexpected error to exit 1 without a stack trace', async () => {
      const run = await cli('demo:fail');
      expect(run.exitCode).to.equal(1);
      expect(run.stderr).to.equal('something broke inside\n');
      expectFailure(await cli('demo:fail', '--json'), 1, 'UNEXPECTED', 'something broke inside');
    });

    it('shows the stack trace with --verbose', async () => {
      const run = await cli('demo:fail', '--verbose');
      expect(run.exitCode).to.equal(1);
      expect(run.stderr).to.match(/^something broke inside\nError: something broke inside\n\s+at /);
    });

    it('reports bad usage as exit 2 in one line', async () => {
      for (const args of [['demo:greet'], ['demo:greet', 'ana', '--nope'], ['demo:greet', 'ana', '--format', 'xml']]) {
        const run = await cli(...args);
        expect(run.exitCode, args.join(' ')).to.equal(2);
        expect(run.stderr.split('\n')[0], args.join(' ')).to.not.be.empty;
        expect(run.stderr, args.join(' ')).to.not.match(/\n\s+at /);
        expectFailure(await cli(...args, '--json'), 2, 'INVALID_USAGE');
      }
    });

    it('reports bad usage in the JSON envelope when --json was asked for', async () => {
      expectFailure(await cli('demo:greet', '--json'), 2, 'INVALID_USAGE');
    });
  });

  describe('confirmation of dangerous actions', () => {
    beforeEach(async () => {
      await cli('demo:items:add', '--id', 'a');
    });

    it('refuses without --confirm when there is no terminal, and deletes nothing', async () => {
      const run = await cli('demo:items:delete', 'a');
      expect(run.exitCode).to.equal(2);
      expect(run.stderr).to.equal(
        'Not confirmed: Delete item a\nHint: Add --confirm (or -y) to do it without a terminal.\n',
      );
      expectFailure(await cli('demo:items:delete', 'a', '--json'), 2, 'CONFIRMATION_REQUIRED');
      expect((await cli('demo:items:list', '--json')).json().meta.total).to.equal(1);
    });

    it('deletes with --confirm (and -y)', async () => {
      expect((await cli('demo:items:delete', 'a', '--confirm')).exitCode).to.equal(0);
      expect((await cli('demo:items:list', '--json')).json().meta.total).to.equal(0);
      await cli('demo:items:add', '--id', 'b');
      expect((await cli('demo:items:delete', 'b', '-y')).exitCode).to.equal(0);
    });

    it('needs no confirmation for a dry run, and changes nothing', async () => {
      const run = await cli('demo:items:delete', 'a', '--dry-run', '--json');
      expect(run.json().data).to.deep.equal({id: 'a', removed: false, dryRun: true});
      expect((await cli('demo:items:list', '--json')).json().meta.total).to.equal(1);
    });
  });

  describe('--batch', () => {
    it('applies the action to every row, reports each, and exits 2 when any row failed', async () => {
      const file = join(home.path, 'items.ndjson');
      await writeFile(file, '{"id":"x","name":"X"}\n{"name":"no id"}\n{"id":"y"}\n');
      const run = await cli('demo:items:add', '--batch', file, '--json');
      expect(run.exitCode).to.equal(2);
      const {data} = run.json();
      expect(data).to.include({total: 3, succeeded: 2, failed: 1});
      expect(data.results[1]).to.deep.include({index: 1, ok: false});
      expect(data.results[1].error.code).to.equal('ITEM_ID_REQUIRED');
      expect((await cli('demo:items:list', '--json')).json().meta.total).to.equal(2);
    });

    it('reads CSV with a header row', async () => {
      const file = join(home.path, 'items.csv');
      await writeFile(file, 'id,name\np,"Pea, green"\nq,Queue\n');
      const run = await cli('demo:items:add', '--batch', file, '--json');
      expect(run.exitCode).to.equal(0);
      expect(run.json().data.results[0].data.name).to.equal('Pea, green');
    });

    it('marks a dry run in meta and writes nothing', async () => {
      const run = await cli('demo:items:add', '--id', 'z', '--dry-run', '--json');
      expect(run.json().meta).to.deep.equal({dryRun: true});
      expect(existsSync(join(home.path, 'data', 'modules', 'demo', 'items.json'))).to.equal(false);
    });
  });
});
