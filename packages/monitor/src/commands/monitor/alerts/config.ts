import {
  Args,
  Flags,
  SystemPromptCommand,
  confirmFlag,
  dryRunFlag,
  invalidInput,
  listFlags,
  type ListResult,
} from '@systemprompt/core';
import {RULE_LIST_FIELDS, SEVERITIES, type RuleInput, type RuleView} from '../../../services/rules.js';
import {MONITOR} from '../../../token.js';

const ACTIONS = ['add', 'update', 'remove', 'list'] as const;

function threshold(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number))
    throw invalidInput(`--${flag} ${JSON.stringify(value)} is not a number`, {
      code: 'MONITOR_RULE_INVALID',
      hint: `For example --${flag} 0.5 (a negative one as --${flag}=-1).`,
    });
  return number;
}

export default class MonitorAlertsConfig extends SystemPromptCommand<typeof MonitorAlertsConfig> {
  static override summary =
    'Add, update, remove or list alert rules (a selector, a function, a threshold, for how long).';
  static override description = `Takes monitor:write (list: monitor:read). A rule watches a PromQL selector (metric{label="v",label!="v",label=~"re",label!~"re"}; regular expressions are anchored) through a function: value (the sum of the matching series now), rate (per second, over --window) or increase (over --window; counter resets handled). It fires when that is --above or --below the threshold for --for (default 0s), with a --severity (info, warning, critical; default warning). The server holding the evaluator lease evaluates every monitor.evaluateSeconds over the figures every server publishes; alert.fired, alert.acked and alert.resolved events follow (subscribe a webhook to alert.*).`;
  static override examples = [
    `<%= config.bin %> <%= command.id %> add high-5xx-rate --selector 'systemprompt_http_request_duration_seconds_count{status=~"5.."}' --function rate --window 1m --above 0.5 --severity critical`,
    `<%= config.bin %> <%= command.id %> add no-enabled-users --selector 'systemprompt_users_accounts{status="enabled"}' --below 1 --for 5m`,
    '<%= config.bin %> <%= command.id %> update high-5xx-rate --above 1 --for 2m',
    '<%= config.bin %> <%= command.id %> update high-5xx-rate --no-enabled',
    '<%= config.bin %> <%= command.id %> remove high-5xx-rate --confirm',
    '<%= config.bin %> <%= command.id %> list',
  ];
  static override args = {
    action: Args.string({description: 'add, update, remove or list.', required: true, options: [...ACTIONS]}),
    name: Args.string({
      description: 'The rule name (lower-kebab, e.g. high-5xx-rate); list takes it to show one rule.',
    }),
  };
  static override flags = {
    selector: Flags.string({char: 's', description: 'PromQL selector of the series: metric{label="value",...}.'}),
    function: Flags.string({
      char: 'f',
      description: 'value, rate or increase (default value).',
      options: ['value', 'rate', 'increase'],
    }),
    window: Flags.string({char: 'w', description: 'The window of rate and increase: 30s, 1m, 5m (default 5m).'}),
    above: Flags.string({description: 'Fire when the figure is above this number.', exclusive: ['below']}),
    below: Flags.string({description: 'Fire when the figure is below this number.'}),
    for: Flags.string({
      description: 'How long the condition must hold before the alert fires: 0s, 30s, 5m (default 0s).',
    }),
    severity: Flags.string({description: 'info, warning or critical (default warning).', options: [...SEVERITIES]}),
    description: Flags.string({char: 'd', description: 'What the rule is about ("" removes it).'}),
    enabled: Flags.boolean({
      description: 'Whether the rule is evaluated (--no-enabled switches it off).',
      allowNo: true,
    }),
    ...confirmFlag,
    ...dryRunFlag,
    ...listFlags,
  };
  static override columns = ['name', 'condition', 'severity', 'enabled', 'state', 'value', 'evaluatedAt'];

  async run(): Promise<
    RuleView | (RuleView & {changed: string[]}) | ListResult<RuleView> | {name: string; removed: boolean}
  > {
    const action = this.args.action as (typeof ACTIONS)[number];
    const name = this.args.name;
    const {rules} = await this.service(MONITOR);
    const actor = await this.actor();
    if (action === 'list') {
      if (name) return rules.get(actor, name);
      return rules.list(actor, this.listQuery({fields: RULE_LIST_FIELDS, defaultLimit: 100}));
    }
    if (!name)
      throw invalidInput(`monitor:alerts:config ${action} needs the rule's NAME`, {
        code: 'MONITOR_RULE_INVALID',
        hint: `For example monitor:alerts:config ${action} high-5xx-rate.`,
      });
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    if (action === 'remove')
      return rules.remove(actor, name, {dryRun, confirm: (question) => this.confirmAction(question)});
    const {selector, window, severity, description, enabled} = this.flags;
    const input: RuleInput = {
      ...(selector !== undefined ? {selector} : {}),
      ...(this.flags.function !== undefined ? {function: this.flags.function} : {}),
      ...(window !== undefined ? {window} : {}),
      ...(this.flags.above !== undefined ? {above: threshold('above', this.flags.above)!} : {}),
      ...(this.flags.below !== undefined ? {below: threshold('below', this.flags.below)!} : {}),
      ...(this.flags.for !== undefined ? {for: this.flags.for} : {}),
      ...(severity !== undefined ? {severity} : {}),
      ...(description !== undefined ? {description} : {}),
      ...(enabled !== undefined ? {enabled} : {}),
    };
    if (action === 'add') return rules.add(actor, name, input, {dryRun});
    if (Object.keys(input).length === 0)
      throw invalidInput('Nothing to change', {
        code: 'MONITOR_RULE_INVALID',
        hint: 'Give --selector, --function, --window, --above/--below, --for, --severity, --description or --enabled/--no-enabled.',
      });
    return rules.update(actor, name, input, {dryRun});
  }
}
