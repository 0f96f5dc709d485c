import {Args, Flags, SystemPromptCommand} from '@systemprompt/core';
import type {TestRun} from '../../services/module-tests.js';
import {DEV} from '../../token.js';

export default class DevTest extends SystemPromptCommand<typeof DevTest> {
  static override summary =
    "Run a module package's mocha tests on a scratch home: SQLite, then MySQL with --database-url.";
  static override description =
    "PATH (default: the current directory) is the module package, the nearest directory at or above it with module.yaml, or an installed module's name. Mocha is the package's own (node_modules/mocha) when it has one, else the one shipped with this module; it reads the package's .mocharc, else the arguments of its `mocha ...` test script, else --import=tsx 'test/**/*.test.ts'. Each run gets an empty SYSTEMPROMPT_HOME, removed afterwards: SQLite first, then with --database-url again against that MySQL/MariaDB database (also as SYSTEMPROMPT_TEST_MYSQL_URL). Mocha's output is relayed (to standard error with --json); the exit code is the first failing run's. Needs dev:run.";
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> ./acme-notes --grep hello',
    '<%= config.bin %> <%= command.id %> acme-notes --database-url mysql://root@127.0.0.1:3306/test',
  ];
  static override args = {
    path: Args.string({description: 'The module package (a directory in it), or an installed module by name.'}),
  };
  static override flags = {
    'database-url': Flags.string({
      description: 'Run the tests again against this MySQL/MariaDB database.',
      helpValue: 'mysql://...',
    }),
    grep: Flags.string({description: 'Only the tests whose title matches (mocha --grep).'}),
  };
  static override columns = ['engine', 'exitCode', 'passing', 'failing', 'pending', 'durationMs'];

  async run(): Promise<TestRun[]> {
    const dev = await this.service(DEV);
    const actor = await this.actor();
    const relay =
      this.format === 'table'
        ? {stdout: process.stdout, stderr: process.stderr}
        : {stdout: process.stderr, stderr: process.stderr};
    const {root, runs} = await dev.test(actor, this.args.path, {
      installed: () => this.modules(),
      relay,
      signal: this.stopSignal,
      ...(this.flags['database-url'] ? {databaseUrl: this.flags['database-url']} : {}),
      ...(this.flags.grep ? {grep: this.flags.grep} : {}),
    });
    this.meta.root = root;
    const failed = runs.find((run) => run.exitCode !== 0);
    if (failed) this.exitAfterOutput(failed.exitCode);
    return runs;
  }
}
