import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {
  APP_BIN,
  APP_ROOT,
  createTempHome,
  createTestDatabase,
  runCli,
  spawnCli,
  type TempHome,
  type TestDatabase,
} from '@systemprompt/testing';

const TRUST = {SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true'};

/** What each module lists, as --json gives it: the same installation must list the same after the move. */
const LISTINGS: string[][] = [
  ['users:list'],
  ['users:get', 'ana@example.com'],
  ['permissions:list'],
  ['api:keys:list'],
  ['config:get', 'webhooks.allowNetworks'],
  ['webhooks:list'],
  ['workflows:list'],
  ['workflows:show', 'nap'],
  ['scheduler:list'],
  ['monitor:alerts:config', 'list'],
  ['network:firewall'],
  ['auth:clients'],
  ['modules:list'],
  ['system:events', '--type', 'user.*'],
];

/**
 * The promise for data:migrate: an installation that grew on the embedded SQLite is copied to
 * a fresh MariaDB database, and with SYSTEMPROMPT_DATABASE_URL switched every module's commands work
 * there with the same data: the same listings, the audit chain intact, new writes, a server.
 */
(process.env.SYSTEMPROMPT_TEST_MYSQL_URL ? describe : describe.skip)(
  'data:migrate from SQLite to MariaDB, then every module on MariaDB',
  function () {
    this.timeout(300_000);
    let home: TempHome;
    let target: TestDatabase;
    let onMaria: Record<string, string>;
    const cli = async (env: Record<string, string | undefined>, ...args: string[]) => {
      const run = await runCli(args, {root: APP_ROOT, home: home.path, env: {...TRUST, ...env}});
      expect(run.exitCode, `${args.join(' ')}: ${run.stderr}${run.stdout}`).to.equal(0);
      return run;
    };
    const onSqlite = {SYSTEMPROMPT_DATABASE_URL: undefined};
    const data = async (env: Record<string, string | undefined>, ...args: string[]) =>
      JSON.parse((await cli(env, ...args, '--json')).stdout).data;

    before(async () => {
      home = await createTempHome();
      target = await createTestDatabase('mysql');
      onMaria = target.env;
    });
    after(async () => {
      await spawnCli(APP_BIN, ['system:stop', '--timeout', '5'], {home: home.path, env: {...TRUST, ...onMaria}});
      await target.drop();
      await home.remove();
    });

    it('lists the same, verifies the audit chain, writes and serves on MariaDB', async () => {
      // An installation in use, on SQLite: every module holds something.
      await cli(onSqlite, 'users:create', '--email', 'ana@example.com', '--name', 'Ana', '--role', 'operator');
      await cli(onSqlite, 'users:create', '--email', 'bo@example.com', '--role', 'viewer');
      await cli(onSqlite, 'permissions:grant', 'users:create', '--user', 'bo@example.com');
      await cli(onSqlite, 'api:keys:create', '--user', 'ana@example.com', '--name', 'ci', '--scope', '*:read');
      await cli(onSqlite, 'config:set', 'webhooks.allowNetworks', '["127.0.0.1/32"]');
      await cli(onSqlite, 'webhooks:create', 'http://127.0.0.1:9/hook', '--events', 'user.*');
      const definition = join(home.path, 'nap.json');
      await writeFile(definition, JSON.stringify({name: 'nap', steps: [{id: 'a', type: 'delay', duration: '1s'}]}));
      await cli(onSqlite, 'workflows:create', definition);
      await cli(onSqlite, 'scheduler:create', 'nightly', '--cron', '0 3 * * *', '--workflow', 'nap');
      await cli(
        onSqlite,
        'monitor:alerts:config',
        'add',
        'http-5xx',
        '--selector',
        'systemprompt_http_request_duration_seconds_count{status=~"5.."}',
        '--function',
        'rate',
        '--window',
        '1m',
        '--above',
        '0.5',
      );
      await cli(onSqlite, 'network:firewall:deny', '10.0.0.0/8', '--comment', 'office');
      const before = [];
      for (const listing of LISTINGS) before.push(await data(onSqlite, ...listing));
      const at = (command: string) => before[LISTINGS.findIndex((listing) => listing.join(' ') === command)];
      expect(at('users:list')).to.have.length(2);
      for (const command of ['api:keys:list', 'webhooks:list', 'workflows:list', 'scheduler:list', 'network:firewall'])
        expect(at(command), command).to.have.length(1);
      expect(at('monitor:alerts:config list'), 'the alert rule').to.have.length(1);
      expect(at('system:events --type user.*').length).to.be.at.least(2);

      const migrated = await cli(onSqlite, 'data:migrate', '--to', target.url!, '--json');
      const {data: tables, meta} = JSON.parse(migrated.stdout);
      expect(tables.length).to.be.greaterThan(20);
      expect(tables.filter((table: {verified: boolean}) => !table.verified)).to.deep.equal([]);
      expect(meta.switchWith).to.match(/^SYSTEMPROMPT_DATABASE_URL=mysql:\/\//);

      // Switched: the same listings, command by command.
      for (const [index, listing] of LISTINGS.entries())
        expect(await data(onMaria, ...listing), listing.join(' ')).to.deep.equal(before[index]);
      expect((await data(onMaria, 'database:status')).engine).to.equal('mysql');
      expect((await data(onMaria, 'database:status')).migrations.pending).to.equal(0);
      expect(await data(onMaria, 'permissions:audit', '--verify')).to.include({intact: true});
      expect((await data(onMaria, 'data:validate')).valid).to.equal(true);

      // It goes on from there: new records, an API key that signs in, the chain still whole, a server.
      await cli(onMaria, 'users:create', '--email', 'cy@example.com', '--role', 'viewer');
      const key = (
        await data(onMaria, 'api:keys:create', '--user', 'bo@example.com', '--name', 'b', '--scope', '*:read')
      ).key;
      const asBo = await runCli(['users:list', '--json'], {
        root: APP_ROOT,
        home: home.path,
        env: {...onMaria, SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'false', SYSTEMPROMPT_API_KEY: key},
      });
      expect(asBo.exitCode, asBo.stderr).to.equal(0);
      expect(JSON.parse(asBo.stdout).data.map((user: {email: string}) => user.email)).to.have.members([
        'ana@example.com',
        'bo@example.com',
        'cy@example.com',
      ]);
      expect(await data(onMaria, 'permissions:audit', '--verify')).to.include({intact: true});
      const started = await spawnCli(APP_BIN, ['system:start', '--detach', '--port', '0', '--json'], {
        home: home.path,
        env: {...TRUST, ...onMaria},
      });
      expect(started.exitCode, started.stderr + started.stdout).to.equal(0);
      const {url} = JSON.parse(started.stdout).data as {url: string};
      expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${url}/health`)).status).to.equal(200);
      expect((await data(onMaria, 'system:health')).every((check: {healthy: boolean}) => check.healthy)).to.equal(true);
    });
  },
);
