import {readFile, mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {expect} from 'chai';
import {APP_ROOT, describeEachEngine, expectFailure, ok} from '@systemprompt/testing';
import {FAILING_PROBE, FIVE_XX, cliWith, eventually, hit, processGone, sleep, startDetached} from './helpers.js';

interface Alert {
  id: string;
  rule: string;
  state: string;
  value: number;
  lastValue: number;
  ackedBy: string | null;
  resolution: string | null;
}

describeEachEngine(
  'monitor on a real server: alerts fire, are acked and resolve; metrics and traces',
  {root: APP_ROOT},
  (t) => {
    let cli: ReturnType<typeof cliWith>;
    let servers: number[];
    const start = async () => {
      const server = await startDetached(cli);
      servers.push(server.pid);
      return server;
    };
    const alerts = async (...flags: string[]) =>
      (await ok(t, 'monitor:alerts:list', ...flags, '--json')).json().data as Alert[];
    const rule = async (name: string) => (await ok(t, 'monitor:alerts:config', 'list', name, '--json')).json().data;
    const events = async () =>
      (
        (await ok(t, 'system:events', '--type', 'alert.*', '--json')).json().data as Array<{type: string; payload: any}>
      ).map((event) => ({type: event.type, ...event.payload}));

    beforeEach(async () => {
      cli = cliWith({...t.env, SYSTEMPROMPT_MONITOR_EVALUATE_SECONDS: '1'});
      servers = [];
      const link = await cli('plugins:link', FAILING_PROBE, '--no-install');
      expect(link.exitCode, link.stderr).to.equal(0);
    });
    afterEach(async () => {
      for (const pid of servers.filter((each) => !processGone(each))) {
        process.kill(pid, 'SIGTERM');
        await eventually(async () => processGone(pid), 15_000, `server ${pid} to stop`).catch(() =>
          process.kill(pid, 'SIGKILL'),
        );
      }
    });

    it('a rule on the HTTP 5xx rate fires while the server answers 500 and resolves once it stops: alert.fired, then alert.resolved', async function () {
      this.timeout(120_000);
      await ok(
        t,
        'monitor:alerts:config',
        'add',
        'high-5xx-rate',
        '--selector',
        FIVE_XX,
        '--function',
        'rate',
        '--window',
        '3s',
        '--above',
        '2',
        '--severity',
        'critical',
      );
      const server = await start();
      // Successful requests do not count: the rule is evaluated and stays ok.
      expect(await hit(`${server.url}/api/failing-probe/ok`, 20)).to.satisfy((all: number[]) =>
        all.every((s) => s === 200),
      );
      await eventually(
        async () => (await rule('high-5xx-rate')).state === 'ok',
        15_000,
        'the rule to be evaluated as ok',
      );
      expect(await alerts()).to.deep.equal([]);

      // About 50 failing requests a second, until the alert fires (bounded: 30 s).
      const deadline = Date.now() + 30_000;
      let firing: Alert[] = [];
      while (Date.now() < deadline && firing.length === 0) {
        expect(await hit(`${server.url}/api/failing-probe/boom`, 10)).to.satisfy((all: number[]) =>
          all.every((s) => s === 500),
        );
        await sleep(200);
        firing = await alerts('--state', 'firing');
      }
      expect(firing, 'an alert firing').to.have.length(1);
      expect(firing[0]).to.include({rule: 'high-5xx-rate', state: 'firing'});
      expect(firing[0]!.value).to.be.above(2);

      // No more failures: the rate over 3 s falls to 0 and the alert resolves.
      await eventually(async () => (await alerts('--state', 'resolved')).length === 1, 20_000, 'the alert to resolve');
      const [resolved] = await alerts();
      expect(resolved).to.include({id: firing[0]!.id, state: 'resolved', lastValue: 0});
      expect(resolved!.resolution).to.equal('the condition cleared (value 0)');
      const stored = await events();
      expect(stored.map((event) => event.type)).to.deep.equal(['alert.fired', 'alert.resolved']);
      for (const event of stored)
        expect(event).to.include({
          alertId: firing[0]!.id,
          rule: 'high-5xx-rate',
          severity: 'critical',
          threshold: 2,
          comparison: 'above',
          selector: FIVE_XX,
          function: 'rate',
          window: '3s',
        });
      expect(stored[0]!.value).to.be.above(2);
      expect(stored[1]).to.include({value: 0, state: 'resolved'});
      expectFailure(await t.cli('monitor:alerts:ack', firing[0]!.id, '--json'), 5, 'ALERT_RESOLVED');
      await ok(t, 'system:stop');
    });

    it('an acked alert stays acked while its condition holds (no new alert, no new event), then resolves; the next breach opens a new one', async function () {
      this.timeout(120_000);
      await ok(
        t,
        'monitor:alerts:config',
        'add',
        'disabled-users',
        '--selector',
        'systemprompt_users_accounts{status="disabled"}',
        '--above',
        '0',
      );
      await ok(t, 'users:create', '--email', 'u1@example.com');
      await start();
      await ok(t, 'users:disable', 'u1@example.com');
      await eventually(async () => (await alerts('--state', 'firing')).length === 1, 20_000, 'the alert to fire');
      const [fired] = await alerts();
      const acked = (await ok(t, 'monitor:alerts:ack', fired!.id, '--json')).json().data;
      expect(acked).to.include({id: fired!.id, state: 'acked', ackedBy: 'local-admin', changed: true});
      // Acking again changes nothing.
      expect((await ok(t, 'monitor:alerts:ack', fired!.id, '--json')).json().data).to.include({changed: false});

      // Three more evaluations while the user stays disabled.
      const ackedAt = Date.now();
      await eventually(
        async () => Date.parse((await rule('disabled-users')).evaluatedAt) > ackedAt + 3000,
        20_000,
        'three evaluations',
      );
      expect((await rule('disabled-users')).state).to.equal('firing');
      expect((await alerts()).map((alert) => `${alert.id} ${alert.state}`)).to.deep.equal([`${fired!.id} acked`]);
      expect((await events()).map((event) => event.type)).to.deep.equal(['alert.fired', 'alert.acked']);

      await ok(t, 'users:enable', 'u1@example.com');
      await eventually(
        async () => (await alerts('--state', 'resolved')).length === 1,
        20_000,
        'the acked alert to resolve',
      );
      const stored = await events();
      expect(stored.map((event) => event.type)).to.deep.equal(['alert.fired', 'alert.acked', 'alert.resolved']);
      expect(stored[2]).to.include({alertId: fired!.id, ackedBy: 'local-admin', value: 0});

      await ok(t, 'users:disable', 'u1@example.com');
      await eventually(async () => (await alerts('--state', 'firing')).length === 1, 20_000, 'a new alert to fire');
      const all = await alerts();
      expect(all).to.have.length(2);
      expect(all[0]!.id).to.not.equal(fired!.id);
      await ok(t, 'system:stop');
    });

    it('metrics, traces and exports from the running server', async function () {
      this.timeout(120_000);
      const server = await start();
      await hit(`${server.url}/api/failing-probe/boom`);
      await hit(`${server.url}/api/failing-probe/ok`);
      const metrics = (await ok(t, 'monitor:metrics', '--json')).json().data;
      expect(metrics).to.include({source: 'server', url: server.url});
      expect(metrics.keyFigures.find((figure: {figure: string}) => figure.figure === 'http 5xx').value).to.equal('1');
      const filtered = await ok(
        t,
        'monitor:metrics',
        '--filter',
        `${FIVE_XX.replace('}', ',route="/api/failing-probe/boom"}')}`,
      );
      expect(filtered.stdout).to.match(
        /^systemprompt_http_request_duration_seconds_count\s+method="GET", route="\/api\/failing-probe\/boom", status="500"\s+1$/m,
      );
      expect(filtered.stderr).to.equal('');

      const traces = (await ok(t, 'monitor:traces', '--since', '5m', '--json')).json().data as any[];
      const failed = traces.find((trace) => trace.name === 'HTTP GET /api/failing-probe/boom');
      expect(failed, JSON.stringify(traces.map((trace) => trace.name))).to.include({status: 'error'});
      expect(failed.spans[0]).to.include({name: 'HTTP GET /api/failing-probe/boom', kind: 'server', status: 'error'});
      expect(failed.spans[0].attributes).to.include({'http.response.status_code': 500});
      const tree = await ok(t, 'monitor:traces', '--since', '5m');
      expect(tree.stdout).to.match(/^trace [0-9a-f]{32} .* error$/m);
      expect(tree.stdout).to.match(/^ {2}HTTP GET \/api\/failing-probe\/boom {2}[\d.]+ ms {2}\+0\.0 ms {2}ERROR/m);

      const directory = await mkdtemp(join(tmpdir(), 'monitor-export-'));
      try {
        const file = join(directory, 'traces.json');
        await ok(t, 'monitor:export', '--what', 'traces', '--since', '5m', '--output', file);
        const otlp = JSON.parse(await readFile(file, 'utf8'));
        const names = otlp.resourceSpans.flatMap((resource: any) =>
          resource.scopeSpans.flatMap((scope: any) => scope.spans.map((span: any) => span.name)),
        );
        expect(names).to.include('HTTP GET /api/failing-probe/boom');
        const prom = join(directory, 'metrics.prom');
        await ok(t, 'monitor:export', '--what', 'metrics', '--output', prom);
        expect(await readFile(prom, 'utf8')).to.match(/^process_resident_memory_bytes \d+/m);
      } finally {
        await rm(directory, {recursive: true, force: true});
      }
      await ok(t, 'system:stop');
    });
  },
);
