import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine, expectFailure} from '@systemprompt/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));

describeEachEngine('permissions:grant and permissions:revoke: --batch and --dry-run', {root}, (t) => {
  const file = async (name: string, text: string) => {
    const path = join(t.home.path, name);
    await writeFile(path, text);
    return path;
  };
  const holds = async (email: string, permission: string) => {
    const run = await t.cli('permissions:check', email, permission, '--json');
    // Any other refusal must not read as "does not hold".
    if (run.exitCode !== 0) expectFailure(run, 4, 'PERMISSION_NOT_HELD');
    return run.exitCode === 0;
  };

  beforeEach(async () => {
    expect((await t.cli('users:create', '--email', 'ana@example.com')).exitCode).to.equal(0);
  });

  it("grants every row, reports each, and exits 2 when a row failed (an unknown user is that row's 3)", async () => {
    const grants = await file(
      'grants.ndjson',
      [
        {permission: 'users:read', user: 'ana@example.com'},
        {permission: 'users:delete', user: 'ghost@example.com'},
        {permission: 'users:fly', user: 'ana@example.com'},
        {permission: 'users:create', user: 'ana@example.com', role: 'viewer'},
        {permission: 'users:update', user: 'ana@example.com'},
      ]
        .map((row) => JSON.stringify(row))
        .join('\n'),
    );
    const run = await t.cli('permissions:grant', '--batch', grants, '--json');
    expect(run.exitCode, run.stdout).to.equal(2);
    expect(
      run
        .json()
        .data.results.map((row: {ok: boolean; error?: {code: string; exitCode: number}}) =>
          row.ok ? 'ok' : `${row.error!.code}:${row.error!.exitCode}`,
        ),
    ).to.deep.equal(['ok', 'USER_NOT_FOUND:3', 'PERMISSION_UNKNOWN:2', 'GRANT_SUBJECT:2', 'ok']);
    expect(await holds('ana@example.com', 'users:read')).to.equal(true);
    expect(await holds('ana@example.com', 'users:update')).to.equal(true);

    const revocations = await file(
      'revocations.csv',
      'permission,user\nusers:read,ana@example.com\nusers:update,ana@example.com\n',
    );
    const revoked = await t.cli('permissions:revoke', '--batch', revocations, '--json');
    expect(revoked.exitCode, revoked.stdout).to.equal(0);
    expect(revoked.json().data).to.include({total: 2, succeeded: 2, failed: 0});
    expect(await holds('ana@example.com', 'users:read')).to.equal(false);
  });

  it('--dry-run checks each grant and revoke as a real run would, and changes nothing', async () => {
    const dry = await t.cli('permissions:grant', 'users:read', '--user', 'ana@example.com', '--dry-run', '--json');
    expect(dry.exitCode, dry.stderr).to.equal(0);
    expect(dry.json()).to.deep.include({
      data: {permission: 'users:read', user: 'ana@example.com', granted: false, dryRun: true},
      meta: {dryRun: true},
    });
    expect(await holds('ana@example.com', 'users:read')).to.equal(false);
    expectFailure(
      await t.cli('permissions:grant', 'users:read', '--user', 'ghost@example.com', '--dry-run', '--json'),
      3,
      'USER_NOT_FOUND',
    );
    expectFailure(
      await t.cli('permissions:grant', 'users:fly', '--user', 'ana@example.com', '--dry-run', '--json'),
      2,
      'PERMISSION_UNKNOWN',
    );
    expectFailure(
      await t.cli('permissions:grant', 'users:read', '--role', 'viewer', '--dry-run', '--json'),
      2,
      'ROLE_BUILTIN',
    );
    await t.cli('permissions:grant', 'users:read', '--user', 'ana@example.com');
    expect(
      (await t.cli('permissions:revoke', 'users:read', '--user', 'ana@example.com', '--dry-run', '--json')).json().data,
    ).to.deep.equal({permission: 'users:read', user: 'ana@example.com', revoked: false, dryRun: true});
    expect(await holds('ana@example.com', 'users:read')).to.equal(true);
  });

  it('refuses a permission that is too long (exit 2) before the database sees it', async () => {
    const long = `users:${'a'.repeat(200)}`;
    expectFailure(
      await t.cli('permissions:revoke', long, '--user', 'ana@example.com', '--json'),
      2,
      'PERMISSION_INVALID',
    );
  });

  it('refuses PERMISSION together with --batch, and neither (exit 2)', async () => {
    const grants = await file('grants.ndjson', '{"permission":"users:read","user":"ana@example.com"}\n');
    expectFailure(
      await t.cli('permissions:grant', 'users:read', '--batch', grants, '--json'),
      2,
      'BATCH_WITH_ARGUMENT',
    );
    expectFailure(await t.cli('permissions:grant', '--user', 'ana@example.com', '--json'), 2, 'PERMISSION_REQUIRED');
    expect(await holds('ana@example.com', 'users:read')).to.equal(false);
  });
});
