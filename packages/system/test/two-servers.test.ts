import {expect} from 'chai';
import {createTempHome, createTestDatabase, type TempHome, type TestDatabase} from '@systemprompt/testing';
import {
  cliWith,
  eventually,
  sampleValue,
  scrape,
  serverToken,
  startDetached,
  type StartedServer,
} from './helpers/server.js';

const DISPATCHED = 'systemprompt_events_dispatched_total';

/** Two installations (two homes, as on two hosts) on one MariaDB database, each with its server. */
(process.env.SYSTEMPROMPT_TEST_MYSQL_URL ? describe : describe.skip)(
  'two servers on one MariaDB database [mysql]',
  function () {
    this.timeout(180_000);
    let database: TestDatabase;
    const homes: TempHome[] = [];
    let cliA: ReturnType<typeof cliWith>;
    let cliB: ReturnType<typeof cliWith>;
    let serverA: StartedServer;
    let serverB: StartedServer;

    before(async () => {
      database = await createTestDatabase('mysql');
      homes.push(await createTempHome(), await createTempHome());
      const env = (home: TempHome) => ({
        SYSTEMPROMPT_HOME: home.path,
        SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true',
        SYSTEMPROMPT_SYSTEM_HEARTBEAT_INTERVAL_SECONDS: '1',
        SYSTEMPROMPT_SYSTEM_EVENT_POLL_MS: '100',
        ...database.env,
      });
      cliA = cliWith(env(homes[0]!));
      cliB = cliWith(env(homes[1]!));
      serverA = await startDetached(cliA);
      serverB = await startDetached(cliB);
    });
    after(async () => {
      await cliA?.('system:stop', '--timeout', '5');
      await cliB?.('system:stop', '--timeout', '5');
      for (const home of homes) await home.remove();
      await database?.drop();
    });

    it('shows both servers in heartbeat:status', async () => {
      const rows = JSON.parse((await cliB('heartbeat:status', '--json')).stdout).data as Array<{
        url: string;
        state: string;
      }>;
      expect(rows.filter((row) => row.state === 'running').map((row) => row.url)).to.have.members([
        serverA.url,
        serverB.url,
      ]);
    });

    it('delivers an event written by a CLI process to a subscriber in each server exactly once', async () => {
      const tokenA = serverToken(homes[0]!.path);
      const tokenB = serverToken(homes[1]!.path);
      const delivered = async () => [
        sampleValue(await scrape(serverA.url, tokenA), DISPATCHED, {type: 'user.created'}),
        sampleValue(await scrape(serverB.url, tokenB), DISPATCHED, {type: 'user.created'}),
      ];
      expect(await delivered()).to.deep.equal([0, 0]);
      expect((await cliA('users:create', '--email', 'event@example.com')).exitCode).to.equal(0);
      await eventually(
        async () => (await delivered()).every((count) => count >= 1),
        10_000,
        'both servers to see user.created',
      );
      // Many polls later, still once each.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await delivered()).to.deep.equal([1, 1]);
    });

    it('holds a rate limit across both servers', async () => {
      expect((await cliA('users:create', '--email', 'limited@example.com', '--role', 'admin')).exitCode).to.equal(0);
      const created = await cliA(
        'api:keys:create',
        '--user',
        'limited@example.com',
        '--name',
        'k',
        '--scope',
        '*',
        '--json',
      );
      const {key, prefix} = JSON.parse(created.stdout).data as {key: string; prefix: string};
      expect((await cliB('api:limits:set', '--key', prefix, '--per-minute', '5')).exitCode).to.equal(0);
      const statuses = await Promise.all(
        Array.from({length: 20}, (_, index) =>
          fetch(`${(index % 2 === 0 ? serverA : serverB).url}/api/users`, {
            headers: {authorization: `Bearer ${key}`},
          }).then(async (response) => {
            await response.arrayBuffer();
            return response.status;
          }),
        ),
      );
      expect(statuses.filter((status) => status === 200)).to.have.length(5);
      expect(statuses.filter((status) => status === 429)).to.have.length(15);
    });

    it('shows a server that stopped beating as lost, and a stopped one as stopped', async () => {
      process.kill(serverB.pid, 'SIGKILL');
      expect((await cliA('system:stop')).exitCode).to.equal(0);
      await eventually(
        async () => {
          const rows = JSON.parse((await cliA('heartbeat:status', '--json')).stdout).data as Array<{
            url: string;
            state: string;
          }>;
          return rows.find((row) => row.url === serverB.url)?.state === 'lost';
        },
        10_000,
        'the killed server to show as lost',
      );
      const rows = JSON.parse((await cliA('heartbeat:status', '--json')).stdout).data as Array<{
        url: string;
        state: string;
      }>;
      expect(rows.find((row) => row.url === serverA.url)?.state).to.equal('stopped');
      const reset = await cliA('heartbeat:reset', '--confirm', '--json');
      expect(JSON.parse(reset.stdout).data).to.deep.equal({removed: 2});
      expect(JSON.parse((await cliA('heartbeat:status', '--json')).stdout).data).to.deep.equal([]);
    });
  },
);
