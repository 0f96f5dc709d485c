import {mkdir, rm, symlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {LOCAL_ADMIN, parseListQuery, type Actor, type ListQuery} from '@systemprompt/core';
import {createTempHome, createTestDatabase, testEngines, type TempHome, type TestDatabase} from '@systemprompt/testing';
import {
  RESOURCE_LIST_FIELDS,
  isTextMimeType,
  mimeTypeForFile,
  type ResourceService,
  type ResourceView,
} from '../src/services/resources.js';
import {bootContentKernel, failure, type ContentKernel} from './content-kernel.js';

const query = (flags: Parameters<typeof parseListQuery>[0] = {}): ListQuery =>
  parseListQuery(flags, {fields: RESOURCE_LIST_FIELDS, defaultLimit: null});
/** The first bytes of a PNG file, and a byte that is not UTF-8. */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00]);

describe('resource MIME types', () => {
  it('guesses from the extension, and serves text types as text', () => {
    expect(mimeTypeForFile('docs/guide.MD')).to.equal('text/markdown');
    expect(mimeTypeForFile('a.json')).to.equal('application/json');
    expect(mimeTypeForFile('logo.png')).to.equal('image/png');
    expect(mimeTypeForFile('noextension')).to.equal('application/octet-stream');
    for (const text of [
      'text/plain',
      'text/markdown; charset=utf-8',
      'application/json',
      'application/ld+json',
      'image/svg+xml',
    ])
      expect(isTextMimeType(text), text).to.equal(true);
    for (const binary of ['image/png', 'application/octet-stream', 'application/pdf'])
      expect(isTextMimeType(binary), binary).to.equal(false);
  });
});

