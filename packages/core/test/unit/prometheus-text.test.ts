import {expect} from 'chai';
import client from 'prom-client';
import {parsePrometheusText} from '../../src/prometheus-text.js';
import {keyFigures} from '../../src/key-figures.js';

describe('the Prometheus text parser', () => {
  it("reads prom-client's exposition: labelled histograms series by series, counters, gauges, escaped labels", async () => {
    const registry = new client.Registry();
    const histogram = new client.Histogram({
      name: 'systemprompt_http_request_duration_seconds',
      help: 'Duration.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.1, 1],
      registers: [registry],
    });
    histogram.observe({method: 'GET', route: '/health', status: '200'}, 0.05);
    histogram.observe({method: 'GET', route: '/health', status: '200'}, 0.5);
    histogram.observe({method: 'POST', route: '/api/users', status: '503'}, 2);
    new client.Counter({
      name: 'events_total',
      help: 'Events "quoted"\\n.',
      labelNames: ['type'],
      registers: [registry],
    }).inc({type: 'a "b" \\ c\nd'}, 3);
    new client.Gauge({name: 'systemprompt_module_up', help: 'Up.', labelNames: ['module'], registers: [registry]}).set(
      {module: 'sick'},
      0,
    );
    const families = parsePrometheusText(await registry.metrics());

    const http = families.find((family) => family.name === 'systemprompt_http_request_duration_seconds')!;
    expect(http.type).to.equal('histogram');
    const count = (status: string) =>
      http.samples.find((sample) => sample.name.endsWith('_count') && sample.labels.status === status)?.value;
    expect(count('200')).to.equal(2);
    expect(count('503')).to.equal(1);
    const bucket = http.samples.find(
      (sample) => sample.name.endsWith('_bucket') && sample.labels.le === '0.1' && sample.labels.status === '200',
    );
    expect(bucket?.value).to.equal(1);
    const infinite = http.samples.filter((sample) => sample.labels.le === '+Inf').map((sample) => sample.value);
    expect(infinite).to.have.members([2, 1]);

    const events = families.find((family) => family.name === 'events_total')!;
    expect(events.type).to.equal('counter');
    expect(events.samples).to.deep.equal([{name: 'events_total', labels: {type: 'a "b" \\ c\nd'}, value: 3}]);

    const figures = Object.fromEntries(keyFigures(families).map(({figure, value}) => [figure, value]));
    expect(figures).to.include({'http requests': '3', 'http 5xx': '1', 'modules healthy': '0/1 (unhealthy: sick)'});
  });

  it('reads special values in any case, as Prometheus does (prom-client writes NaN as Nan)', () => {
    const [family] = parsePrometheusText('# TYPE g gauge\ng{a="1"} Nan\ng{a="2"} +Inf\ng{a="3"} -inf\n');
    expect(family!.samples.map((sample) => sample.value)).to.deep.equal([NaN, Infinity, -Infinity]);
  });

  it('names the line of malformed input', () => {
    expect(() => parsePrometheusText('# TYPE x counter\nx{a="1"} 1\nx{a=1} 2\n')).to.throw(/line 3/);
    expect(() => parsePrometheusText('x notanumber\n')).to.throw(/line 1: bad value/);
  });
});
