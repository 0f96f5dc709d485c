import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {Config} from '@oclif/core';
import {expect} from 'chai';
import {createTempHome, runCli, type TempHome} from '@systemprompt/testing';
import {installedErrorCodes} from '../../src/services/installed-error-codes.js';
import {renderMarkdownReference} from '../../src/services/markdown-reference.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string) => join(root, 'test', 'fixtures', name);

describe('cli:docs error codes', () => {
  let home: TempHome;
  const cli = (...args: string[]) => runCli(args, {root, home: home.path});

  before(async () => {
    home = await createTempHome();
  });
  after(() => home.remove());

  it('ends the Markdown reference with the error codes of core and of every installed package', async () => {
    const file = join(home.path, 'commands.md');
    const run = await cli('cli:docs', '--output', file);
    expect(run.exitCode, run.stderr).to.equal(0);
    const markdown = await readFile(file, 'utf8');
    expect(markdown).to.include('\n- [Error codes](#error-codes)\n');
    const section = markdown.slice(markdown.indexOf('\n## Error codes\n'));
    expect(section).to.include('| Code | Exit | Meaning | Hint | Package |');
    expect(section).to.include(
      '| `COMMAND_NOT_FOUND` | 3 | No command has that id. | Find it with cli:list --search WORD. | @systemprompt/cli |',
    );
    expect(section).to.include(
      "| `INVALID_USAGE` | 2 | The command line does not parse: an unknown flag, a missing argument or a wrong value. | See the command's --help. | @systemprompt/core |",
    );
    // Sorted by code.
    const codes = [...section.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((match) => match[1]!);
    expect(codes).to.deep.equal([...codes].sort());
    expect(codes.length).to.be.greaterThan(20);
  });

  it('gives the error codes as data with --json', async () => {
    const run = await cli('cli:docs', '--json');
    expect(run.exitCode, run.stderr).to.equal(0);
    const {data, warnings} = run.json();
    expect(warnings).to.equal(undefined);
    expect(data.errorCodes).to.deep.include({
      code: 'COMMAND_NOT_FOUND',
      exitCode: 3,
      meaning: 'No command has that id.',
      hint: 'Find it with cli:list --search WORD.',
      package: '@systemprompt/cli',
    });
    expect(data.errorCodes).to.deep.include({
      code: 'NOT_FOUND',
      exitCode: 3,
      meaning: 'The named thing does not exist.',
      package: '@systemprompt/core',
    });
    for (const row of data.errorCodes) expect(row.exitCode, row.code).to.be.within(1, 6);
  });

  describe('installedErrorCodes', () => {
    it("reads a third-party package's catalogue through its package.json systemprompt.errorCodes", async () => {
      const {rows, warnings} = await installedErrorCodes(await Config.load({root: fixture('acme-errors')}));
      expect(warnings).to.deep.equal([]);
      expect(rows.filter((row) => row.package === 'acme-errors')).to.deep.equal([
        {
          code: 'NOTE_NOT_FOUND',
          exitCode: 3,
          meaning: 'No note has that id.',
          hint: 'See notes:list | grep ID.',
          package: 'acme-errors',
        },
        {code: 'NOTE_TOO_LONG', exitCode: 2, meaning: 'A note has at most 1000 characters.', package: 'acme-errors'},
      ]);
      expect(rows.some((row) => row.package === '@systemprompt/core')).to.equal(true);
    });

    it('leaves out the packages not asked for, but never core', async () => {
      const {rows} = await installedErrorCodes(
        await Config.load({root: fixture('acme-errors')}),
        new Set(['@systemprompt/cli']),
      );
      expect(new Set(rows.map((row) => row.package))).to.deep.equal(new Set(['@systemprompt/core']));
    });

    it('warns about a malformed catalogue, naming the package and every problem, and keeps the others', async () => {
      const {rows, warnings} = await installedErrorCodes(await Config.load({root: fixture('broken-errors')}));
      expect(warnings).to.deep.equal([
        'The error codes of broken-errors are left out: broken-errors/error-codes.js: noteMissing: not an error code (SCREAMING_SNAKE_CASE); NOTE_GONE: exit must be one of 1, 2, 3, 4, 5, 6',
      ]);
      expect(rows.some((row) => row.package === '@systemprompt/core')).to.equal(true);
    });
  });

  it('renders a hint with a pipe as one table cell', () => {
    const markdown = renderMarkdownReference([], 'systemprompt', [
      {
        code: 'NOTE_NOT_FOUND',
        exitCode: 3,
        meaning: 'No note.',
        hint: 'See notes:list | grep ID.',
        package: 'acme-errors',
      },
    ]);
    expect(markdown).to.include('| `NOTE_NOT_FOUND` | 3 | No note. | See notes:list \\| grep ID. | acme-errors |');
  });
});
