import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {createTempHome, expectFailure, runCli, type TempHome} from '@systemprompt/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('cli commands', () => {
  let home: TempHome;
  const cli = (...args: string[]) => runCli(args, {root, home: home.path});

  before(async () => {
    home = await createTempHome();
  });
  after(() => home.remove());

  describe('cli:list', () => {
    it('lists every command once, aliases beside them, with the total in meta', async () => {
      const run = await cli('cli:list', '--json');
      expect(run.exitCode).to.equal(0);
      const {data, meta} = run.json();
      const ids = data.map((row: {id: string}) => row.id);
      expect(ids).to.include.members(['cli:list', 'cli:help', 'cli:docs']);
      expect(new Set(ids).size).to.equal(ids.length);
      expect(meta.total).to.equal(data.length);
      expect(data.find((row: {id: string}) => row.id === 'cli:list')).to.deep.equal({
        id: 'cli:list',
        topic: 'cli',
        summary: 'List every command of every installed module.',
        aliases: [],
        plugin: '@systemprompt/cli',
      });
    });

    it('filters by topic, searches and sorts', async () => {
      const byTopic = (await cli('cli:list', '--topic', 'cli', '--json')).json();
      expect(byTopic.data.map((row: {id: string}) => row.id)).to.deep.equal([
        'cli:docs',
        'cli:help',
        'cli:list',
        'cli:mcp:call',
        'cli:mcp:list',
      ]);
      const searched = (await cli('cli:list', '--search', 'reference', '--json')).json();
      expect(searched.data.map((row: {id: string}) => row.id)).to.deep.equal(['cli:docs']);
      const sorted = (await cli('cli:list', '--topic', 'cli', '--sort', 'id', '--order', 'desc', '--json')).json();
      expect(sorted.data.map((row: {id: string}) => row.id)).to.deep.equal([
        'cli:mcp:list',
        'cli:mcp:call',
        'cli:list',
        'cli:help',
        'cli:docs',
      ]);
    });

    it('pages with --limit and --page', async () => {
      const run = (await cli('cli:list', '--topic', 'cli', '--limit', '1', '--page', '2', '--json')).json();
      expect(run.data.map((row: {id: string}) => row.id)).to.deep.equal(['cli:help']);
      expect(run.meta).to.deep.equal({total: 5, page: 2, limit: 1, count: 1});
    });

    it('prints a table with a header on a plain stdout', async () => {
      const run = await cli('cli:list', '--topic', 'cli');
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines[0]).to.match(/^ID\s+SUMMARY\s+ALIASES$/);
      expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).to.deep.equal([
        'cli:docs',
        'cli:help',
        'cli:list',
        'cli:mcp:call',
        'cli:mcp:list',
      ]);
    });

    it('rejects an unknown sort field and a malformed filter with exit 2', async () => {
      const sort = await cli('cli:list', '--sort', 'nope');
      expect(sort.exitCode).to.equal(2);
      expect(sort.stderr).to.match(
        /^--sort nope: unknown field\nHint: Use one of: id, topic, summary, aliases, plugin\.\n$/,
      );
      const filter = await cli('cli:list', '--filter', 'topic');
      expect(filter.exitCode).to.equal(2);
      expect(filter.stderr).to.match(/^--filter topic: expected FIELD=VALUE\n/);
      expectFailure(await cli('cli:list', '--sort', 'nope', '--json'), 2, 'LIST_FIELD_UNKNOWN');
      expectFailure(await cli('cli:list', '--filter', 'topic', '--json'), 2, 'LIST_FILTER_INVALID');
    });
  });

  describe('cli:help', () => {
    it('prints what --help prints for a command', async () => {
      const run = await cli('cli:help', 'cli:list');
      expect(run.exitCode).to.equal(0);
      expect(run.stdout).to.include('USAGE\n  $ systemprompt cli:list');
      expect(run.stdout).to.include('EXAMPLES\n  $ systemprompt cli:list');
      expect(run.stdout).to.include('--topic=<value>');
    });

    it('gives the command as data with --json', async () => {
      const {data} = (await cli('cli:help', 'cli:docs', '--json')).json();
      expect(data.id).to.equal('cli:docs');
      expect(data.examples[0]).to.equal('systemprompt cli:docs --output docs/commands.md');
      expect(data.flags.map((flag: {name: string}) => flag.name)).to.include.members([
        'topic',
        'json',
        'format',
        'output',
      ]);
    });

    it('prints the overview without an argument', async () => {
      const run = await cli('cli:help');
      expect(run.stdout).to.include('USAGE');
      expect(run.stdout).to.include('cli');
    });

    it('exits 3 for an unknown command', async () => {
      const run = await cli('cli:help', 'users:fly');
      expect(run.exitCode).to.equal(3);
      expect(run.stderr).to.equal(
        'Unknown command: users:fly\nHint: Run "systemprompt cli:list --search fly" to find it.\n',
      );
      expectFailure(await cli('cli:help', 'users:fly', '--json'), 3, 'COMMAND_NOT_FOUND');
    });
  });

  describe('cli:docs', () => {
    it('writes a Markdown reference with a section per topic, every flag and example', async () => {
      const file = join(home.path, 'commands.md');
      const run = await cli('cli:docs', '--output', file);
      expect(run.exitCode).to.equal(0);
      expect(run.stdout).to.equal('');
      const markdown = await readFile(file, 'utf8');
      expect(markdown).to.match(/^# systemprompt command reference\n/);
      expect(markdown).to.include('\n## cli\n');
      expect(markdown).to.include('### `cli:list`');
      expect(markdown).to.include('| `--topic=VALUE` | Only commands of this topic (e.g. users, or mcp:tools). |');
      expect(markdown).to.include('| `--order=asc|desc` | Sort order. | `asc` |'.replace('asc|desc', 'asc\\|desc'));
      expect(markdown).to.include('```sh\nsystemprompt cli:list\nsystemprompt cli:list --topic users\n');
    });

    it('gives the reference as data with --json, limited by --topic', async () => {
      const {data} = (await cli('cli:docs', '--topic', 'cli', '--json')).json();
      expect(data.bin).to.equal('systemprompt');
      expect(data.commands.map((command: {id: string}) => command.id)).to.deep.equal([
        'cli:docs',
        'cli:help',
        'cli:list',
        'cli:mcp:call',
        'cli:mcp:list',
      ]);
      for (const command of data.commands) {
        expect(command.summary, command.id).to.not.be.empty;
        expect(command.examples, command.id).to.not.be.empty;
      }
    });
  });
});
