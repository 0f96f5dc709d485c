import {join} from 'node:path';
import {Args, SystemPromptCommand, confirmFlag, dryRunFlag} from '@systemprompt/core';
import {DATABASE} from '../../token.js';
import {BackupService, type BackupResult, type RestoreResult} from './backup-service.js';
import {readPassphrase} from './crypto.js';
import {passphraseFlags, terminalProgress} from './flags.js';

type Kind = 'data' | 'system';

/** What data:backup and system:backup share: they differ in what the archive holds (`kind`) and its default name. */
export abstract class BackupCommand extends SystemPromptCommand<typeof BackupCommand> {
  static override flags = {...passphraseFlags};
  protected abstract readonly kind: Kind;

  async run(): Promise<BackupResult> {
    const flags = this.flags;
    // --output names the archive here, not a copy of the result: the result goes to standard output.
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const output =
      flags.output ??
      join(process.cwd(), `systemprompt-${this.kind === 'system' ? 'system' : 'backup'}-${stamp}.tar.gz`);
    flags.output = undefined;
    const passphrase = await readPassphrase({file: flags['passphrase-file'], env: flags['passphrase-env']});
    const service = new BackupService(await this.service(DATABASE), this.paths, async () =>
      (await this.kernel()).access(),
    );
    return service.backup(await this.actor(), await this.modules(), {
      output,
      passphrase,
      kind: this.kind,
      progress: terminalProgress(this.format === 'table' && !flags.quiet),
    });
  }
}

/** What data:restore and system:restore share: system:restore also swaps the configuration directory in. */
export abstract class RestoreCommand extends SystemPromptCommand<typeof RestoreCommand> {
  static override args = {
    file: Args.string({description: 'The backup archive (data:backup or system:backup).', required: true}),
  };
  static override flags = {...passphraseFlags, ...confirmFlag, ...dryRunFlag};
  protected abstract readonly kind: Kind;

  async run(): Promise<RestoreResult> {
    const passphrase = await readPassphrase({file: this.flags['passphrase-file'], env: this.flags['passphrase-env']});
    const service = new BackupService(await this.service(DATABASE), this.paths, async () =>
      (await this.kernel()).access(),
    );
    const result = await service.restore(await this.actor(), await this.modules(), this.args.file, {
      passphrase,
      dryRun: this.flags['dry-run'],
      kind: this.kind,
      confirm: (question) => this.confirmAction(question),
      progress: terminalProgress(this.format === 'table' && !this.flags.quiet),
    });
    if (result.dryRun) this.meta.dryRun = true;
    return result;
  }
}
