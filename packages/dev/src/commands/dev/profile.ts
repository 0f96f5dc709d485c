import {resolve} from 'node:path';
import {Args, Flags} from '@systemprompt/core';
import {PassThroughCommand} from '../../pass-through.js';
import {cliBin, defaultProfileFile} from '../../services/cli-run.js';
import type {TopFunction} from '../../services/cpuprofile.js';
import {DEV} from '../../token.js';

export default class DevProfile extends PassThroughCommand<typeof DevProfile> {
  static override summary =
    'Run a command under the V8 CPU profiler; write the .cpuprofile and print the top functions by self time.';
  static override description =
    "Runs COMMAND in a child process of this CLI with --cpu-prof, writes its main thread's profile to --output (default ./CPU.<date>.<time>.<pid>.cpuprofile; open it in Chrome DevTools' Performance panel or VS Code), and prints the --top functions by self time: name, url:line, self ms and share of the profile's duration, from the profile's samples and their time deltas. The command's own output is relayed (to standard error with --json); dev:profile exits with its exit code. dev:profile's flags come before COMMAND. Needs dev:run.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> users:list',
    '<%= config.bin %> <%= command.id %> --top 5 --output list.cpuprofile users:list --json',
  ];
  static override args = {
    command: Args.string({required: true, description: 'The command to run, then its arguments and flags.'}),
  };
  static override flags = {
    // Every command's --output writes its result; here the result worth a file is the profile itself,
    // and the top functions print as usual.
    output: Flags.string({description: 'Write the .cpuprofile here (its directory must exist).', helpValue: 'FILE'}),
    top: Flags.integer({description: 'How many functions to print (1-500).', default: 15, min: 1, max: 500}),
  };
  static override columns = ['selfMs', 'percent', 'function', 'location'];

  async run(): Promise<TopFunction[]> {
    const file = resolve(this.flags.output ?? defaultProfileFile());
    // The base command would write the rendered result over the profile.
    (this.flags as unknown as {output?: string}).output = undefined;
    const {root, bin, name} = this.cliBin();
    const dev = await this.service(DEV);
    const result = await dev.profile(
      await this.actor(),
      {bin: cliBin(root, bin, name), argv: this.commandArgv, relay: this.relay(), signal: this.stopSignal},
      {file, top: this.flags.top},
    );
    this.meta.file = result.file;
    this.meta.durationMs = result.durationMs;
    this.meta.samples = result.samples;
    this.meta.exitCode = result.exitCode;
    this.notices.push(
      `Wrote ${result.file} (${result.samples} samples over ${result.durationMs} ms; the command exited with ${result.exitCode}).`,
    );
    this.exitAfterOutput(result.exitCode);
    return result.top;
  }
}
