import {expect} from 'chai';
import {LOCAL_ADMIN, parseListQuery, type Actor, type ListQuery} from '@systemprompt/core';
import {createTempHome, createTestDatabase, testEngines, type TempHome, type TestDatabase} from '@systemprompt/testing';
import {
  PROMPT_LIST_FIELDS,
  parseArgumentSpec,
  parseArgumentValues,
  templatePlaceholders,
  type PromptService,
  type PromptView,
} from '../src/services/prompts.js';
import {bootContentKernel, failure, type ContentKernel} from './content-kernel.js';

const ALL: ListQuery = parseListQuery({}, {fields: PROMPT_LIST_FIELDS, defaultLimit: null});
const query = (flags: Parameters<typeof parseListQuery>[0]) =>
  parseListQuery(flags, {fields: PROMPT_LIST_FIELDS, defaultLimit: null});

const REVIEW = {
  name: 'code-review',
  description: 'Review a diff',
  template: 'Review this diff for {{ focus }}:\n{{diff}}',
  arguments: [
    {name: 'diff', description: 'The unified diff'},
    {name: 'focus', description: 'What to look at', required: false},
  ],
};

describe('prompt helpers', () => {
  it('reads --argument as NAME:DESCRIPTION, NAME?:DESCRIPTION (optional) and NAME', () => {
    expect(parseArgumentSpec('diff:The diff: unified')).to.deep.equal({
      name: 'diff',
      description: 'The diff: unified',
      required: true,
    });
    expect(parseArgumentSpec('focus?:What to look at')).to.deep.equal({
      name: 'focus',
      description: 'What to look at',
      required: false,
    });
    expect(parseArgumentSpec('topic')).to.deep.equal({name: 'topic', required: true});
    expect(parseArgumentSpec('topic?')).to.deep.equal({name: 'topic', required: false});
  });

  it('reads --arg NAME=VALUE (the value may hold =), refusing a pair without a name and a name given twice', async () => {
    expect(parseArgumentValues(['a=1', 'b=x=y', 'c='])).to.deep.equal({a: '1', b: 'x=y', c: ''});
    const proto = parseArgumentValues(['__proto__=x']);
    expect(Object.keys(proto)).to.deep.equal(['__proto__']);
    await failure(
      Promise.resolve().then(() => parseArgumentValues(['novalue'])),
      2,
      'PROMPT_ARGUMENT_INVALID',
    );
    await failure(
      Promise.resolve().then(() => parseArgumentValues(['=x'])),
      2,
      'PROMPT_ARGUMENT_INVALID',
    );
    await failure(
      Promise.resolve().then(() => parseArgumentValues(['a=1', 'a=2'])),
      2,
      'PROMPT_ARGUMENT_INVALID',
    );
  });

  it('finds placeholders with or without spaces, once each, and leaves other braces alone', () => {
    expect(templatePlaceholders('{{a}} {{ b }} {{a}} {{ 9x }} {x} {{a b}}')).to.deep.equal(['a', 'b']);
  });
});

