import {readFile} from 'node:fs/promises';
import {Args, Flags, dryRunFlag, invalidInput} from '@systemprompt/core';
import type {CreateResult} from '../../services/definitions.js';
import {WorkflowsCommand} from '../../workflows-command.js';

async function readSource(file: string): Promise<string> {
  if (file === '-') {
    if (process.stdin.isTTY)
      throw invalidInput('Pipe the definition on standard input (workflows:create - < flow.yaml)', {
        code: 'WORKFLOW_SOURCE_INVALID',
      });
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as {code?: string}).code;
    throw invalidInput(`Cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`, {
      code: 'WORKFLOW_SOURCE_INVALID',
    });
  }
}

export default class WorkflowsCreate extends WorkflowsCommand<typeof WorkflowsCreate> {
  static override summary = 'Store a workflow definition from a YAML or JSON file (or standard input).';
  static override description = `Checks the definition against the workflow schema (step ids unique, every expression compiles, the inputs schema is usable) and stores it as version 1. A workflow of that name already stored is exit 5 unless --replace, which stores the file as its next version (runs already started keep the version they started with). --dry-run only checks. Every problem is reported with its place, e.g. steps[1].retry.attempts. Takes workflows:write. The format is in the workflows package README.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> nightly-report.yaml',
    '<%= config.bin %> <%= command.id %> nightly-report.yaml --replace',
    'cat flow.json | <%= config.bin %> <%= command.id %> - --dry-run --json',
  ];
  static override args = {
    file: Args.string({
      description: 'The definition file (YAML or JSON), or - to read standard input.',
      required: true,
    }),
  };
  static override flags = {
    replace: Flags.boolean({description: 'Store it as the next version of an existing workflow of that name.'}),
    ...dryRunFlag,
  };

  async run(): Promise<CreateResult> {
    const source = await readSource(this.args.file);
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const {definitions} = await this.workflows();
    return definitions.create(await this.actor(), source, {replace: this.flags.replace, dryRun});
  }
}
