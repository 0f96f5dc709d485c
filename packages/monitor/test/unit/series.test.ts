import {expect} from 'chai';
import client from 'prom-client';
import {parsePrometheusText, type Sample} from '@systemprompt/core';
import {parseSelector} from '../../src/selector.js';
import {
  counterIncrease,
  counterRate,
  evaluateRule,
  formatDuration,
  parseDuration,
  type RuleShape,
  type Snapshot,
} from '../../src/series.js';

const COUNT = 'systemprompt_http_request_duration_seconds_count';

/** A server's registry (prom-client, as the server builds it) whose 5xx and 2xx counts the test drives. */
function server() {
  const registry = new client.Registry();
  const http = new client.Histogram({
    name: 'systemprompt_http_request_duration_seconds',
    help: 'Duration of HTTP requests.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  return {
    hit(status: string, times = 1) {
      for (let n = 0; n < times; n++) http.observe({method: 'GET', route: '/x', status}, 0.01);
    },
    async samples(): Promise<Sample[]> {
      return parsePrometheusText(await registry.metrics()).flatMap((family) => family.samples);
    },
  };
}

const snapshot = async (name: string, takenAt: number, registry: ReturnType<typeof server>): Promise<Snapshot> => ({
  server: name,
  takenAt,
  names: [COUNT],
  samples: (await registry.samples()).filter((sample) => sample.name === COUNT),
});

const rule = (
  fn: RuleShape['function'],
  windowMs: number | null = null,
  selector = `${COUNT}{status=~"5.."}`,
): RuleShape => ({
  selector: parseSelector(selector),
  function: fn,
  windowMs,
});

describe('alert rule arithmetic', () => {
  it('counts a counter reset as a restart from 0 and spreads the increase over the points', () => {
    const points = [
      {t: 0, v: 5},
      {t: 1000, v: 8},
      {t: 2000, v: 2}, // reset: the process restarted and counted 2 since
      {t: 4000, v: 6},
    ];
    expect(counterIncrease(points)).to.equal(3 + 2 + 4);
    expect(counterRate(points)).to.equal(9 / 4);
    expect(counterRate(points.slice(0, 1))).to.equal(undefined);
  });

  it('value sums the matching series of the newest fresh snapshot of every server', async () => {
    const a = server();
    const b = server();
    a.hit('500', 2);
    a.hit('200', 5);
    b.hit('503', 3);
    const snapshots = [await snapshot('a', 1000, a), await snapshot('b', 1500, b)];
    a.hit('500', 4);
    snapshots.push(await snapshot('a', 2000, a));
    expect(evaluateRule(rule('value'), snapshots, 2500, 3000)).to.deep.equal({value: 6 + 3, series: 2});
    // b's snapshot is no longer fresh at 5000 (freshness 3 s): only a counts.
    expect(evaluateRule(rule('value'), snapshots, 5000, 3000)).to.deep.equal({value: 6, series: 1});
    // Nothing fresh at all: no value (the alert state stays as it is).
    expect(evaluateRule(rule('value'), snapshots, 9000, 3000).value).to.equal(undefined);
  });

  it('increase and rate over a window, per server and series, with a counter reset (a restarted server) handled', async () => {
    let a = server();
    a.hit('500', 10);
    const snapshots = [await snapshot('a', 0, a)];
    a.hit('500', 5);
    snapshots.push(await snapshot('a', 1000, a));
    a.hit('500', 5);
    snapshots.push(await snapshot('a', 2000, a));
    // The same server id restarts: its counter starts again from 0.
    a = server();
    a.hit('500', 3);
    snapshots.push(await snapshot('a', 3000, a));
    const increase = evaluateRule(rule('increase', 10_000), snapshots, 3000, 3000);
    expect(increase).to.deep.equal({value: 5 + 5 + 3, series: 1});
    expect(evaluateRule(rule('rate', 10_000), snapshots, 3000, 3000).value).to.equal(13 / 3);
    // A 1.5 s window: the points inside (2000, 3000) and the baseline before them (1000).
    expect(evaluateRule(rule('increase', 1500), snapshots, 3000, 3000).value).to.equal(5 + 3);
  });

  it('a covered series absent from an earlier snapshot counted from 0; snapshots that did not cover the metric are ignored', async () => {
    const a = server();
    a.hit('200', 1);
    // Published before any rule named the metric: does not cover it, so it says nothing about it.
    const early: Snapshot = {server: 'a', takenAt: 0, names: [], samples: []};
    const before = await snapshot('a', 1000, a); // covers it: no 5xx series yet
    a.hit('500', 4); // the status="500" series appears with 4
    const after = await snapshot('a', 2000, a);
    expect(evaluateRule(rule('increase', 5000), [early, before, after], 2000, 3000)).to.deep.equal({
      value: 4,
      series: 1,
    });
    // Without the covering snapshot before it, one point is not enough: warming up.
    expect(evaluateRule(rule('increase', 5000), [early, after], 2000, 3000).value).to.equal(undefined);
  });

  it('sums the rates of several servers (two servers on one database)', async () => {
    const a = server();
    const b = server();
    const snapshots = [await snapshot('a', 0, a), await snapshot('b', 0, b)];
    a.hit('500', 2);
    b.hit('502', 6);
    snapshots.push(await snapshot('a', 2000, a), await snapshot('b', 2000, b));
    expect(evaluateRule(rule('rate', 5000), snapshots, 2000, 3000)).to.deep.equal({value: 1 + 3, series: 2});
  });

  it('reads durations as PromQL writes them', () => {
    expect(parseDuration('1m30s', 'window')).to.equal(90_000);
    expect(parseDuration('500ms', 'window')).to.equal(500);
    expect(formatDuration(90_000)).to.equal('1m30s');
    expect(() => parseDuration('1 minute', 'window')).to.throw('--window "1 minute" is not a duration');
    expect(() => parseDuration('0s', 'window', {min: 1000})).to.throw('out of range');
  });
});
