import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine, expectFailure} from '@systemprompt/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));

describeEachEngine('api:keys:create: --batch and --dry-run', {root}, (t) => {
  const keys = async () =>
    (await t.cli('api:keys:list', '--json')).json().data as Array<{
      name: string;
      user: string;
      scopes: string[];
      expiresAt: string | null;
    }>;

  beforeEach(async () => {
    for (const [email, role] of [
      ['ana@example.com', 'viewer'],
      ['bo@example.com', 'operator'],
    ])
      expect((await t.cli('users:create', '--email', email!, '--role', role!)).exitCode).to.equal(0);
  });

  it('creates one key per row, each shown once in its row, and exits 2 when a row failed', async () => {
    const file = join(t.home.path, 'keys.csv');
    await writeFile(
      file,
      'name,user,scopes,expiresInDays\nci,ana@example.com,users:read api-keys:read,30\nwide,ana@example.com,users:create,\nops,bo@example.com,modules:*,\nbad,ghost@example.com,users:read,\nsoon,bo@example.com,users:read,zero\n',
    );
    const run = await t.cli('api:keys:create', '--batch', file, '--json');
    expect(run.exitCode, run.stdout).to.equal(2);
    const {data} = run.json();
    expect(
      data.results.map((row: {ok: boolean; error?: {code: string; exitCode: number}}) =>
        row.ok ? 'ok' : `${row.error!.code}:${row.error!.exitCode}`,
      ),
    ).to.deep.equal(['ok', 'SCOPE_NOT_HELD:4', 'ok', 'USER_NOT_FOUND:3', 'BATCH_FIELD_INVALID:2']);
    expect(data.results[0].data.key).to.match(/^spk_/);
    expect(data.results[0].data.scopes).to.deep.equal(['api-keys:read', 'users:read']);
    expect((await keys()).map((key) => `${key.name}:${key.user}`)).to.deep.equal([
      'ci:ana@example.com',
      'ops:bo@example.com',
    ]);
  });

  it('--dry-run checks name, owner, scopes and duplicates and creates no key', async () => {
    const preview = await t.cli(
      'api:keys:create',
      '--name',
      'ci',
      '--user',
      'ana@example.com',
      '--scope',
      'users:read',
      '--expires-in-days',
      '7',
      '--dry-run',
      '--json',
    );
    expect(preview.exitCode, preview.stderr).to.equal(0);
    const {data, meta} = preview.json();
    expect(data).to.deep.include({name: 'ci', user: 'ana@example.com', scopes: ['users:read'], dryRun: true});
    expect(data).to.not.have.property('key');
    expect(meta).to.deep.equal({dryRun: true});
    expect(await keys()).to.deep.equal([]);
    for (const [args, exitCode, code] of [
      [['--name', 'ci', '--user', 'ana@example.com', '--scope', 'users:create'], 4, 'SCOPE_NOT_HELD'],
      [['--name', 'ci', '--user', 'ghost@example.com', '--scope', 'users:read'], 3, 'USER_NOT_FOUND'],
      [['--name', 'x'.repeat(101), '--user', 'ana@example.com', '--scope', 'users:read'], 2, 'KEY_NAME_INVALID'],
      [['--name', 'ci', '--user', 'ana@example.com'], 2, 'KEY_SCOPES_REQUIRED'],
    ] as const) {
      expectFailure(await t.cli('api:keys:create', ...args, '--dry-run', '--json'), exitCode, code);
    }
    expect(
      (await t.cli('api:keys:create', '--name', 'ci', '--user', 'ana@example.com', '--scope', 'users:read')).exitCode,
    ).to.equal(0);
    expectFailure(
      await t.cli(
        'api:keys:create',
        '--name',
        'ci',
        '--user',
        'ana@example.com',
        '--scope',
        'users:read',
        '--dry-run',
        '--json',
      ),
      5,
      'KEY_EXISTS',
    );
    expect((await keys()).length).to.equal(1);
  });
});
