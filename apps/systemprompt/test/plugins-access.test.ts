import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {expect} from 'chai';
import {describeEachEngine, expectFailure} from '@systemprompt/testing';
import {
  APP_ROOT,
  auditLog,
  bin,
  cliAs,
  commandIds,
  fixture,
  ok,
  userPluginsFile,
  userWithKey,
  type As,
} from './helpers/access.js';

/**
 * oclif's plugins:* commands put code into every later command, so they need modules:write (as
 * extension:install does); listing them needs modules:read. Run through the installed bin, as the attack
 * was: with local trust off, nobody signed in or a viewer.
 */
describeEachEngine('oclif plugins:* commands check the caller (the bin)', {root: APP_ROOT}, (t) => {
  let packs: string;
  let viewer: As;
  let admin: As;

  beforeEach(async () => {
    packs = mkdtempSync(join(tmpdir(), 'systemprompt-packs-'));
    viewer = await userWithKey(t, 'viewer@example.com', 'viewer');
    admin = await userWithKey(t, 'admin@example.com', 'admin');
  });
  afterEach(() => rmSync(packs, {recursive: true, force: true}));

  it('refuses every plugins command that changes plugins to anonymous and to a viewer (exit 4, audited); nothing changes', async function () {
    this.timeout(300_000);
    // Something installed to try to remove, update and reset; something else to try to link and install.
    expect((await bin(t, 'local', 'plugins:link', fixture('echo-module'), '--no-install')).exitCode).to.equal(0);
    const tarball = join(
      packs,
      execFileSync('npm', ['pack', fixture('acme-notes'), '--pack-destination', packs, '--silent'], {encoding: 'utf8'})
        .trim()
        .split('\n')
        .pop()!,
    );
    const attempts = [
      ['plugins:link', fixture('acme-notes'), '--no-install'],
      ['plugins:install', `file://${tarball}`],
      ['plugins:add', `file://${tarball}`],
      ['plugins:uninstall', '@fixture/echo-module'],
      ['plugins:remove', '@fixture/echo-module'],
      ['plugins:unlink', '@fixture/echo-module'],
      ['plugins:update'],
      ['plugins:reset'],
    ];
    const before = await userPluginsFile(t);
    expect(before).to.include('@fixture/echo-module');

    for (const args of attempts) {
      const anonymous = await bin(t, 'anonymous', ...args);
      expect(anonymous.exitCode, `${args.join(' ')}: ${anonymous.stderr}`).to.equal(4);
      expect(anonymous.stderr, args.join(' ')).to.match(
        /^anonymous may not [^\n]+: modules:write is required \(not signed in\)\nHint: Sign in with auth:login[^\n]*\n$/,
      );
      expect(await userPluginsFile(t), args.join(' ')).to.equal(before);

      // The viewer in this process (the same command, faster than a child), in JSON for the error code.
      expectFailure(
        await cliAs(t, viewer, ...args, '--json'),
        4,
        'PERMISSION_DENIED',
        /^viewer@example\.com may not .*: modules:write is required/,
      );
      expect(await userPluginsFile(t), args.join(' ')).to.equal(before);
    }

    const ids = await commandIds(t);
    expect(ids).to.include('echo:say');
    expect(ids).to.not.include('acme-notes:add');

    const denied = (await auditLog(t)).filter((row) => row.result === 'denied' && row.action.startsWith('plugins.'));
    for (const actor of ['anonymous', 'viewer@example.com']) {
      expect(
        denied.filter((row) => row.actor === actor).map((row) => row.action),
        actor,
      ).to.deep.equal([
        'plugins.link',
        'plugins.install',
        'plugins.install',
        'plugins.uninstall',
        'plugins.uninstall',
        'plugins.uninstall',
        'plugins.update',
        'plugins.reset',
      ]);
    }
    expect(denied.every((row) => row.permission === 'modules:write')).to.equal(true);
    expect(denied.find((row) => row.action === 'plugins.link')!.target).to.equal(fixture('acme-notes'));
  });

  it('lets a viewer list the plugins (modules:read) but not anonymous', async () => {
    expectFailure(
      await bin(t, 'anonymous', 'plugins', '--json'),
      4,
      'PERMISSION_DENIED',
      /^anonymous may not list plugins: modules:read is required/,
    );
    const listed = await bin(t, viewer, 'plugins');
    expect(listed.exitCode, listed.stderr).to.equal(0);
  });

  it('lets an administrator link and unlink a plugin, audited with their email; a failure is audited too', async function () {
    this.timeout(180_000);
    const link = await bin(t, admin, 'plugins:link', fixture('echo-module'), '--no-install');
    expect(link.exitCode, link.stderr).to.equal(0);
    expect(await commandIds(t)).to.include('echo:say');
    const say = await bin(t, admin, 'echo:say', 'hello', '--json');
    expect(say.exitCode, say.stderr).to.equal(0);

    const unlink = await bin(t, admin, 'plugins:uninstall', '@fixture/echo-module');
    expect(unlink.exitCode, unlink.stderr).to.equal(0);
    expect(await commandIds(t)).to.not.include('echo:say');

    // oclif's own command: no --json and no error code, only its exit code and message.
    const missing = await bin(t, admin, 'plugins:uninstall', '@fixture/not-installed');
    expect(missing.exitCode, missing.stderr).to.equal(2);
    expect(missing.stderr).to.include('@fixture/not-installed is not installed');

    const records = (await auditLog(t)).filter((row) => row.action.startsWith('plugins.'));
    expect(
      records.map((row) => ({
        actor: row.actor,
        action: row.action,
        target: row.target,
        result: row.result,
        permission: row.permission,
      })),
    ).to.deep.equal([
      {
        actor: 'admin@example.com',
        action: 'plugins.link',
        target: fixture('echo-module'),
        result: 'ok',
        permission: 'modules:write',
      },
      {
        actor: 'admin@example.com',
        action: 'plugins.uninstall',
        target: '@fixture/echo-module',
        result: 'ok',
        permission: 'modules:write',
      },
      {
        actor: 'admin@example.com',
        action: 'plugins.uninstall',
        target: '@fixture/not-installed',
        result: 'failed',
        permission: 'modules:write',
      },
    ]);
    expect(records[2]!.details).to.deep.equal({error: '@fixture/not-installed is not installed'});
  });

  it('changes nothing for the other commands: they run without the plugins check', async () => {
    // No audit record and no refusal: the hook only looks at plugins commands.
    await ok(t, 'users:list');
    const run = await bin(t, 'anonymous', 'cli:list', '--topic', 'cli');
    expect(run.exitCode, run.stderr).to.equal(0);
    expect((await auditLog(t)).filter((row) => row.action.startsWith('plugins.'))).to.deep.equal([]);
  });
});
