import {Args, SystemPromptCommand, followResult, type FollowResult} from '@systemprompt/core';
import codes from '../../error-codes.js';
import type {WatchEvent} from '../../services/watch.js';
import {DEV} from '../../token.js';

export default class DevWatch extends SystemPromptCommand<typeof DevWatch> {
  static override summary = 'Build a module package, link it into this CLI, and rebuild it on every change under src/.';
  static override description =
    'PATH (default: the current directory) is the module package, the nearest directory at or above it with module.yaml. Builds it (npm run build, or tsc -p when it has no build script), links it into this CLI after the first good build (plugins:link PATH --no-install: its commands run from its dist/ at once), then rebuilds after every change under src/, printing one line per build (ok, or errors with the first one) until Ctrl-C or SIGTERM; with --json one envelope per line. The package stays linked afterwards (plugins:unlink removes it). Needs dev:run and, for the link, modules:write; the link is audited.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> ./acme-notes --json',
  ];
  static override args = {path: Args.string({description: 'The module package (a directory in it).'})};
  static override columns = ['at', 'event', 'result', 'ms', 'detail'];
  static override followWidths = {at: 24, event: 5, result: 6, ms: 5};

  async run(): Promise<FollowResult<WatchEvent>> {
    const dev = await this.service(DEV);
    const {events} = await dev.watch(await this.actor(), this.args.path ?? process.cwd(), {
      signal: this.stopSignal,
      link: (root) => this.link(root),
    });
    return followResult([], events);
  }

  /**
   * plugins:link run as its class, not through config.runCommand: the dev service has checked
   * modules:write and audits the link, and the app's plugins hooks would check and audit it again.
   */
  private async link(root: string): Promise<string> {
    const command = this.config.findCommand('plugins:link');
    if (!command) throw codes.DEV_LINK_UNAVAILABLE.error();
    // oclif's spinner would land in this command's output (its lines, or its JSON).
    const write = process.stderr.write;
    process.stderr.write = () => true;
    try {
      await (await command.load()).run([root, '--no-install'], this.config);
    } catch (error) {
      throw codes.DEV_LINK_FAILED.error(`plugins:link ${root}: ${(error as Error).message.split('\n')[0]}`);
    } finally {
      process.stderr.write = write;
    }
    return `linked ${root}`;
  }
}
