import {Args, Flags} from '@systemprompt/core';
import {PassThroughCommand} from '../../pass-through.js';
import {attachHelp, cliBin, type DebugResult} from '../../services/cli-run.js';
import {DEV} from '../../token.js';

export default class DevDebug extends PassThroughCommand<typeof DevDebug> {
  static override summary = 'Run a command with the Node inspector open on 127.0.0.1, and say how to attach.';
  static override description =
    "Runs COMMAND in a child process of this CLI with --inspect-brk on 127.0.0.1 and a free port (never another address): it waits for a debugger before its first line; --no-break lets it run at once. Prints the ws:// URL and how to attach (chrome://inspect, VS Code, node inspect HOST:PORT) on standard error as soon as the inspector listens, relays the command's output, and exits with its exit code. dev:debug's own flags come before COMMAND; everything from COMMAND on is the command's (or put it after --). Needs dev:run.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> users:list',
    '<%= config.bin %> <%= command.id %> --no-break acme-notes:add "buy milk" --json',
  ];
  static override args = {
    command: Args.string({required: true, description: 'The command to run, then its arguments and flags.'}),
  };
  static override flags = {
    break: Flags.boolean({
      default: true,
      allowNo: true,
      description: 'Wait for a debugger before the first line (--inspect-brk); --no-break starts at once (--inspect).',
    }),
  };

  async run(): Promise<DebugResult> {
    const {root, bin, name} = this.cliBin();
    const dev = await this.service(DEV);
    const result = await dev.debug(
      await this.actor(),
      {bin: cliBin(root, bin, name), argv: this.commandArgv, relay: this.relay(), signal: this.stopSignal},
      {
        break: this.flags.break,
        onListening: ({url, host, port}) =>
          process.stderr.write(
            [
              `Debugger listening on ${url}`,
              ...attachHelp(host, port),
              ...(this.flags.break ? ['The command waits for the debugger before its first line.'] : []),
            ].join('\n') + '\n',
          ),
      },
    );
    this.exitAfterOutput(result.exitCode);
    return result;
  }
}
