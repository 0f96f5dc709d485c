import {expect} from 'chai';
import type {FinishedSpan} from '@systemprompt/core';
import {buildTraces, renderTraces} from '../../src/traces.js';

const span = (
  traceId: string,
  spanId: string,
  name: string,
  start: number,
  duration: number,
  extra: Partial<FinishedSpan> = {},
): FinishedSpan => ({
  traceId,
  spanId,
  name,
  kind: 'internal',
  startTimeMs: start,
  durationMs: duration,
  status: 'unset',
  attributes: {},
  ...extra,
});

describe('traces as trees', () => {
  const spans = [
    span('t1', 'a', 'HTTP GET /api/users', 1000, 12, {
      kind: 'server',
      status: 'error',
      statusMessage: 'HTTP 500',
      attributes: {'http.response.status_code': 500},
    }),
    span('t1', 'b', 'db select', 1002, 3, {parentSpanId: 'a', attributes: {'db.query.text': 'SELECT 1'}}),
    span('t1', 'c', 'db update', 1006, 1, {parentSpanId: 'b'}),
    span('t2', 'd', 'db select', 2000, 0.5), // the servers' own polling
    span('t3', 'e', 'job webhooks.deliver', 3000, 40, {parentSpanId: 'remote'}),
  ];

  it('nests children under parents, roots first by time, and leaves database-only traces out unless asked', () => {
    const traces = buildTraces(spans);
    expect(traces.map((trace) => trace.traceId)).to.deep.equal(['t3', 't1']);
    const [job, http] = traces;
    expect(job).to.include({name: 'job webhooks.deliver', spanCount: 1, durationMs: 40});
    expect(http).to.include({name: 'HTTP GET /api/users', status: 'error', spanCount: 3, durationMs: 12});
    expect(http!.spans[0]!.children[0]!).to.include({name: 'db select', offsetMs: 2});
    expect(http!.spans[0]!.children[0]!.children[0]!.name).to.equal('db update');
    expect(buildTraces(spans, {background: true})).to.have.length(3);
    expect(buildTraces(spans, {minDurationMs: 20}).map((trace) => trace.traceId)).to.deep.equal(['t3']);
    expect(buildTraces(spans, {limit: 1}).map((trace) => trace.traceId)).to.deep.equal(['t3']);
  });

  it('prints each trace as an indented tree with durations, status and key attributes', () => {
    const text = renderTraces(buildTraces(spans).slice(1));
    expect(text.split('\n').slice(0, 4)).to.deep.equal([
      `trace t1  ${new Date(1000).toISOString()}  12.0 ms  3 spans  error`,
      '  HTTP GET /api/users  12.0 ms  +0.0 ms  ERROR (HTTP 500)  http.response.status_code=500',
      '    db select  3.0 ms  +2.0 ms  unset  db.query.text=SELECT 1',
      '      db update  1.0 ms  +6.0 ms  unset',
    ]);
  });
});
