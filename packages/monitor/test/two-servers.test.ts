import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {expect} from 'chai';
import {createTempHome, createTestDatabase, testEngines, type TempHome, type TestDatabase} from '@systemprompt/testing';
import {FAILING_PROBE, cliWith, eventually, hit, processGone, startDetached, type StartedServer} from './helpers.js';

const OK_REQUESTS = 'systemprompt_http_request_duration_seconds_count{route="/api/failing-probe/ok"}';

/**
 * Two servers (two installations, as on two hosts) on one database: each publishes its own figures,
 * exactly one evaluates (the lease), a rule's value is the sum over both, and when the evaluating
 * server stops the other takes over at once.
 */
for (const engine of testEngines()) {
  describe(`monitor with two servers on one database [${engine}]`, function () {
    this.timeout(180_000);
    let database: TestDatabase;
    let shared: TempHome;
    const homes: TempHome[] = [];
    const clis: Array<ReturnType<typeof cliWith>> = [];
    const servers: StartedServer[] = [];

    before(async () => {
      database = await createTestDatabase(engine);
      shared = await createTempHome();
      const url = database.url ?? `sqlite://${join(shared.path, 'shared.sqlite')}`;
      for (let n = 0; n < 2; n++) {
        const home = await createTempHome();
        homes.push(home);
        const cli = cliWith({
          SYSTEMPROMPT_HOME: home.path,
          SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true',
          SYSTEMPROMPT_DATABASE_URL: url,
          SYSTEMPROMPT_MONITOR_EVALUATE_SECONDS: '1',
        });
        clis.push(cli);
        const link = await cli('plugins:link', FAILING_PROBE, '--no-install');
        expect(link.exitCode, link.stderr).to.equal(0);
      }
    });
    after(async () => {
      for (const cli of clis) await cli('system:stop', '--timeout', '5');
      for (const server of servers) if (!processGone(server.pid)) process.kill(server.pid, 'SIGKILL');
      for (const home of [...homes, shared]) await home?.remove();
      await database?.drop();
    });

    it('sums the figures of both servers, evaluated by one; the other takes over when it stops', async () => {
      const [first, second] = clis as [ReturnType<typeof cliWith>, ReturnType<typeof cliWith>];
      const json = async (cli: ReturnType<typeof cliWith>, ...args: string[]) => {
        const run = await cli(...args, '--json');
        expect(run.exitCode, `${args.join(' ')}: ${run.stdout}${run.stderr}`).to.equal(0);
        return JSON.parse(run.stdout).data;
      };
      await json(first, 'monitor:alerts:config', 'add', 'ok-requests', '--selector', OK_REQUESTS, '--above', '5');
      for (const cli of clis) servers.push(await startDetached(cli));
      const ids = homes.map(
        (home) => JSON.parse(readFileSync(join(home.path, 'data', 'server.json'), 'utf8')).serverId as string,
      );
      // 3 + 4 requests: neither server alone is above 5, both together are.
      await hit(`${servers[0]!.url}/api/failing-probe/ok`, 3);
      await hit(`${servers[1]!.url}/api/failing-probe/ok`, 4);
      await eventually(
        async () => (await json(second, 'monitor:alerts:list', '--state', 'firing')).length === 1,
        30_000,
        'the alert on the sum to fire',
      );
      const [alert] = await json(first, 'monitor:alerts:list');
      expect(alert).to.include({rule: 'ok-requests', state: 'firing', value: 7});
      const status = await json(first, 'monitor:status');
      expect(ids).to.include(status.evaluator.owner);
      expect(status.evaluator.publishingServers).to.equal(2);
      expect(status.alerts).to.include({firing: 1, acked: 0});

      // The evaluating server stops: it hands back the lease and withdraws its figures; the other
      // takes over and finds the sum at the survivor's count alone, so the alert resolves.
      const leader = ids.indexOf(status.evaluator.owner);
      const survivor = 1 - leader;
      await json(clis[leader]!, 'system:stop');
      await eventually(
        async () => (await json(clis[survivor]!, 'monitor:alerts:list', '--state', 'resolved')).length === 1,
        30_000,
        'the survivor to resolve the alert',
      );
      const after = await json(clis[survivor]!, 'monitor:status');
      expect(after.evaluator.owner).to.equal(ids[survivor]);
      expect(after.evaluator.publishingServers).to.equal(1);
      const [resolved] = await json(clis[survivor]!, 'monitor:alerts:list');
      expect(resolved).to.include({id: alert.id, state: 'resolved', lastValue: survivor === 0 ? 3 : 4});
      // One evaluator at a time: each transition happened once.
      const events = await json(clis[survivor]!, 'system:events', '--type', 'alert.*');
      expect(events.map((event: {type: string}) => event.type)).to.deep.equal(['alert.fired', 'alert.resolved']);
    });
  });
}