for (const engine of testEngines()) {
  describe(`PromptService [${engine}]`, () => {
    let home: TempHome;
    let database: TestDatabase;
    let kernel: ContentKernel;
    let prompts: PromptService;
    let viewer: Actor;
    let admin: Actor;

    beforeEach(async () => {
      home = await createTempHome();
      database = await createTestDatabase(engine);
      kernel = await bootContentKernel(home.path, database.url);
      prompts = kernel.prompts;
      viewer = await kernel.seedUser('vera@example.com', ['viewer']);
      admin = await kernel.seedUser('ada@example.com', ['admin']);
    });
    afterEach(async () => {
      await kernel?.close();
      await database.drop();
      await home.remove();
    });

    describe('create, get and list', () => {
      it('creates a prompt guarded by prompts:read, audits it and emits mcp.prompts.changed in its transaction', async () => {
        const created = (await prompts.create(admin, {...REVIEW, title: '  Code review  '})) as PromptView;
        expect(created).to.include({
          name: 'code-review',
          title: 'Code review',
          description: 'Review a diff',
          template: REVIEW.template,
          permission: 'prompts:read',
          updatedBy: 'ada@example.com',
        });
        expect(created.arguments).to.deep.equal([
          {name: 'diff', description: 'The unified diff', required: true},
          {name: 'focus', description: 'What to look at', required: false},
        ]);
        expect(await prompts.get(viewer, 'code-review')).to.deep.equal(created);

        const event = kernel.events.find((each) => each.type === 'mcp.prompts.changed');
        expect(event?.payload).to.deep.equal({name: 'code-review', change: 'created'});
        expect(event?.inOpenTransaction).to.equal(true);
        expect(event?.options?.subject).to.equal('code-review');
        expect(event?.options?.actor).to.equal(admin);
        expect(await kernel.audit('prompts.create')).to.deep.equal([
          {actor: 'ada@example.com', target: 'code-review', result: 'ok', permission: 'prompts:write'},
        ]);
      });

      it('lets a viewer list and get, but not create (exit 4, audited)', async () => {
        await prompts.create(LOCAL_ADMIN, REVIEW);
        const page = await prompts.list(viewer, ALL);
        expect(page.total).to.equal(1);
        expect(page.items.map((item) => item.name)).to.deep.equal(['code-review']);
        expect((await prompts.get(viewer, 'code-review')).permission).to.equal('prompts:read');

        await failure(prompts.create(viewer, {...REVIEW, name: 'mine'}), 4, 'PERMISSION_DENIED');
        expect(await kernel.audit('prompts.create')).to.deep.include({
          actor: 'vera@example.com',
          target: 'mine',
          result: 'denied',
          permission: 'prompts:write',
        });
        await failure(prompts.get(viewer, 'mine'), 3, 'PROMPT_NOT_FOUND');
      });

      it('refuses list and get to someone without prompts:read, before looking anything up', async () => {
        const nobody = await kernel.seedUser('nora@example.com');
        await failure(prompts.list(nobody, ALL), 4, 'PERMISSION_DENIED');
        await failure(prompts.get(nobody, 'no-such-prompt'), 4, 'PERMISSION_DENIED');
      });

      it('filters, searches and sorts in the database, and refuses an unknown field', async () => {
        await prompts.create(LOCAL_ADMIN, {name: 'b-second', description: 'Beta', template: 'B'});
        await prompts.create(LOCAL_ADMIN, {name: 'a-first', description: 'Alpha words', template: 'A'});
        await prompts.create(LOCAL_ADMIN, {
          name: 'c-guarded',
          description: 'Gamma',
          template: 'C',
          permission: 'users:write',
        });
        expect((await prompts.list(viewer, ALL)).items.map((item) => item.name)).to.deep.equal([
          'a-first',
          'b-second',
          'c-guarded',
        ]);
        expect(
          (await prompts.list(viewer, query({filter: ['permission=users:write']}))).items.map((item) => item.name),
        ).to.deep.equal(['c-guarded']);
        expect((await prompts.list(viewer, query({search: 'alpha'}))).items.map((item) => item.name)).to.deep.equal([
          'a-first',
        ]);
        const sorted = await prompts.list(viewer, query({sort: 'name', order: 'desc', limit: 2}));
        expect(sorted.items.map((item) => item.name)).to.deep.equal(['c-guarded', 'b-second']);
        expect(sorted.total).to.equal(3);
        const filtered = await prompts
          .list(viewer, {...ALL, filters: [{field: 'template', value: 'A'}]})
          .catch((error: unknown) => error as {code: string});
        expect((filtered as {code: string}).code).to.equal('LIST_FIELD_UNKNOWN');
      });

      it('refuses a bad name, a duplicate name (exit 5) and bad text, and a dry run writes nothing', async () => {
        for (const name of ['', 'Upper', '-dash', 'with space', 'a'.repeat(65), 'dot.ted'])
          await failure(prompts.create(LOCAL_ADMIN, {...REVIEW, name}), 2, 'PROMPT_NAME_INVALID');
        await failure(prompts.create(LOCAL_ADMIN, {...REVIEW, description: '   '}), 2, 'PROMPT_TEXT_INVALID');
        await failure(prompts.create(LOCAL_ADMIN, {...REVIEW, template: ''}), 2, 'PROMPT_TEXT_INVALID');
        await failure(
          prompts.create(LOCAL_ADMIN, {...REVIEW, template: `{{diff}}{{focus}}\u0007`}),
          2,
          'PROMPT_TEXT_INVALID',
        );
        await failure(
          prompts.create(LOCAL_ADMIN, {...REVIEW, template: `{{diff}}{{focus}}${'é'.repeat(40_000)}`}),
          2,
          'PROMPT_TEXT_INVALID',
        );
        await failure(prompts.create(LOCAL_ADMIN, {...REVIEW, title: 't'.repeat(201)}), 2, 'PROMPT_TEXT_INVALID');

        const preview = await prompts.create(LOCAL_ADMIN, REVIEW, {dryRun: true});
        expect(preview).to.include({name: 'code-review', dryRun: true});
        expect((await prompts.list(LOCAL_ADMIN, ALL)).total).to.equal(0);
        expect(kernel.events.filter((each) => each.type === 'mcp.prompts.changed')).to.have.length(0);

        await prompts.create(LOCAL_ADMIN, REVIEW);
        await failure(prompts.create(LOCAL_ADMIN, REVIEW), 5, 'PROMPT_EXISTS');
        await failure(prompts.create(LOCAL_ADMIN, REVIEW, {dryRun: true}), 5, 'PROMPT_EXISTS');
      });
    });

    describe('placeholders and arguments', () => {
      it('refuses a placeholder that is not a declared argument, naming it', async () => {
        const error = await failure(
          prompts.create(LOCAL_ADMIN, {...REVIEW, template: '{{diff}} {{focus}} {{tone}}'}),
          2,
          'PROMPT_TEMPLATE_INVALID',
        );
        expect(error.message).to.contain('{{tone}}');
        expect(error.details).to.deep.equal({undeclared: ['tone'], unused: []});
      });

      it('refuses a declared argument that the template never uses', async () => {
        const error = await failure(
          prompts.create(LOCAL_ADMIN, {...REVIEW, template: 'Just {{diff}}'}),
          2,
          'PROMPT_TEMPLATE_INVALID',
        );
        expect(error.message).to.contain('"focus"');
        expect(error.details).to.deep.equal({undeclared: [], unused: ['focus']});
      });

      it('refuses bad argument declarations: a bad name, a duplicate, too many', async () => {
        for (const bad of [
          [{name: 'has space'}],
          [{name: '9starts'}],
          [{name: 'x'}, {name: 'x'}],
          Array.from({length: 51}, (_, index) => ({name: `a${index}`})),
          [{name: 'x', description: 'd'.repeat(501)}],
        ]) {
          const template = bad.map((argument) => `{{${argument.name}}}`).join(' ');
          await failure(
            prompts.create(LOCAL_ADMIN, {name: 'bad', description: 'd', template, arguments: bad}),
            2,
            'PROMPT_ARGUMENTS_INVALID',
          );
        }
      });

      it('checks a changed template against the arguments as they will be', async () => {
        await prompts.create(LOCAL_ADMIN, REVIEW);
        await failure(prompts.update(LOCAL_ADMIN, 'code-review', {template: '{{diff}}'}), 2, 'PROMPT_TEMPLATE_INVALID');
        await failure(
          prompts.update(LOCAL_ADMIN, 'code-review', {arguments: [{name: 'diff'}]}),
          2,
          'PROMPT_TEMPLATE_INVALID',
        );
        const updated = (await prompts.update(LOCAL_ADMIN, 'code-review', {
          template: 'Summarize {{diff}}',
          arguments: [{name: 'diff'}],
        })) as PromptView;
        expect(updated.arguments).to.deep.equal([{name: 'diff', required: true}]);
        expect((await prompts.get(LOCAL_ADMIN, 'code-review')).template).to.equal('Summarize {{diff}}');
      });
    });

    describe('render', () => {
      it('fills in the placeholders, once, with an optional argument left out as nothing', async () => {
        await prompts.create(LOCAL_ADMIN, REVIEW);
        expect(await prompts.render(viewer, 'code-review', {diff: '+ {{focus}}', focus: 'bugs'})).to.deep.equal({
          description: 'Review a diff',
          messages: [{role: 'user', content: {type: 'text', text: 'Review this diff for bugs:\n+ {{focus}}'}}],
        });
        expect((await prompts.render(viewer, 'code-review', {diff: 'x'})).messages[0]!.content.text).to.equal(
          'Review this diff for :\nx',
        );
      });

      it('refuses a missing required argument and an unknown one (exit 2)', async () => {
        await prompts.create(LOCAL_ADMIN, REVIEW);
        const missing = await failure(
          prompts.render(viewer, 'code-review', {focus: 'x'}),
          2,
          'PROMPT_ARGUMENT_MISSING',
        );
        expect(missing.message).to.contain('"diff"');
        const unknown = await failure(
          prompts.render(viewer, 'code-review', {diff: 'x', tone: 'calm'}),
          2,
          'PROMPT_ARGUMENT_UNKNOWN',
        );
        expect(unknown.hint).to.equal('Its arguments: diff, focus.');
        await failure(
          prompts.render(viewer, 'code-review', parseArgumentValues(['diff=x', '__proto__=y'])),
          2,
          'PROMPT_ARGUMENT_UNKNOWN',
        );
        await failure(
          prompts.render(viewer, 'code-review', {diff: 7 as unknown as string}),
          2,
          'PROMPT_ARGUMENT_INVALID',
        );
        await failure(prompts.render(viewer, 'nope', {}), 3, 'PROMPT_NOT_FOUND');
      });
    });

    describe('the permission that guards a prompt', () => {
      it('hides a prompt guarded by users:write from a viewer and denies rendering it (audited); an admin gets it', async () => {
        await prompts.create(LOCAL_ADMIN, {name: 'open', description: 'Open', template: 'Hi'});
        await prompts.create(LOCAL_ADMIN, {
          name: 'admin-only',
          description: 'For administrators',
          template: 'Secret {{who}}',
          arguments: [{name: 'who'}],
          permission: 'users:write',
        });
        expect((await prompts.visibleTo(viewer)).map((prompt) => prompt.name)).to.deep.equal(['open']);
        expect((await prompts.visibleTo(admin)).map((prompt) => prompt.name)).to.deep.equal(['admin-only', 'open']);
        expect((await prompts.visibleTo(LOCAL_ADMIN)).map((prompt) => prompt.name)).to.deep.equal([
          'admin-only',
          'open',
        ]);

        await failure(prompts.render(viewer, 'admin-only', {who: 'x'}), 4, 'PERMISSION_DENIED');
        expect(await kernel.audit('prompts.get')).to.deep.equal([
          {actor: 'vera@example.com', target: 'admin-only', result: 'denied', permission: 'users:write'},
        ]);
        expect((await prompts.render(admin, 'admin-only', {who: 'Ada'})).messages[0]!.content.text).to.equal(
          'Secret Ada',
        );
        expect((await prompts.render(viewer, 'open')).messages[0]!.content.text).to.equal('Hi');
      });

      it('takes a valid permission that the actor holds: nobody guards a prompt with one they lack', async () => {
        await kernel.seedRole('prompt-writer', ['prompts:*']);
        const writer = await kernel.seedUser('wes@example.com', ['prompt-writer']);
        for (const permission of ['users', 'users:', 'Users:write', ' ', 'a:b:c'])
          await failure(prompts.create(writer, {...REVIEW, permission}), 2, 'PERMISSION_INVALID');

        const error = await failure(
          prompts.create(writer, {...REVIEW, permission: 'users:write'}),
          4,
          'PROMPT_PERMISSION_NOT_HELD',
        );
        expect(error.message).to.contain('users:write');
        expect(await kernel.audit('prompts.create')).to.deep.equal([
          {actor: 'wes@example.com', target: 'code-review', result: 'denied', permission: 'users:write'},
        ]);
        const mine = (await prompts.create(writer, {...REVIEW, permission: 'prompts:write'})) as PromptView;
        expect(mine.permission).to.equal('prompts:write');

        // Changing or deleting a prompt guarded by a permission one lacks is refused too.
        await prompts.create(LOCAL_ADMIN, {
          name: 'guarded',
          description: 'G',
          template: 'G',
          permission: 'users:write',
        });
        await failure(prompts.update(writer, 'guarded', {description: 'Mine now'}), 4, 'PROMPT_PERMISSION_NOT_HELD');
        await failure(prompts.update(writer, 'guarded', {permission: 'prompts:read'}), 4, 'PROMPT_PERMISSION_NOT_HELD');
        await failure(prompts.delete(writer, 'guarded'), 4, 'PROMPT_PERMISSION_NOT_HELD');
        await failure(
          prompts.update(writer, 'code-review', {permission: 'users:read'}),
          4,
          'PROMPT_PERMISSION_NOT_HELD',
        );
        expect((await prompts.get(LOCAL_ADMIN, 'guarded')).description).to.equal('G');
      });
    });

    describe('update and delete', () => {
      it('updates what is given, removes the title with "", audits and emits; a dry run changes nothing', async () => {
        await prompts.create(LOCAL_ADMIN, {...REVIEW, title: 'Review'});
        await failure(prompts.update(LOCAL_ADMIN, 'code-review', {}), 2, 'NOTHING_TO_UPDATE');
        await failure(prompts.update(LOCAL_ADMIN, 'nope', {description: 'x'}), 3, 'PROMPT_NOT_FOUND');
        await failure(prompts.update(viewer, 'code-review', {description: 'x'}), 4, 'PERMISSION_DENIED');

        const preview = await prompts.update(LOCAL_ADMIN, 'code-review', {description: 'Other'}, {dryRun: true});
        expect(preview).to.include({description: 'Other', dryRun: true});
        expect((await prompts.get(LOCAL_ADMIN, 'code-review')).description).to.equal('Review a diff');

        const updated = (await prompts.update(admin, 'code-review', {
          title: '',
          description: 'Review carefully',
          permission: 'users:read',
        })) as PromptView;
        expect(updated).to.include({
          title: null,
          description: 'Review carefully',
          permission: 'users:read',
          updatedBy: 'ada@example.com',
        });
        expect(await prompts.get(LOCAL_ADMIN, 'code-review')).to.deep.equal(updated);
        expect(
          kernel.events.filter((each) => each.type === 'mcp.prompts.changed').map((each) => each.payload),
        ).to.deep.equal([
          {name: 'code-review', change: 'created'},
          {name: 'code-review', change: 'updated'},
        ]);
        expect(await kernel.audit('prompts.update')).to.deep.include({
          actor: 'ada@example.com',
          target: 'code-review',
          result: 'ok',
          permission: 'prompts:write',
        });
      });

      it('deletes after the confirmation, which comes after the checks; a refusal or a dry run deletes nothing', async () => {
        await prompts.create(LOCAL_ADMIN, REVIEW);
        const asked: string[] = [];
        await failure(
          prompts.delete(viewer, 'code-review', {confirm: async (question) => void asked.push(question)}),
          4,
          'PERMISSION_DENIED',
        );
        await failure(
          prompts.delete(LOCAL_ADMIN, 'nope', {confirm: async (question) => void asked.push(question)}),
          3,
          'PROMPT_NOT_FOUND',
        );
        expect(asked).to.deep.equal([]);

        const refusal = Object.assign(new Error('No'), {code: 'CANCELLED', exitCode: 2});
        await failure(
          prompts.delete(LOCAL_ADMIN, 'code-review', {
            confirm: async () => {
              throw refusal;
            },
          }),
          2,
          'CANCELLED',
        );
        expect(await prompts.delete(LOCAL_ADMIN, 'code-review', {dryRun: true})).to.deep.equal({
          name: 'code-review',
          deleted: false,
          dryRun: true,
        });
        expect((await prompts.list(LOCAL_ADMIN, ALL)).total).to.equal(1);

        const result = await prompts.delete(admin, 'code-review', {
          confirm: async (question) => void asked.push(question),
        });
        expect(result).to.deep.equal({name: 'code-review', deleted: true});
        expect(asked).to.deep.equal(['Delete prompt "code-review"? MCP clients stop seeing it at once.']);
        await failure(prompts.get(LOCAL_ADMIN, 'code-review'), 3, 'PROMPT_NOT_FOUND');
        const deleted = kernel.events.filter((each) => each.type === 'mcp.prompts.changed').at(-1);
        expect(deleted?.payload).to.deep.equal({name: 'code-review', change: 'deleted'});
        expect(deleted?.inOpenTransaction).to.equal(true);
        expect(await kernel.audit('prompts.delete')).to.deep.include({
          actor: 'ada@example.com',
          target: 'code-review',
          result: 'ok',
          permission: 'prompts:write',
        });
      });
    });
  });
}
