import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {expect} from 'chai';
import {APP_ROOT, TRUST_OFF, appCli, auditLog, describeEachEngine, expectFailure, ok} from '@systemprompt/testing';

const FIVE_XX = 'systemprompt_http_request_duration_seconds_count{status=~"5.."}';

describeEachEngine('monitor:* commands', {root: APP_ROOT}, (t) => {
  it('adds, updates, lists and removes alert rules; every change is an event and audited', async () => {
    const added = (
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
        '1m',
        '--above',
        '0.5',
        '--severity',
        'critical',
        '--json',
      )
    ).json().data;
    expect(added).to.include({
      name: 'high-5xx-rate',
      function: 'rate',
      window: '1m',
      comparison: 'above',
      threshold: 0.5,
      for: '0s',
      severity: 'critical',
      enabled: true,
      condition: `sum(rate(${FIVE_XX}[1m])) > 0.5`,
    });
    await ok(
      t,
      'monitor:alerts:config',
      'add',
      'few-users',
      '--selector',
      'systemprompt_users_accounts{status="enabled"}',
      '--below',
      '1',
      '--for',
      '5m',
    );

    const updated = (
      await ok(
        t,
        'monitor:alerts:config',
        'update',
        'high-5xx-rate',
        '--above',
        '2',
        '--for',
        '30s',
        '--no-enabled',
        '--json',
      )
    ).json().data;
    expect(updated.changed).to.have.members(['threshold', 'for', 'enabled']);
    expect(updated).to.include({threshold: 2, for: '30s', enabled: false});
    // value takes no window; a rate rule switched to value drops its window.
    const value = (
      await ok(t, 'monitor:alerts:config', 'update', 'high-5xx-rate', '--function', 'value', '--json')
    ).json().data;
    expect(value).to.include({function: 'value', window: null});
    // --dry-run changes nothing.
    await ok(t, 'monitor:alerts:config', 'update', 'high-5xx-rate', '--severity', 'info', '--dry-run');
    const listed = (await ok(t, 'monitor:alerts:config', 'list', '--json')).json();
    expect(listed.meta.total).to.equal(2);
    expect(listed.data.map((rule: {name: string}) => rule.name)).to.deep.equal(['few-users', 'high-5xx-rate']);
    expect(listed.data[1]).to.include({severity: 'critical', enabled: false});
    expect((await ok(t, 'monitor:alerts:config', 'list', 'few-users', '--json')).json().data).to.include({
      condition: 'sum(systemprompt_users_accounts{status="enabled"}) < 1 for 5m',
    });

    expect(
      (await ok(t, 'monitor:alerts:config', 'remove', 'few-users', '--confirm', '--json')).json().data,
    ).to.deep.equal({
      name: 'few-users',
      removed: true,
    });
    expectFailure(
      await t.cli('monitor:alerts:config', 'remove', 'few-users', '--confirm', '--json'),
      3,
      'MONITOR_RULE_NOT_FOUND',
    );
    const events = (await ok(t, 'system:events', '--type', 'monitor.rule.changed', '--json')).json().data;
    expect(
      events.map((event: {payload: {action: string; name: string}}) => `${event.payload.action} ${event.payload.name}`),
    ).to.deep.equal([
      'added high-5xx-rate',
      'added few-users',
      'updated high-5xx-rate',
      'updated high-5xx-rate',
      'removed few-users',
    ]);
    expect(events[0].actor).to.equal('local-admin');
    const audited = (await auditLog(t)).filter((record) => record.action.startsWith('monitor.rules.'));
    expect(audited.map((record) => `${record.action} ${record.target} ${record.result}`)).to.include.members([
      'monitor.rules.add high-5xx-rate ok',
      'monitor.rules.update high-5xx-rate ok',
      'monitor.rules.remove few-users ok',
    ]);
  });

  it('refuses bad rules with exit 2 and one line naming the mistake', async () => {
    const add = (...flags: string[]) => t.cli('monitor:alerts:config', 'add', 'r1', ...flags, '--json');
    expectFailure(await add('--selector', 'x{a=="1"}', '--above', '1'), 2, 'MONITOR_SELECTOR_INVALID', 'at position 5');
    expectFailure(
      await add('--selector', '{status="500"}', '--above', '1'),
      2,
      'MONITOR_SELECTOR_INVALID',
      'name the metric',
    );
    expectFailure(
      await add('--selector', 'x{a=~"("}', '--above', '1'),
      2,
      'MONITOR_SELECTOR_INVALID',
      'regular expression',
    );
    expectFailure(
      await add('--selector', 'x', '--above', 'lots'),
      2,
      'MONITOR_RULE_INVALID',
      '--above "lots" is not a number',
    );
    expectFailure(await add('--selector', 'x'), 2, 'MONITOR_RULE_INVALID', '--above N or --below N');
    expectFailure(
      await add('--selector', 'x', '--above', '1', '--window', '1m'),
      2,
      'MONITOR_RULE_INVALID',
      'for the rate and increase functions only',
    );
    expectFailure(
      await add('--selector', 'x', '--function', 'rate', '--window', '2h', '--above', '1'),
      2,
      'MONITOR_RULE_INVALID',
      'longer than the history the evaluator keeps (1h)',
    );
    expectFailure(
      await add('--selector', 'x', '--function', 'rate', '--window', 'soon', '--above', '1'),
      2,
      'MONITOR_DURATION_INVALID',
    );
    expectFailure(await add('--selector', 'x', '--above', '1', '--below', '2'), 2, 'INVALID_USAGE');
    expectFailure(await add('--selector', 'x', '--above', '1', '--severity', 'dire'), 2, 'INVALID_USAGE');
    expectFailure(
      await t.cli('monitor:alerts:config', 'add', 'Not_Kebab', '--selector', 'x', '--above', '1', '--json'),
      2,
      'MONITOR_RULE_INVALID',
      'lower-kebab',
    );
    expectFailure(
      await t.cli('monitor:alerts:config', 'add', '--selector', 'x', '--above', '1', '--json'),
      2,
      'MONITOR_RULE_INVALID',
      'needs the rule',
    );
    expectFailure(await t.cli('monitor:alerts:config', 'rename', 'x', '--json'), 2, 'INVALID_USAGE');
    // A dry run checks everything a real run does, and stores nothing.
    expectFailure(await add('--selector', 'x{', '--above', '1', '--dry-run'), 2, 'MONITOR_SELECTOR_INVALID');
    const dry = (
      await ok(t, 'monitor:alerts:config', 'add', 'r1', '--selector', 'x', '--above', '1', '--dry-run', '--json')
    ).json();
    expect(dry.meta).to.deep.equal({dryRun: true});
    expect((await ok(t, 'monitor:alerts:config', 'list', '--json')).json().meta.total).to.equal(0);
    await ok(t, 'monitor:alerts:config', 'add', 'r1', '--selector', 'x', '--above', '1');
    expectFailure(await add('--selector', 'x', '--above', '1'), 5, 'MONITOR_RULE_EXISTS');
    expectFailure(await add('--selector', 'x', '--above', '1', '--dry-run'), 5, 'MONITOR_RULE_EXISTS');
    expectFailure(
      await t.cli('monitor:alerts:config', 'update', 'nope', '--above', '1', '--dry-run', '--json'),
      3,
      'MONITOR_RULE_NOT_FOUND',
    );
    expectFailure(
      await t.cli('monitor:alerts:config', 'update', 'r1', '--json'),
      2,
      'MONITOR_RULE_INVALID',
      'Nothing to change',
    );
    // In a terminal's form: the message on one line, then the hint.
    const plain = await t.cli('monitor:alerts:config', 'add', 'r2', '--selector', 'x{a=="1"}', '--above', '1');
    expect(plain.exitCode).to.equal(2);
    expect(plain.stderr.split('\n')[0]).to.equal('Selector: at position 5: expected a quoted string, found "="');
    expect((await ok(t, 'monitor:alerts:config', 'list', '--json')).json().meta.total).to.equal(1);
  });

  it('a viewer may read rules and alerts but not change rules or ack alerts (exit 4)', async () => {
    await ok(t, 'monitor:alerts:config', 'add', 'r1', '--selector', 'x', '--above', '1');
    await ok(t, 'users:create', '--email', 'viewer@example.com', '--role', 'viewer');
    const key = (
      await ok(t, 'api:keys:create', '--user', 'viewer@example.com', '--name', 'v', '--scope', '*:read', '--json')
    ).json().data.key;
    const viewer = (...args: string[]) => appCli(t, {...TRUST_OFF, SYSTEMPROMPT_API_KEY: key}, ...args, '--json');
    expect((await viewer('monitor:alerts:config', 'list')).exitCode).to.equal(0);
    expect((await viewer('monitor:alerts:list')).exitCode).to.equal(0);
    expect((await viewer('monitor:status')).exitCode).to.equal(0);
    expectFailure(
      await viewer('monitor:alerts:config', 'add', 'r2', '--selector', 'x', '--above', '1'),
      4,
      'PERMISSION_DENIED',
    );
    expectFailure(await viewer('monitor:alerts:config', 'update', 'r1', '--above', '3'), 4, 'PERMISSION_DENIED');
    expectFailure(await viewer('monitor:alerts:config', 'remove', 'r1', '--confirm'), 4, 'PERMISSION_DENIED');
    // Refused before the alert is looked up: the same answer whether it exists or not.
    expectFailure(await viewer('monitor:alerts:ack', 'no-such-alert'), 4, 'PERMISSION_DENIED');
    expectFailure(await t.cli('monitor:alerts:ack', 'no-such-alert', '--json'), 3, 'ALERT_NOT_FOUND');
    // Nobody signed in, no local trust: not even reading.
    expectFailure(await appCli(t, TRUST_OFF, 'monitor:alerts:list', '--json'), 4, 'PERMISSION_DENIED');
  });

  it('without a server: status says so and exits 0; metrics come from this process; traces are exit 6', async () => {
    await ok(t, 'users:create', '--email', 'a@example.com');
    const status = await ok(t, 'monitor:status');
    expect(status.stdout).to.contain('No server of this installation is running');
    expect(status.stdout).to.contain('Alerts: 0 firing, 0 acked');
    expect((await ok(t, 'monitor:status', '--json')).json().data.server).to.deep.include({running: false, figures: []});

    const metrics = await ok(t, 'monitor:metrics', '--filter', 'systemprompt_users_accounts{status="enabled"}');
    expect(metrics.stdout.split('\n').filter(Boolean)).to.deep.equal([
      'METRIC                       LABELS            VALUE',
      'systemprompt_users_accounts  status="enabled"  1',
    ]);
    expect(metrics.stderr.trim()).to.match(
      /^No server of this installation is running: these are the figures of this process/,
    );
    const json = (await ok(t, 'monitor:metrics', '--filter', 'users_accounts', '--json')).json().data;
    expect(json).to.include({source: 'process', url: null});
    expect(json.families.map((family: {name: string}) => family.name)).to.deep.equal(['systemprompt_users_accounts']);
    const raw = await ok(t, 'monitor:metrics', '--filter', 'systemprompt_monitor_alerts', '--raw');
    expect(raw.stdout).to.contain(
      '# TYPE systemprompt_monitor_alerts gauge\nsystemprompt_monitor_alerts{state="firing"} 0\n',
    );
    expectFailure(await t.cli('monitor:metrics', '--filter', 'x{a=1}', '--json'), 2, 'MONITOR_SELECTOR_INVALID');

    const directory = await mkdtemp(join(tmpdir(), 'monitor-export-'));
    try {
      const file = join(directory, 'metrics.prom');
      await ok(t, 'monitor:export', '--what', 'metrics', '--output', file);
      expect(await readFile(file, 'utf8')).to.match(/^systemprompt_users_accounts\{status="enabled"\} 1$/m);
      const exported = (await ok(t, 'monitor:export', '--what', 'metrics', '--format', 'json', '--json')).json().data;
      expect(exported).to.include({what: 'metrics', format: 'json', source: 'process'});
      expect(
        exported.content.families.some((family: {name: string}) => family.name === 'systemprompt_users_accounts'),
      ).to.equal(true);
    } finally {
      await rm(directory, {recursive: true, force: true});
    }
    expectFailure(
      await t.cli('monitor:export', '--what', 'metrics', '--format', 'otlp', '--json'),
      2,
      'MONITOR_EXPORT_INVALID',
    );
    expectFailure(await t.cli('monitor:traces', '--json'), 6, 'MONITOR_SERVER_NOT_RUNNING');
    expectFailure(await t.cli('monitor:export', '--what', 'traces', '--json'), 6, 'MONITOR_SERVER_NOT_RUNNING');
  });
});
