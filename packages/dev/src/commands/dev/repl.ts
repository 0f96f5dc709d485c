import repl from 'node:repl';
import {createInterface} from 'node:readline';
import {SystemPromptCommand, followResult, textResult, type FollowResult, type TextResult} from '@systemprompt/core';
import {evaluateLines, jsonValue, replContext, show, type Evaluation} from '../../services/repl.js';
import {DEV} from '../../token.js';

export default class DevRepl extends SystemPromptCommand<typeof DevRepl> {
  static override summary = 'A Node REPL with the kernel booted and every service in scope, as you.';
  static override description =
    'Boots every enabled module and puts kernel, actor, services.<module> and each service and sub-service by name in scope (users, roles, sessions, ...); methods whose first parameter is the actor are called as you, so the services check your permissions (await users.list()). Top-level await works. With input piped (not a terminal) each line is evaluated in turn and its result printed (with --json one envelope per line); the command exits when the input ends, 1 if a line threw. Needs dev:run.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    "echo 'await users.list()' | <%= config.bin %> <%= command.id %>",
    "echo 'await roles.list()' | <%= config.bin %> <%= command.id %> --json",
  ];

  async run(): Promise<TextResult | FollowResult<Evaluation>> {
    const dev = await this.service(DEV);
    const actor = await this.actor();
    const {scope, names} = await dev.repl(actor, () => this.kernelWithEnabledModules());
    if (process.stdin.isTTY) {
      process.stderr.write(
        `systemprompt REPL as ${actor.label}. In scope: ${names.join(', ')}. .exit or Ctrl-D ends it.\n`,
      );
      const server = repl.start({prompt: 'systemprompt> ', useGlobal: false, breakEvalOnSigint: true});
      Object.assign(server.context, scope);
      await new Promise<void>((resolve) => server.on('exit', resolve));
      return textResult('');
    }
    const lines = createInterface({input: process.stdin, crlfDelay: Infinity});
    const evaluations = evaluateLines(lines, replContext(scope));
    if (this.format === 'table') {
      let failed = 0;
      for await (const evaluation of evaluations) {
        if (evaluation.ok) {
          if (evaluation.value !== undefined) process.stdout.write(`${show(evaluation.value)}\n`);
        } else {
          failed += 1;
          const {name, message, code} = evaluation.error!;
          process.stderr.write(`Uncaught ${name}: ${message}${code ? ` [${code}]` : ''} (line ${evaluation.line})\n`);
        }
      }
      if (failed > 0) this.exitAfterOutput(1);
      return textResult('');
    }
    const failures = {count: 0};
    const exitAfterOutput = (code: number) => this.exitAfterOutput(code);
    return followResult<Evaluation>([], {
      async *[Symbol.asyncIterator]() {
        for await (const evaluation of evaluations) {
          if (!evaluation.ok && ++failures.count === 1) exitAfterOutput(1);
          yield evaluation.ok ? {...evaluation, value: jsonValue(evaluation.value)} : evaluation;
        }
      },
    });
  }
}
