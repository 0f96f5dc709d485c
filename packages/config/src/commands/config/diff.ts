import {Args} from '@systemprompt/core';
import {ConfigCommand} from '../../services/config-command.js';
import type {ChangeRow} from '../../services/config-service.js';

export default class ConfigDiff extends ConfigCommand<typeof ConfigDiff> {
  static override summary = 'Show the settings that differ between two configurations.';
  static override description =
    'Each side is a version number (from config:history), "current", "defaults", or a file written by config:export. Compares what modules would get (all layers); secrets are masked.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> 1 3',
    '<%= config.bin %> <%= command.id %> 1',
    '<%= config.bin %> <%= command.id %> defaults',
    '<%= config.bin %> <%= command.id %> config-backup.yaml current',
  ];
  static override args = {
    a: Args.string({description: 'First side: VERSION, current, defaults or FILE.', default: 'defaults'}),
    b: Args.string({description: 'Second side (default: current).', default: 'current'}),
  };
  static override columns = ['key', 'before', 'after'];

  async run(): Promise<ChangeRow[]> {
    const rows = await (await this.configService()).diff(await this.actor(), this.args.a, this.args.b);
    if (rows.length === 0) this.notices.push(`No differences between ${this.args.a} and ${this.args.b}.`);
    return rows;
  }
}