for (const engine of testEngines()) {
  describe(`ResourceService [${engine}]`, () => {
    let home: TempHome;
    let database: TestDatabase;
    let kernel: ContentKernel;
    let resources: ResourceService;
    let viewer: Actor;
    let admin: Actor;
    const put = async (file: string, content: string | Buffer) => {
      const path = join(kernel.dataDir, file);
      await mkdir(join(path, '..'), {recursive: true});
      await writeFile(path, content);
      return path;
    };

    beforeEach(async () => {
      home = await createTempHome();
      database = await createTestDatabase(engine);
      kernel = await bootContentKernel(home.path, database.url);
      resources = kernel.resources;
      viewer = await kernel.seedUser('vera@example.com', ['viewer']);
      admin = await kernel.seedUser('ada@example.com', ['admin']);
    });
    afterEach(async () => {
      await kernel?.close();
      await database.drop();
      await home.remove();
    });

    describe('text resources', () => {
      it('creates one as text/plain guarded by resources:read, audits it and emits in its transaction', async () => {
        const created = (await resources.create(admin, {
          uri: 'notes://on-call',
          name: 'On-call notes',
          text: 'Page the SRE channel first.\n',
        })) as ResourceView;
        expect(created).to.include({
          uri: 'notes://on-call',
          name: 'On-call notes',
          title: null,
          description: null,
          mimeType: 'text/plain',
          text: 'Page the SRE channel first.\n',
          file: null,
          permission: 'resources:read',
          updatedBy: 'ada@example.com',
        });
        expect(await resources.get(viewer, 'notes://on-call')).to.deep.equal(created);
        expect(await resources.read(viewer, 'notes://on-call')).to.deep.equal({
          uri: 'notes://on-call',
          mimeType: 'text/plain',
          text: 'Page the SRE channel first.\n',
        });
        const event = kernel.events.find((each) => each.type === 'mcp.resources.changed');
        expect(event?.payload).to.deep.equal({uri: 'notes://on-call', change: 'created'});
        expect(event?.inOpenTransaction).to.equal(true);
        expect(await kernel.audit('resources.create')).to.deep.equal([
          {actor: 'ada@example.com', target: 'notes://on-call', result: 'ok', permission: 'resources:write'},
        ]);
      });

      it('lets a viewer list, get and read, but not create (exit 4, audited)', async () => {
        await resources.create(LOCAL_ADMIN, {uri: 'docs://a', name: 'A', text: 'a'});
        expect((await resources.list(viewer, query())).items.map((item) => item.uri)).to.deep.equal(['docs://a']);
        await failure(resources.create(viewer, {uri: 'docs://b', name: 'B', text: 'b'}), 4, 'PERMISSION_DENIED');
        expect(await kernel.audit('resources.create')).to.deep.include({
          actor: 'vera@example.com',
          target: 'docs://b',
          result: 'denied',
          permission: 'resources:write',
        });
        const nobody = await kernel.seedUser('nora@example.com');
        await failure(resources.list(nobody, query()), 4, 'PERMISSION_DENIED');
        await failure(resources.get(nobody, 'docs://a'), 4, 'PERMISSION_DENIED');
      });

      it('refuses bad URIs, a taken URI (also in another letter case, on both engines), and bad content', async () => {
        for (const uri of ['guide', '://x', 'docs:// space', 'dócs://x', 'docs://é', `docs://${'x'.repeat(500)}`, ''])
          await failure(resources.create(LOCAL_ADMIN, {uri, name: 'X', text: 'x'}), 2, 'RESOURCE_URI_INVALID');
        await failure(
          resources.create(LOCAL_ADMIN, {uri: 'docs://x', name: ' ', text: 'x'}),
          2,
          'RESOURCE_TEXT_INVALID',
        );
        await failure(
          resources.create(LOCAL_ADMIN, {uri: 'docs://x', name: 'X', text: 'x', file: 'x.txt'}),
          2,
          'RESOURCE_CONTENT_INVALID',
        );
        await failure(resources.create(LOCAL_ADMIN, {uri: 'docs://x', name: 'X'}), 2, 'RESOURCE_CONTENT_INVALID');
        await failure(
          resources.create(LOCAL_ADMIN, {uri: 'docs://x', name: 'X', text: 'x', mimeType: 'image/png'}),
          2,
          'RESOURCE_MIME_TYPE_INVALID',
        );
        await failure(
          resources.create(LOCAL_ADMIN, {uri: 'docs://x', name: 'X', text: 'x', mimeType: 'plain'}),
          2,
          'RESOURCE_MIME_TYPE_INVALID',
        );
        await failure(
          resources.create(LOCAL_ADMIN, {uri: 'docs://x', name: 'X', text: 'x'.repeat(70_000)}),
          2,
          'RESOURCE_TEXT_INVALID',
        );

        const preview = await resources.create(
          LOCAL_ADMIN,
          {uri: 'docs://Guide', name: 'G', text: 'g'},
          {dryRun: true},
        );
        expect(preview).to.include({uri: 'docs://Guide', dryRun: true});
        expect((await resources.list(LOCAL_ADMIN, query())).total).to.equal(0);

        await resources.create(LOCAL_ADMIN, {uri: 'docs://Guide', name: 'G', text: 'g', mimeType: 'Text/Markdown'});
        expect((await resources.get(LOCAL_ADMIN, 'docs://Guide')).mimeType).to.equal('text/markdown');
        await failure(resources.create(LOCAL_ADMIN, {uri: 'docs://Guide', name: 'G', text: 'g'}), 5, 'RESOURCE_EXISTS');
        const variant = await failure(
          resources.create(LOCAL_ADMIN, {uri: 'docs://guide', name: 'G', text: 'g'}),
          5,
          'RESOURCE_EXISTS',
        );
        expect(variant.message).to.contain('docs://Guide');
        await failure(resources.get(LOCAL_ADMIN, 'docs://guide'), 3, 'RESOURCE_NOT_FOUND');
        await failure(resources.read(LOCAL_ADMIN, 'docs://GUIDE'), 3, 'RESOURCE_NOT_FOUND');
      });
    });

    describe('file resources', () => {
      it('serves a file of the data directory: text types as text, others as base64', async () => {
        await put('docs/guide.md', '# Guide\n');
        await put('images/logo.png', PNG);
        const guide = (await resources.create(LOCAL_ADMIN, {
          uri: 'docs://guide',
          name: 'Guide',
          file: './docs//guide.md',
        })) as ResourceView;
        expect(guide).to.include({file: 'docs/guide.md', mimeType: 'text/markdown', text: null});
        expect(await resources.read(viewer, 'docs://guide')).to.deep.equal({
          uri: 'docs://guide',
          mimeType: 'text/markdown',
          text: '# Guide\n',
        });
        await resources.create(LOCAL_ADMIN, {uri: 'img://logo', name: 'Logo', file: 'images/logo.png'});
        expect(await resources.read(viewer, 'img://logo')).to.deep.equal({
          uri: 'img://logo',
          mimeType: 'image/png',
          blob: PNG.toString('base64'),
        });
        // A text type whose bytes are not UTF-8 comes as a blob rather than as mangled text.
        await put('broken.txt', PNG);
        await resources.create(LOCAL_ADMIN, {uri: 'docs://broken', name: 'Broken', file: 'broken.txt'});
        expect(await resources.read(viewer, 'docs://broken')).to.have.property('blob', PNG.toString('base64'));

        expect(
          (await resources.list(viewer, query({filter: ['source=file'], sort: 'uri'}))).items.map((item) => item.uri),
        ).to.deep.equal(['docs://broken', 'docs://guide', 'img://logo']);
      });

      it('refuses absolute paths, .. and symbolic links leading outside the data directory', async () => {
        await put('inside.txt', 'inside');
        const outsideFile = join(home.path, 'secret.txt');
        await writeFile(outsideFile, 'secret');
        await symlink(outsideFile, join(kernel.dataDir, 'link.txt'));
        await symlink(home.path, join(kernel.dataDir, 'home-link'));
        await symlink(join(kernel.dataDir, 'inside.txt'), join(kernel.dataDir, 'inner-link.txt'));
        for (const file of [
          outsideFile,
          '/etc/passwd',
          '../secret.txt',
          'docs/../../secret.txt',
          '..',
          'link.txt',
          'home-link/secret.txt',
        ]) {
          await failure(
            resources.create(LOCAL_ADMIN, {uri: 'docs://escape', name: 'E', file}),
            2,
            'RESOURCE_FILE_OUTSIDE',
          );
        }
        await failure(
          resources.create(LOCAL_ADMIN, {uri: 'docs://x', name: 'X', file: 'none.txt'}),
          3,
          'RESOURCE_FILE_MISSING',
        );
        await mkdir(join(kernel.dataDir, 'folder'));
        for (const file of ['folder', '.', 'a\\b.txt', 'a\0b'])
          await failure(resources.create(LOCAL_ADMIN, {uri: 'docs://x', name: 'X', file}), 2, 'RESOURCE_FILE_INVALID');
        expect((await resources.list(LOCAL_ADMIN, query())).total).to.equal(0);

        // A link that stays inside is fine.
        const linked = (await resources.create(LOCAL_ADMIN, {
          uri: 'docs://inner',
          name: 'I',
          file: 'inner-link.txt',
        })) as ResourceView;
        expect(linked.file).to.equal('inner-link.txt');
        expect(await resources.read(LOCAL_ADMIN, 'docs://inner')).to.have.property('text', 'inside');
      });

      it('makes the data directory on demand, and reports a file that disappeared or now leads outside', async () => {
        await rm(kernel.dataDir, {recursive: true, force: true});
        await failure(
          resources.create(LOCAL_ADMIN, {uri: 'docs://a', name: 'A', file: 'a.txt'}),
          3,
          'RESOURCE_FILE_MISSING',
        );
        const path = await put('a.txt', 'A');
        await resources.create(LOCAL_ADMIN, {uri: 'docs://a', name: 'A', file: 'a.txt'});
        await rm(path);
        await failure(resources.read(viewer, 'docs://a'), 3, 'RESOURCE_FILE_MISSING');
        const outsideFile = join(home.path, 'secret.txt');
        await writeFile(outsideFile, 'secret');
        await symlink(outsideFile, path);
        await failure(resources.read(viewer, 'docs://a'), 2, 'RESOURCE_FILE_OUTSIDE');
      });
    });

    describe('the permission that guards a resource', () => {
      it('hides a resource guarded by users:write from a viewer and denies reading it (audited); an admin reads it', async () => {
        await resources.create(LOCAL_ADMIN, {uri: 'docs://open', name: 'Open', text: 'open'});
        await resources.create(LOCAL_ADMIN, {
          uri: 'docs://admin',
          name: 'Admin',
          text: 'admins only',
          permission: 'users:write',
        });
        expect((await resources.visibleTo(viewer)).map((resource) => resource.uri)).to.deep.equal(['docs://open']);
        expect((await resources.visibleTo(admin)).map((resource) => resource.uri)).to.deep.equal([
          'docs://admin',
          'docs://open',
        ]);
        await failure(resources.read(viewer, 'docs://admin'), 4, 'PERMISSION_DENIED');
        expect(await kernel.audit('resources.read')).to.deep.equal([
          {actor: 'vera@example.com', target: 'docs://admin', result: 'denied', permission: 'users:write'},
        ]);
        expect(await resources.read(admin, 'docs://admin')).to.have.property('text', 'admins only');
      });

      it('takes a valid permission the actor holds, and refuses changes to a resource guarded by one it lacks', async () => {
        await kernel.seedRole('resource-writer', ['resources:*']);
        const writer = await kernel.seedUser('wes@example.com', ['resource-writer']);
        await failure(
          resources.create(writer, {uri: 'docs://x', name: 'X', text: 'x', permission: 'not a permission'}),
          2,
          'PERMISSION_INVALID',
        );
        await failure(
          resources.create(writer, {uri: 'docs://x', name: 'X', text: 'x', permission: 'users:write'}),
          4,
          'RESOURCE_PERMISSION_NOT_HELD',
        );
        expect(await kernel.audit('resources.create')).to.deep.equal([
          {actor: 'wes@example.com', target: 'docs://x', result: 'denied', permission: 'users:write'},
        ]);
        await resources.create(LOCAL_ADMIN, {uri: 'docs://guarded', name: 'G', text: 'g', permission: 'users:write'});
        await failure(resources.update(writer, 'docs://guarded', {text: 'mine'}), 4, 'RESOURCE_PERMISSION_NOT_HELD');
        await failure(resources.delete(writer, 'docs://guarded'), 4, 'RESOURCE_PERMISSION_NOT_HELD');
        expect(await resources.read(LOCAL_ADMIN, 'docs://guarded')).to.have.property('text', 'g');
      });
    });

    describe('update and delete', () => {
      it('switches between text and a file, with the MIME type to match; a dry run changes nothing', async () => {
        await put('guide.md', '# Guide');
        await resources.create(LOCAL_ADMIN, {uri: 'docs://guide', name: 'Guide', text: 'draft', title: 'T'});
        await failure(resources.update(LOCAL_ADMIN, 'docs://guide', {}), 2, 'NOTHING_TO_UPDATE');
        await failure(
          resources.update(LOCAL_ADMIN, 'docs://guide', {text: 'a', file: 'guide.md'}),
          2,
          'RESOURCE_CONTENT_INVALID',
        );
        await failure(resources.update(LOCAL_ADMIN, 'docs://nope', {name: 'N'}), 3, 'RESOURCE_NOT_FOUND');
        await failure(resources.update(LOCAL_ADMIN, 'docs://guide', {file: '../x'}), 2, 'RESOURCE_FILE_OUTSIDE');

        const preview = await resources.update(LOCAL_ADMIN, 'docs://guide', {file: 'guide.md'}, {dryRun: true});
        expect(preview).to.include({file: 'guide.md', text: null, mimeType: 'text/markdown', dryRun: true});
        expect((await resources.get(LOCAL_ADMIN, 'docs://guide')).text).to.equal('draft');

        const toFile = (await resources.update(admin, 'docs://guide', {file: 'guide.md', title: ''})) as ResourceView;
        expect(toFile).to.include({file: 'guide.md', text: null, mimeType: 'text/markdown', title: null});
        expect(await resources.read(viewer, 'docs://guide')).to.have.property('text', '# Guide');

        await put('logo.png', PNG);
        await resources.update(admin, 'docs://guide', {file: 'logo.png'});
        const toText = (await resources.update(admin, 'docs://guide', {text: 'back to text'})) as ResourceView;
        expect(toText).to.include({file: null, text: 'back to text', mimeType: 'text/plain'});
        await failure(
          resources.update(admin, 'docs://guide', {mimeType: 'application/pdf'}),
          2,
          'RESOURCE_MIME_TYPE_INVALID',
        );
        expect(await resources.get(LOCAL_ADMIN, 'docs://guide')).to.deep.equal(toText);
        expect(
          kernel.events.filter((each) => each.type === 'mcp.resources.changed').map((each) => each.payload),
        ).to.deep.equal([
          {uri: 'docs://guide', change: 'created'},
          {uri: 'docs://guide', change: 'updated'},
          {uri: 'docs://guide', change: 'updated'},
          {uri: 'docs://guide', change: 'updated'},
        ]);
      });

      it('deletes after the confirmation and leaves the file; a dry run deletes nothing', async () => {
        const path = await put('guide.md', '# Guide');
        await resources.create(LOCAL_ADMIN, {uri: 'docs://guide', name: 'Guide', file: 'guide.md'});
        await failure(resources.delete(viewer, 'docs://guide'), 4, 'PERMISSION_DENIED');
        expect(await resources.delete(LOCAL_ADMIN, 'docs://guide', {dryRun: true})).to.deep.equal({
          uri: 'docs://guide',
          deleted: false,
          dryRun: true,
        });
        const asked: string[] = [];
        expect(
          await resources.delete(admin, 'docs://guide', {confirm: async (question) => void asked.push(question)}),
        ).to.deep.equal({uri: 'docs://guide', deleted: true});
        expect(asked).to.deep.equal([
          'Delete resource docs://guide? (The file guide.md stays.) MCP clients stop seeing it at once.',
        ]);
        await failure(resources.get(LOCAL_ADMIN, 'docs://guide'), 3, 'RESOURCE_NOT_FOUND');
        await failure(resources.delete(LOCAL_ADMIN, 'docs://guide'), 3, 'RESOURCE_NOT_FOUND');
        const {readFile} = await import('node:fs/promises');
        expect(await readFile(path, 'utf8')).to.equal('# Guide');
        expect(await kernel.audit('resources.delete')).to.deep.equal([
          {actor: 'vera@example.com', target: 'docs://guide', result: 'denied', permission: 'resources:write'},
          {actor: 'ada@example.com', target: 'docs://guide', result: 'ok', permission: 'resources:write'},
        ]);
      });
    });
  });
}
