import {
  Flags,
  SystemPromptCommand,
  batchFlag,
  dryRunFlag,
  interactiveFlag,
  invalidInput,
  readSecretFromStdin,
  type BatchResult,
} from '@systemprompt/core';
import {rowValues} from '../../batch-rows.js';
import type {UserPreview, UserView} from '../../services/users.js';
import {USERS} from '../../token.js';

const ROW = {email: 'string', name: 'string', roles: 'list'} as const;

export default class UsersCreate extends SystemPromptCommand<typeof UsersCreate> {
  static override summary = 'Create a user, or one per row of a --batch file.';
  static override description = `The email is the sign-in name: unique, normalized (NFC, trimmed, lower-cased, a Unicode domain in its xn-- form); an invalid one, one with control or invisible characters, or one that mixes alphabets like a lookalike (a Cyrillic "і" in "admіn") is exit 2, an existing one exit 5. The name has at most 200 characters. Roles must exist (exit 3), and you must hold every permission of each role you give (exit 4 PERMISSION_ESCALATION otherwise; see permissions:check). A password, if any, is read from standard input and stored as an argon2id hash.

--batch FILE creates one user per row (NDJSON, JSON, YAML or CSV with a header). Row fields: email (required), name, roles (a list, or in CSV one cell with roles separated by spaces or semicolons). Passwords are not read from files. Each row is checked like a single creation and reported on its own; the command exits 2 when any row failed. --dry-run checks everything (permission, email, roles, duplicates) and creates nothing.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --email ana@example.com --name "Ana Lima" --role operator',
    'printf %s "$PASSWORD" | <%= config.bin %> <%= command.id %> --email bo@example.com --role viewer --password-stdin',
    '<%= config.bin %> <%= command.id %> --interactive',
    '<%= config.bin %> <%= command.id %> --batch people.csv --dry-run   # people.csv: email,name,roles',
    '<%= config.bin %> <%= command.id %> --batch people.ndjson --json   # {"email":"cy@example.com","roles":["viewer"]}',
  ];
  static override flags = {
    email: Flags.string({description: 'Email address (the sign-in name).', exclusive: ['batch']}),
    name: Flags.string({description: 'Display name (at most 200 characters).', exclusive: ['batch']}),
    role: Flags.string({description: 'A role to give (repeatable).', multiple: true, exclusive: ['batch']}),
    'password-stdin': Flags.boolean({description: 'Read a password from standard input.', exclusive: ['batch']}),
    ...batchFlag,
    ...interactiveFlag,
    ...dryRunFlag,
  };

  async run(): Promise<UserView | UserPreview | BatchResult<UserView | UserPreview>> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    if (this.flags.batch) {
      const {users} = await this.service(USERS);
      const actor = await this.actor();
      return this.batch(this.flags.batch, async (row) => {
        const {email, name, roles} = rowValues(row, ROW);
        if (!email) throw invalidInput('The row has no email', {code: 'EMAIL_REQUIRED'});
        return users.create(actor, {email, ...(name === undefined ? {} : {name}), roles: roles ?? []}, {dryRun});
      });
    }
    let {email, name} = this.flags;
    if (this.flags.interactive) {
      const answers = await this.prompt([
        {
          name: 'email',
          message: 'Email',
          default: email,
          validate: (value) => (/@/.test(value) ? undefined : 'An email address, please'),
        },
        {name: 'name', message: 'Name (optional)', default: name},
      ]);
      email = String(answers.email);
      name = String(answers.name) || undefined;
    }
    if (!email)
      throw invalidInput('--email is required', {
        code: 'EMAIL_REQUIRED',
        hint: 'Or use --interactive on a terminal, or --batch FILE.',
      });
    const password = this.flags['password-stdin'] ? await readSecretFromStdin('password') : undefined;
    const {users} = await this.service(USERS);
    return users.create(
      await this.actor(),
      {
        email,
        ...(name === undefined ? {} : {name}),
        roles: this.flags.role ?? [],
        ...(password === undefined ? {} : {password}),
      },
      {dryRun},
    );
  }
}
