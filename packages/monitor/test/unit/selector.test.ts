import {expect} from 'chai';
import client from 'prom-client';
import {parsePrometheusText, type Sample} from '@systemprompt/core';
import {compileSelector, formatSelector, parseSelector} from '../../src/selector.js';

/** Real prom-client output: a labelled histogram and a counter, as the server's registry serves them. */
async function realSamples(): Promise<Sample[]> {
  const registry = new client.Registry();
  const http = new client.Histogram({
    name: 'systemprompt_http_request_duration_seconds',
    help: 'Duration of HTTP requests.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.1, 1],
    registers: [registry],
  });
  http.observe({method: 'GET', route: '/api/users', status: '200'}, 0.05);
  http.observe({method: 'GET', route: '/api/users', status: '500'}, 0.5);
  http.observe({method: 'POST', route: '/api/users', status: '503'}, 2);
  http.observe({method: 'GET', route: '/health', status: '200'}, 0.01);
  const jobs = new client.Counter({name: 'jobs_total', help: 'Jobs.', labelNames: ['queue'], registers: [registry]});
  jobs.inc({queue: 'a.b'}, 3);
  jobs.inc({queue: 'axb'}, 1);
  return parsePrometheusText(await registry.metrics()).flatMap((family) => family.samples);
}

const select = (samples: Sample[], text: string) =>
  samples
    .filter(compileSelector(parseSelector(text)).matches)
    .map((sample) => ({...sample.labels, value: sample.value}));

describe('PromQL selectors', () => {
  it('parses a name with =, !=, =~ and !~ matchers, quotes of three kinds, spaces and a trailing comma', () => {
    const selector = parseSelector(` x_count{ a = "1", b!='2' , c=~\`3|4\`, d!~"5.*", } `);
    expect(selector.name).to.equal('x_count');
    expect(selector.matchers).to.deep.equal([
      {label: 'a', op: '=', value: '1'},
      {label: 'b', op: '!=', value: '2'},
      {label: 'c', op: '=~', value: '3|4'},
      {label: 'd', op: '!~', value: '5.*'},
    ]);
    expect(formatSelector(selector)).to.equal('x_count{a="1", b!="2", c=~"3|4", d!~"5.*"}');
    expect(parseSelector('{__name__="up", job="x"}')).to.include({name: 'up'});
    expect(parseSelector('up').matchers).to.deep.equal([]);
    expect(parseSelector('x{a="q\\"uote\\\\"}').matchers[0]!.value).to.equal('q"uote\\');
  });

  it('names the position of each mistake in one line (exit 2, MONITOR_SELECTOR_INVALID)', () => {
    const failure = (text: string) => {
      try {
        parseSelector(text);
      } catch (error) {
        const {message, exitCode, code} = error as {message: string; exitCode: number; code: string};
        expect(exitCode).to.equal(2);
        expect(code).to.equal('MONITOR_SELECTOR_INVALID');
        expect(message).to.not.contain('\n');
        return message;
      }
      throw new Error(`${text} parsed`);
    };
    expect(failure('x{a=="1"}')).to.equal('Selector: at position 5: expected a quoted string, found "="');
    expect(failure('x{a="1"')).to.equal('Selector: at position 8: expected "," or "}", found the end');
    expect(failure('x{a "1"}')).to.equal('Selector: at position 5: expected =, !=, =~ or !~ after a, found "\\""');
    expect(failure('x{a="1}')).to.equal('Selector: at position 5: the string is not closed');
    expect(failure('x{1a="1"}')).to.equal('Selector: at position 3: expected a label name or "}", found "1"');
    expect(failure('x{a=~"("}')).to.match(/^Selector: at position 6: the regular expression "\(" is not valid/);
    expect(failure('{a="1"}')).to.equal(
      'Selector: at position 1: name the metric (metric_name{...} or {__name__="metric_name"})',
    );
    expect(failure('x{} y')).to.equal('Selector: at position 5: unexpected "y" after the selector');
    expect(failure('')).to.equal('Selector: at position 1: the selector is empty');
    expect(failure('x{__name__="y"}')).to.match(/contradicts the metric name x/);
    expect(failure('{__name__=~"y"}')).to.match(/__name__ takes = only/);
  });

  it('matches real prom-client samples with anchored regular expressions, as Prometheus does', async () => {
    const samples = await realSamples();
    const count = 'systemprompt_http_request_duration_seconds_count';
    expect(select(samples, `${count}{status=~"5.."}`).map((each) => each.status)).to.deep.equal(['500', '503']);
    // Anchored: "5" alone matches no status; ".*0" needs the whole value to end in 0.
    expect(select(samples, `${count}{status=~"5"}`)).to.deep.equal([]);
    expect(select(samples, `${count}{status=~".*0"}`).map((each) => each.status)).to.deep.equal(['200', '500', '200']);
    expect(select(samples, `${count}{status!~"5.."}`)).to.have.length(2);
    expect(select(samples, `${count}{method="POST"}`)).to.deep.equal([
      {method: 'POST', route: '/api/users', status: '503', value: 1},
    ]);
    expect(select(samples, `${count}{route!="/health", status="200"}`)).to.have.length(1);
    // The sample name selects: _count, not the _bucket or _sum samples of the same histogram.
    expect(select(samples, count)).to.have.length(4);
    expect(select(samples, 'systemprompt_http_request_duration_seconds_bucket{le="+Inf"}')).to.have.length(4);
    // A label a series lacks compares as "": = "" matches it, != "x" matches it.
    expect(select(samples, 'jobs_total{missing=""}')).to.have.length(2);
    expect(select(samples, 'jobs_total{missing!="x"}')).to.have.length(2);
    expect(select(samples, 'jobs_total{missing="x"}')).to.have.length(0);
    // A dot in a regular expression is any character; escaped, a dot only.
    expect(select(samples, 'jobs_total{queue=~"a.b"}')).to.have.length(2);
    expect(select(samples, 'jobs_total{queue=~"a\\\\.b"}')).to.deep.equal([{queue: 'a.b', value: 3}]);
  });
});
