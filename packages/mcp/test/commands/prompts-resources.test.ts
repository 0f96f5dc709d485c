import {mkdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {createTempHome, expectFailure, type SpawnResult, type TempHome} from '@systemprompt/testing';
import {cliWith, userWithKey} from '../helpers.js';

type Cli = ReturnType<typeof cliWith>;

/** A run that must succeed: its JSON envelope. */
async function ok(cli: Cli, ...args: string[]) {
  const run = await cli(...args, '--json');
  expect(run.exitCode, `${args.join(' ')}: ${run.stdout}${run.stderr}`).to.equal(0);
  const envelope = JSON.parse(run.stdout) as {ok: boolean; data: any; meta?: Record<string, unknown>};
  expect(envelope.ok).to.equal(true);
  return envelope;
}

/** A run with --json that must fail with this exit code and error code. */
const fails = async (cli: Cli, exitCode: number, code: string, ...args: string[]) =>
  expectFailure((await cli(...args, '--json')) as SpawnResult, exitCode, code);

describe('prompts:* and mcp:prompts:* commands [sqlite]', function () {
  this.timeout(120_000);
  let home: TempHome;
  let cli: Cli;
  let asViewer: Cli;

  before(async () => {
    home = await createTempHome();
    cli = cliWith({SYSTEMPROMPT_HOME: home.path});
    const viewer = await userWithKey(cli, 'viewer@example.com', 'viewer', '*:read');
    asViewer = cliWith({SYSTEMPROMPT_HOME: home.path, SYSTEMPROMPT_API_KEY: viewer.key});
  });
  after(async () => home?.remove());

  it('creates a prompt (JSON envelope), refuses a duplicate (5), and changes nothing on --dry-run', async () => {
    const created = await ok(
      cli,
      'prompts:create',
      'code-review',
      '--description',
      'Review a diff for bugs',
      '--template',
      'Review this diff for {{focus}}:\n{{diff}}',
      '--argument',
      'diff:The unified diff',
      '--argument',
      'focus?:What to look at',
    );
    expect(created.data).to.include({
      name: 'code-review',
      title: null,
      description: 'Review a diff for bugs',
      template: 'Review this diff for {{focus}}:\n{{diff}}',
      permission: 'prompts:read',
      updatedBy: 'local-admin',
    });
    expect(created.data.arguments).to.deep.equal([
      {name: 'diff', description: 'The unified diff', required: true},
      {name: 'focus', description: 'What to look at', required: false},
    ]);
    await fails(
      cli,
      5,
      'PROMPT_EXISTS',
      'prompts:create',
      'code-review',
      '--description',
      'Again',
      '--template',
      'Hello',
    );

    const preview = await ok(
      cli,
      'prompts:create',
      'hello',
      '--description',
      'Greets',
      '--template',
      'Hi!',
      '--dry-run',
    );
    expect(preview.data).to.include({name: 'hello', dryRun: true});
    expect(preview.meta).to.deep.equal({dryRun: true});
    await fails(cli, 3, 'PROMPT_NOT_FOUND', 'prompts:get', 'hello');
    // A dry run checks the name is free too.
    await fails(
      cli,
      5,
      'PROMPT_EXISTS',
      'prompts:create',
      'code-review',
      '--description',
      'x',
      '--template',
      'x',
      '--dry-run',
    );
  });

  it('refuses bad input with exit 2 and names the problem', async () => {
    await fails(cli, 2, 'PROMPT_NAME_INVALID', 'prompts:create', 'Bad Name', '--description', 'x', '--template', 'x');
    await fails(
      cli,
      2,
      'PROMPT_TEMPLATE_INVALID',
      'prompts:create',
      'undeclared',
      '--description',
      'x',
      '--template',
      'Hello {{who}}',
    );
    await fails(
      cli,
      2,
      'PROMPT_TEMPLATE_INVALID',
      'prompts:create',
      'unused',
      '--description',
      'x',
      '--template',
      'Hello',
      '--argument',
      'who:Who',
    );
    await fails(cli, 2, 'INVALID_USAGE', 'prompts:create', 'no-description', '--template', 'x');
    await fails(
      cli,
      2,
      'PROMPT_TEMPLATE_FILE_UNREADABLE',
      'prompts:create',
      'from-file',
      '--description',
      'x',
      '--template-file',
      join(home.path, 'missing.md'),
    );
    await fails(cli, 2, 'NOTHING_TO_UPDATE', 'prompts:update', 'code-review');
    await fails(cli, 2, 'PROMPT_ARGUMENT_UNKNOWN', 'prompts:get', 'code-review', '--arg', 'diff=x', '--arg', 'who=y');
    await fails(cli, 2, 'PROMPT_ARGUMENT_MISSING', 'prompts:get', 'code-review', '--render');
    await fails(cli, 2, 'PROMPT_ARGUMENT_INVALID', 'prompts:get', 'code-review', '--arg', 'novalue');
    expect((await ok(cli, 'prompts:list')).meta).to.include({total: 1});
  });

  it('gets a prompt, renders it with --arg as prompts/get does, and knows no missing one (3)', async () => {
    const shown = await ok(cli, 'prompts:get', 'code-review');
    expect(shown.data).to.include({name: 'code-review', permission: 'prompts:read'});
    const rendered = await ok(cli, 'prompts:get', 'code-review', '--arg', 'diff=+ one line', '--arg', 'focus=security');
    expect(rendered.data).to.deep.equal({
      description: 'Review a diff for bugs',
      messages: [{role: 'user', content: {type: 'text', text: 'Review this diff for security:\n+ one line'}}],
    });
    await fails(cli, 3, 'PROMPT_NOT_FOUND', 'prompts:get', 'nothing-here');
    await fails(cli, 3, 'PROMPT_NOT_FOUND', 'prompts:update', 'nothing-here', '--description', 'x');
    await fails(cli, 3, 'PROMPT_NOT_FOUND', 'prompts:delete', 'nothing-here', '--confirm');
  });

  it('updates a prompt; --dry-run shows the result and changes nothing', async () => {
    const preview = await ok(cli, 'prompts:update', 'code-review', '--title', 'Code review', '--dry-run');
    expect(preview.data).to.include({name: 'code-review', title: 'Code review', dryRun: true});
    expect((await ok(cli, 'prompts:get', 'code-review')).data.title).to.equal(null);
    const updated = await ok(
      cli,
      'prompts:update',
      'code-review',
      '--title',
      'Code review',
      '--template',
      'Review {{diff}}',
      '--argument',
      'diff:The diff',
    );
    expect(updated.data).to.include({title: 'Code review', template: 'Review {{diff}}'});
    expect(updated.data.arguments).to.deep.equal([{name: 'diff', description: 'The diff', required: true}]);
    expect((await ok(cli, 'prompts:get', 'code-review')).data).to.include({
      title: 'Code review',
      template: 'Review {{diff}}',
    });
    // The template and the arguments are checked together.
    await fails(cli, 2, 'PROMPT_TEMPLATE_INVALID', 'prompts:update', 'code-review', '--template', 'Review {{patch}}');
  });

  it('lists, filters and searches the prompts (prompts:list), in one envelope with meta', async () => {
    await ok(
      cli,
      'prompts:create',
      'incident-summary',
      '--description',
      'Summarize an incident for the on-call log',
      '--template',
      'Summarize {{ticket}}',
      '--argument',
      'ticket:Ticket id',
      '--permission',
      'users:write',
    );
    const all = await ok(cli, 'prompts:list');
    expect(all.data.map((prompt: {name: string}) => prompt.name)).to.deep.equal(['code-review', 'incident-summary']);
    expect(all.meta).to.deep.equal({total: 2, page: 1, limit: 50, count: 2});
    const guarded = await ok(cli, 'prompts:list', '--filter', 'permission=users:write');
    expect(guarded.data.map((prompt: {name: string}) => prompt.name)).to.deep.equal(['incident-summary']);
    const searched = await ok(cli, 'prompts:list', '--search', 'on-call');
    expect(searched.data.map((prompt: {name: string}) => prompt.name)).to.deep.equal(['incident-summary']);
    // Sorting and filtering take the listed fields only, not the template.
    await fails(cli, 2, 'LIST_FIELD_UNKNOWN', 'prompts:list', '--sort', 'template');
  });

  it('lets a viewer read (prompts:read) but not write (4), nor render a prompt it does not hold', async () => {
    const listed = await ok(asViewer, 'prompts:list');
    expect(listed.meta).to.include({total: 2});
    await fails(asViewer, 4, 'PERMISSION_DENIED', 'prompts:create', 'mine', '--description', 'x', '--template', 'x');
    await fails(asViewer, 4, 'PERMISSION_DENIED', 'prompts:update', 'code-review', '--description', 'x');
    await fails(asViewer, 4, 'PERMISSION_DENIED', 'prompts:delete', 'code-review', '--confirm');
    // Showing takes prompts:read; rendering takes the prompt's own permission.
    expect((await ok(asViewer, 'prompts:get', 'incident-summary')).data.permission).to.equal('users:write');
    await fails(asViewer, 4, 'PERMISSION_DENIED', 'prompts:get', 'incident-summary', '--arg', 'ticket=1');
    expect((await ok(cli, 'prompts:get', 'code-review')).data.description).to.equal('Review a diff for bugs');
  });

  it('mcp:prompts:list and mcp:prompts:search show what an MCP client of the caller sees', async () => {
    const mine = await ok(cli, 'mcp:prompts:list');
    expect(mine.data.map((prompt: {name: string}) => prompt.name)).to.deep.equal(['code-review', 'incident-summary']);
    const theirs = await ok(asViewer, 'mcp:prompts:list');
    expect(theirs.data.map((prompt: {name: string}) => prompt.name)).to.deep.equal(['code-review']);
    expect(theirs.meta).to.include({total: 1});

    const search = await ok(cli, 'mcp:prompts:search', 'incident');
    expect(search.data.map((prompt: {name: string}) => prompt.name)).to.deep.equal(['incident-summary']);
    expect(search.data[0].score).to.be.a('number').and.greaterThan(0);
    // A word of the description finds it too, ranked below a name match.
    const review = await ok(cli, 'mcp:prompts:search', 'review');
    expect(review.data[0].name).to.equal('code-review');
    expect((await ok(asViewer, 'mcp:prompts:search', 'incident')).data).to.deep.equal([]);
    expect((await ok(cli, 'mcp:prompts:search', 'zzz-nothing')).data).to.deep.equal([]);
  });

  it('deletes only with --confirm when nobody can be asked; --dry-run deletes nothing', async () => {
    await fails(cli, 2, 'CONFIRMATION_REQUIRED', 'prompts:delete', 'code-review');
    const table = await cli('prompts:delete', 'code-review');
    expect(table.exitCode, table.stdout + table.stderr).to.equal(2);
    expect(table.stderr).to.contain('--confirm');
    const dry = await ok(cli, 'prompts:delete', 'code-review', '--dry-run');
    expect(dry.data).to.deep.equal({name: 'code-review', deleted: false, dryRun: true});
    expect((await ok(cli, 'prompts:list')).meta).to.include({total: 2});
    const deleted = await ok(cli, 'prompts:delete', 'code-review', '--confirm');
    expect(deleted.data).to.deep.equal({name: 'code-review', deleted: true});
    await fails(cli, 3, 'PROMPT_NOT_FOUND', 'prompts:get', 'code-review');
    await fails(cli, 3, 'PROMPT_NOT_FOUND', 'prompts:delete', 'code-review', '--confirm');
  });
});

describe('resources:* and mcp:resources:* commands [sqlite]', function () {
  this.timeout(120_000);
  let home: TempHome;
  let cli: Cli;
  let asViewer: Cli;

  before(async () => {
    home = await createTempHome();
    cli = cliWith({SYSTEMPROMPT_HOME: home.path});
    const viewer = await userWithKey(cli, 'viewer@example.com', 'viewer', '*:read');
    asViewer = cliWith({SYSTEMPROMPT_HOME: home.path, SYSTEMPROMPT_API_KEY: viewer.key});
    const data = join(home.path, 'data', 'modules', 'mcp');
    await mkdir(join(data, 'docs'), {recursive: true});
    await writeFile(join(data, 'docs', 'guide.md'), '# Guide\n\nRead me first.\n');
  });
  after(async () => home?.remove());

  it('creates text and file resources, refuses a duplicate (5), and changes nothing on --dry-run', async () => {
    const text = await ok(
      cli,
      'resources:create',
      'notes://on-call',
      '--name',
      'On-call notes',
      '--text',
      'Page the SRE channel first.',
      '--description',
      'What to do when paged',
    );
    expect(text.data).to.include({
      uri: 'notes://on-call',
      name: 'On-call notes',
      mimeType: 'text/plain',
      text: 'Page the SRE channel first.',
      file: null,
      permission: 'resources:read',
      updatedBy: 'local-admin',
    });
    const file = await ok(cli, 'resources:create', 'docs://guide', '--name', 'User guide', '--file', 'docs/guide.md');
    expect(file.data).to.include({uri: 'docs://guide', file: 'docs/guide.md', text: null});
    expect(file.data.mimeType).to.match(/^text\/markdown/);
    await fails(cli, 5, 'RESOURCE_EXISTS', 'resources:create', 'docs://guide', '--name', 'Again', '--text', 'x');

    const preview = await ok(cli, 'resources:create', 'docs://draft', '--name', 'Draft', '--text', 'x', '--dry-run');
    expect(preview.data).to.include({uri: 'docs://draft', dryRun: true});
    expect(preview.meta).to.deep.equal({dryRun: true});
    await fails(cli, 3, 'RESOURCE_NOT_FOUND', 'resources:get', 'docs://draft');
  });

  it('refuses bad input (2) and a missing file (3)', async () => {
    await fails(cli, 2, 'RESOURCE_URI_INVALID', 'resources:create', 'not a uri', '--name', 'x', '--text', 'x');
    await fails(cli, 2, 'RESOURCE_FILE_OUTSIDE', 'resources:create', 'docs://up', '--name', 'x', '--file', '../x.md');
    await fails(
      cli,
      2,
      'RESOURCE_FILE_OUTSIDE',
      'resources:create',
      'docs://abs',
      '--name',
      'x',
      '--file',
      join(home.path, 'x.md'),
    );
    await fails(cli, 3, 'RESOURCE_FILE_MISSING', 'resources:create', 'docs://gone', '--name', 'x', '--file', 'gone.md');
    await fails(
      cli,
      2,
      'RESOURCE_MIME_TYPE_INVALID',
      'resources:create',
      'docs://mime',
      '--name',
      'x',
      '--text',
      'x',
      '--mime-type',
      'nonsense',
    );
    await fails(
      cli,
      2,
      'INVALID_USAGE',
      'resources:create',
      'docs://both',
      '--name',
      'x',
      '--text',
      'x',
      '--file',
      'y',
    );
    await fails(cli, 2, 'NOTHING_TO_UPDATE', 'resources:update', 'docs://guide');
    expect((await ok(cli, 'resources:list')).meta).to.include({total: 2});
  });

  it('gets a resource, reads it with --read as resources/read does, and knows no missing one (3)', async () => {
    const shown = await ok(cli, 'resources:get', 'docs://guide');
    expect(shown.data).to.include({uri: 'docs://guide', name: 'User guide', file: 'docs/guide.md'});
    const read = await ok(cli, 'resources:get', 'docs://guide', '--read');
    expect(read.data).to.deep.include({uri: 'docs://guide', text: '# Guide\n\nRead me first.\n'});
    expect((await ok(cli, 'resources:get', 'notes://on-call', '--read')).data).to.deep.equal({
      uri: 'notes://on-call',
      mimeType: 'text/plain',
      text: 'Page the SRE channel first.',
    });
    await fails(cli, 3, 'RESOURCE_NOT_FOUND', 'resources:get', 'docs://missing');
    await fails(cli, 3, 'RESOURCE_NOT_FOUND', 'resources:update', 'docs://missing', '--name', 'x');
    await fails(cli, 3, 'RESOURCE_NOT_FOUND', 'resources:delete', 'docs://missing', '--confirm');
  });

  it('updates a resource; --dry-run shows the result and changes nothing', async () => {
    const preview = await ok(cli, 'resources:update', 'notes://on-call', '--text', 'Call the lead.', '--dry-run');
    expect(preview.data).to.include({text: 'Call the lead.', dryRun: true});
    expect((await ok(cli, 'resources:get', 'notes://on-call')).data.text).to.equal('Page the SRE channel first.');
    const updated = await ok(
      cli,
      'resources:update',
      'notes://on-call',
      '--text',
      'Page the SRE channel, then the lead.',
      '--permission',
      'users:write',
    );
    expect(updated.data).to.include({text: 'Page the SRE channel, then the lead.', permission: 'users:write'});
    expect((await ok(cli, 'resources:get', 'notes://on-call')).data.permission).to.equal('users:write');
  });

  it('lists, filters and searches the resources (resources:list)', async () => {
    const all = await ok(cli, 'resources:list');
    expect(all.data.map((resource: {uri: string}) => resource.uri)).to.deep.equal(['docs://guide', 'notes://on-call']);
    expect(all.meta).to.deep.equal({total: 2, page: 1, limit: 50, count: 2});
    expect(
      (await ok(cli, 'resources:list', '--filter', 'source=file')).data.map((resource: {uri: string}) => resource.uri),
    ).to.deep.equal(['docs://guide']);
    expect(
      (await ok(cli, 'resources:list', '--search', 'paged')).data.map((resource: {uri: string}) => resource.uri),
    ).to.deep.equal(['notes://on-call']);
  });

  it('lets a viewer read (resources:read) but not write (4), nor read a resource it does not hold', async () => {
    expect((await ok(asViewer, 'resources:list')).meta).to.include({total: 2});
    await fails(asViewer, 4, 'PERMISSION_DENIED', 'resources:create', 'docs://mine', '--name', 'x', '--text', 'x');
    await fails(asViewer, 4, 'PERMISSION_DENIED', 'resources:update', 'docs://guide', '--name', 'x');
    await fails(asViewer, 4, 'PERMISSION_DENIED', 'resources:delete', 'docs://guide', '--confirm');
    expect((await ok(asViewer, 'resources:get', 'notes://on-call')).data.permission).to.equal('users:write');
    await fails(asViewer, 4, 'PERMISSION_DENIED', 'resources:get', 'notes://on-call', '--read');
    expect((await ok(asViewer, 'resources:get', 'docs://guide', '--read')).data.text).to.contain('Read me first.');
    expect((await ok(cli, 'resources:get', 'docs://guide')).data.name).to.equal('User guide');
  });

  it('mcp:resources:list and mcp:resources:search show what an MCP client of the caller sees', async () => {
    const mine = await ok(cli, 'mcp:resources:list');
    expect(mine.data.map((resource: {uri: string}) => resource.uri)).to.deep.equal(['docs://guide', 'notes://on-call']);
    const theirs = await ok(asViewer, 'mcp:resources:list');
    expect(theirs.data.map((resource: {uri: string}) => resource.uri)).to.deep.equal(['docs://guide']);
    const search = await ok(cli, 'mcp:resources:search', 'guide');
    expect(search.data.map((resource: {uri: string}) => resource.uri)).to.deep.equal(['docs://guide']);
    expect(search.data[0].score).to.be.a('number').and.greaterThan(0);
    expect((await ok(asViewer, 'mcp:resources:search', 'on-call')).data).to.deep.equal([]);
    expect((await ok(cli, 'mcp:resources:search', 'on-call')).data.map((r: {uri: string}) => r.uri)).to.deep.equal([
      'notes://on-call',
    ]);
  });

  it('deletes only with --confirm when nobody can be asked; --dry-run deletes nothing; the file stays', async () => {
    await fails(cli, 2, 'CONFIRMATION_REQUIRED', 'resources:delete', 'docs://guide');
    const dry = await ok(cli, 'resources:delete', 'docs://guide', '--dry-run');
    expect(dry.data).to.deep.equal({uri: 'docs://guide', deleted: false, dryRun: true});
    expect((await ok(cli, 'resources:list')).meta).to.include({total: 2});
    expect((await ok(cli, 'resources:delete', 'docs://guide', '--confirm')).data).to.deep.equal({
      uri: 'docs://guide',
      deleted: true,
    });
    await fails(cli, 3, 'RESOURCE_NOT_FOUND', 'resources:get', 'docs://guide');
    // Its file is still there: a new resource can serve it.
    expect((await ok(cli, 'resources:create', 'docs://again', '--name', 'Again', '--file', 'docs/guide.md')).data)
      .to.have.property('file')
      .that.equals('docs/guide.md');
  });
});
