import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine, expectFailure} from '@systemprompt/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));

describeEachEngine('users: input checks, dry runs and --batch', {root}, (t) => {
  const count = async () => (await t.cli('users:list', '--json')).json().meta.total as number;
  const batchFile = async (name: string, text: string) => {
    const file = join(t.home.path, name);
    await writeFile(file, text);
    return file;
  };

  describe('emails and names', () => {
    it('normalizes emails (NFC, trimmed, lower-cased, IDNA domain) and finds users by any form of them', async () => {
      const created = (await t.cli('users:create', '--email', ' Rene\u0301@BÜCHER.example ', '--json')).json().data;
      expect(created.email).to.equal('ren\u00e9@xn--bcher-kva.example');
      expect((await t.cli('users:get', 'REN\u00c9@bücher.example', '--json')).json().data.id).to.equal(created.id);
      const duplicate = await t.cli('users:create', '--email', 'rene\u0301@xn--bcher-kva.example', '--json');
      expectFailure(duplicate, 5, 'USER_EXISTS');
    });

    it('refuses a lookalike email that mixes scripts (exit 2), with a clear message, and stores nothing', async () => {
      const error = expectFailure(
        await t.cli('users:create', '--email', 'adm\u0456n@example.com', '--json'),
        2,
        'EMAIL_MIXED_SCRIPT',
      );
      expect(error.message).to.include('mixes Latin and Cyrillic letters');
      expect(await count()).to.equal(0);
    });

    it('refuses control characters and invalid UTF-8 in emails (exit 2)', async () => {
      expectFailure(await t.cli('users:create', '--email', 'ana\u0007@example.com', '--json'), 2, 'EMAIL_INVALID');
      expectFailure(await t.cli('users:create', '--email', 'ana\ud800@example.com', '--json'), 2, 'EMAIL_INVALID');
      expectFailure(await t.cli('users:create', '--email', 'an\u200ba@example.com', '--json'), 2, 'EMAIL_INVALID');
      expect(await count()).to.equal(0);
    });

    it('refuses a 100 KB name with exit 2 before the database sees it (no "Data too long"), on create and update', async () => {
      const huge = 'x'.repeat(100_000);
      const error = expectFailure(
        await t.cli('users:create', '--email', 'ana@example.com', '--name', huge, '--json'),
        2,
        'USER_NAME_INVALID',
      );
      expect(error.message).to.equal('The name is 100000 characters long; the most is 200');
      expect(await count()).to.equal(0);
      expect((await t.cli('users:create', '--email', 'ana@example.com', '--name', 'é'.repeat(200))).exitCode).to.equal(
        0,
      );
      expectFailure(await t.cli('users:update', 'ana@example.com', '--name', huge, '--json'), 2, 'USER_NAME_INVALID');
      expectFailure(
        await t.cli('users:update', 'ana@example.com', '--name', 'Ana\u202eLima', '--json'),
        2,
        'USER_NAME_INVALID',
      );
      expect((await t.cli('users:get', 'ana@example.com', '--json')).json().data.name).to.equal('é'.repeat(200));
    });

    it('answers a 100 KB user reference with "not found" (3), one line', async () => {
      const run = await t.cli('users:get', 'x'.repeat(100_000));
      expect(run.exitCode).to.equal(3);
      expect(run.stderr.split('\n')[0]!.length).to.be.below(200);
      expect(
        expectFailure(await t.cli('users:get', 'x'.repeat(100_000), '--json'), 3, 'USER_NOT_FOUND').message.length,
      ).to.be.below(200);
    });
  });

  describe('--dry-run', () => {
    it('users:create --dry-run validates everything a real run would: invalid email (2), unknown role (3), duplicate (5)', async () => {
      expectFailure(await t.cli('users:create', '--email', 'not-an-email', '--dry-run', '--json'), 2, 'EMAIL_INVALID');
      expectFailure(
        await t.cli('users:create', '--email', 'ana@example.com', '--role', 'wizard', '--dry-run', '--json'),
        3,
        'ROLE_NOT_FOUND',
      );
      expectFailure(
        await t.cli('users:create', '--email', 'ana@example.com', '--name', 'x'.repeat(201), '--dry-run', '--json'),
        2,
        'USER_NAME_INVALID',
      );
      expect(await count()).to.equal(0);
      const preview = await t.cli(
        'users:create',
        '--email',
        'Ana@Example.com',
        '--role',
        'viewer',
        '--dry-run',
        '--json',
      );
      expect(preview.exitCode, preview.stderr).to.equal(0);
      expect(preview.json()).to.deep.include({
        data: {email: 'ana@example.com', name: null, roles: ['viewer'], hasPassword: false, dryRun: true},
        meta: {dryRun: true},
      });
      expect(await count()).to.equal(0);
      await t.cli('users:create', '--email', 'ana@example.com');
      expectFailure(await t.cli('users:create', '--email', 'ana@example.com', '--dry-run', '--json'), 5, 'USER_EXISTS');
    });

    it('users:update and users:delete --dry-run check everything and change nothing', async () => {
      await t.cli('users:create', '--email', 'ana@example.com', '--role', 'viewer');
      expectFailure(
        await t.cli('users:update', 'ghost@example.com', '--name', 'x', '--dry-run', '--json'),
        3,
        'USER_NOT_FOUND',
      );
      expectFailure(
        await t.cli('users:update', 'ana@example.com', '--add-role', 'wizard', '--dry-run', '--json'),
        3,
        'ROLE_NOT_FOUND',
      );
      expectFailure(
        await t.cli('users:update', 'ana@example.com', '--email', 'bad', '--dry-run', '--json'),
        2,
        'EMAIL_INVALID',
      );
      const preview = (
        await t.cli(
          'users:update',
          'ana@example.com',
          '--add-role',
          'operator',
          '--remove-role',
          'viewer',
          '--name',
          'Ana',
          '--dry-run',
          '--json',
        )
      ).json();
      expect(preview.data).to.deep.include({email: 'ana@example.com', name: 'Ana', roles: ['operator'], dryRun: true});
      expectFailure(await t.cli('users:delete', 'ghost@example.com', '--dry-run', '--json'), 3, 'USER_NOT_FOUND');
      // No --confirm needed: nothing is deleted.
      expect((await t.cli('users:delete', 'ana@example.com', '--dry-run', '--json')).json().data).to.deep.include({
        email: 'ana@example.com',
        deleted: false,
        dryRun: true,
      });
      const user = (await t.cli('users:get', 'ana@example.com', '--json')).json().data;
      expect(user).to.deep.include({name: null, roles: ['viewer']});
    });
  });

  describe('--batch', () => {
    it('users:create --batch reports each row and exits 2 when any row failed (here a "not found" row)', async () => {
      const file = await batchFile(
        'people.ndjson',
        [
          JSON.stringify({email: 'ana@example.com', name: 'Ana', roles: ['viewer']}),
          JSON.stringify({email: 'bo@example.com', roles: ['wizard']}),
          JSON.stringify({email: 'not-an-email'}),
          JSON.stringify({email: 'cy@example.com', emial: 'typo'}),
          JSON.stringify({email: 'di@example.com'}),
        ].join('\n'),
      );
      const run = await t.cli('users:create', '--batch', file, '--json');
      expect(run.exitCode, run.stdout).to.equal(2);
      const {data} = run.json();
      expect(data).to.include({total: 5, succeeded: 2, failed: 3});
      expect(
        data.results.map((row: {ok: boolean; error?: {code: string; exitCode: number}}) =>
          row.ok ? 'ok' : `${row.error!.code}:${row.error!.exitCode}`,
        ),
      ).to.deep.equal(['ok', 'ROLE_NOT_FOUND:3', 'EMAIL_INVALID:2', 'BATCH_FIELD_UNKNOWN:2', 'ok']);
      expect(data.results[0].data).to.deep.include({email: 'ana@example.com', name: 'Ana', roles: ['viewer']});
      const emails = (await t.cli('users:list', '--json')).json().data.map((user: {email: string}) => user.email);
      expect(emails).to.deep.equal(['ana@example.com', 'di@example.com']);
    });

    it('users:create --batch reads CSV (roles separated by spaces or semicolons); all rows ok is exit 0; --dry-run creates nothing', async () => {
      const file = await batchFile(
        'people.csv',
        'email,name,roles\nana@example.com,"Lima, Ana",viewer;operator\nbo@example.com,,\n',
      );
      const dry = await t.cli('users:create', '--batch', file, '--dry-run', '--json');
      expect(dry.exitCode, dry.stdout).to.equal(0);
      expect(dry.json().data.results.map((row: {data: {dryRun: boolean}}) => row.data.dryRun)).to.deep.equal([
        true,
        true,
      ]);
      expect(await count()).to.equal(0);
      const run = await t.cli('users:create', '--batch', file, '--json');
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(run.json().data.results[0].data).to.deep.include({name: 'Lima, Ana', roles: ['operator', 'viewer']});
      expect(await count()).to.equal(2);
    });

    it('users:update --batch and users:delete --batch (one confirmation for the file)', async () => {
      for (const email of ['ana@example.com', 'bo@example.com']) await t.cli('users:create', '--email', email);
      const changes = await batchFile(
        'changes.yaml',
        '- {user: ana@example.com, addRoles: [viewer], name: Ana}\n- {user: ghost@example.com, name: Nobody}\n',
      );
      const updated = await t.cli('users:update', '--batch', changes, '--json');
      expect(updated.exitCode).to.equal(2);
      expect(updated.json().data).to.include({succeeded: 1, failed: 1});
      expect(
        updated
          .json()
          .data.results.map((row: {ok: boolean; error?: {code: string}}) => (row.ok ? 'ok' : row.error!.code)),
      ).to.deep.equal(['ok', 'USER_NOT_FOUND']);
      expect((await t.cli('users:get', 'ana@example.com', '--json')).json().data).to.deep.include({
        name: 'Ana',
        roles: ['viewer'],
      });

      const leavers = await batchFile('leavers.csv', 'user\nana@example.com\nbo@example.com\n');
      const unconfirmed = await t.cli('users:delete', '--batch', leavers, '--json');
      expect(unconfirmed.exitCode).to.equal(2);
      expect(unconfirmed.json().data.results.map((row: {error: {code: string}}) => row.error.code)).to.deep.equal([
        'CONFIRMATION_REQUIRED',
        'CONFIRMATION_REQUIRED',
      ]);
      expect(await count()).to.equal(2);
      const deleted = await t.cli('users:delete', '--batch', leavers, '--confirm', '--json');
      expect(deleted.exitCode, deleted.stdout).to.equal(0);
      expect(await count()).to.equal(0);
    });

    it('refuses --batch together with the flags of one item (exit 2), and an unreadable file (exit 2)', async () => {
      const file = await batchFile('people.ndjson', '{"email":"ana@example.com"}\n');
      expectFailure(
        await t.cli('users:create', '--batch', file, '--email', 'bo@example.com', '--json'),
        2,
        'INVALID_USAGE',
      );
      expectFailure(
        await t.cli('users:update', 'ana@example.com', '--batch', file, '--json'),
        2,
        'BATCH_WITH_ARGUMENT',
      );
      expectFailure(
        await t.cli('users:create', '--batch', join(t.home.path, 'missing.ndjson'), '--json'),
        2,
        'BATCH_UNREADABLE',
      );
      expect(await count()).to.equal(0);
    });
  });
});
