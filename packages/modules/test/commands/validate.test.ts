import {rm} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {APP_BIN, createTempHome, expectFailure, spawnCli, type TempHome} from '@systemprompt/testing';
import {writeValidateCases, type ValidateCase} from '../fixtures/validate-cases.js';

// The installed CLI as a user runs it: a package directory, --json, the exit code and the envelope.
describe('extension:validate (the bin)', () => {
  let home: TempHome;
  let cases: string;
  const fixture = (name: ValidateCase) => join(cases, name);
  const validate = async (...args: string[]) => {
    const run = await spawnCli(APP_BIN, ['extension:validate', ...args], {
      home: home.path,
      env: {SYSTEMPROMPT_DATABASE_URL: undefined},
    });
    return {...run, json: () => JSON.parse(run.stdout)};
  };
  const problemsOf = (run: {
    json(): {error: {details: {report: {problems: Array<{path: string; problem: string; code?: string}>}}}};
  }) => run.json().error.details.report.problems;

  before(async () => {
    cases = await writeValidateCases();
  });
  after(() => rm(cases, {recursive: true, force: true}));

  beforeEach(async () => {
    home = await createTempHome();
  });
  afterEach(() => home.remove());

  it('passes every module the CLI ships, validated by name', async () => {
    for (const name of ['database', 'config', 'users', 'permissions', 'auth', 'api', 'modules', 'cli', 'logger']) {
      const run = await validate(name, '--json');
      expect(run.exitCode, `${name}: ${run.stdout}`).to.equal(0);
      expect(run.json()).to.deep.include({ok: true});
    }
  });

  it('passes a good package (exit 0)', async () => {
    const run = await validate(fixture('good'), '--json');
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.json().data).to.include({valid: true, name: 'acme-notes'});
  });

  it('refuses a permission of another module with its place, exit 2', async () => {
    const run = await validate(fixture('foreign-permission'), '--json');
    expectFailure(run, 2, 'EXTENSION_INVALID');
    expect(problemsOf(run)).to.deep.equal([
      {
        path: 'module.yaml /permissions/2',
        problem: '"users:delete" is outside the module\'s namespace: its permissions are named "acme-notes:<action>"',
      },
      {path: 'module.yaml /permissions/2', problem: '"users:delete" is already declared by module "users"'},
    ]);
  });

  it('refuses the name of a core module, with the code install exits 5 on', async () => {
    const run = await validate(fixture('name-taken'), '--json');
    expectFailure(run, 2, 'EXTENSION_INVALID');
    expect(problemsOf(run).map((item) => `${item.path} ${item.code}`)).to.deep.equal([
      'module.yaml /name MODULE_NAME_TAKEN',
      'command users:notes-add COMMAND_TOPIC_TAKEN',
    ]);
  });

  it('keeps going when the module ends the process in initialize(), and prints every problem with its place', async () => {
    const run = await validate(fixture('init-exits'));
    expect(run.exitCode).to.equal(2);
    expect(run.stderr).to.match(
      /^1 problem in acme-notes:\nmodule\.js: initialize\(\) ended the process \(exit code 3\)\n/,
    );
    const json = await validate(fixture('init-exits'), '--json');
    expectFailure(json, 2, 'EXTENSION_INVALID');
    expect(problemsOf(json).map((problem) => problem.code)).to.deep.equal(['INIT_FAILED']);
  });

  it('stops a hanging initialize() after --timeout seconds', async () => {
    const run = await validate(fixture('init-hangs'), '--timeout', '1', '--json');
    expectFailure(run, 2, 'EXTENSION_INVALID');
    expect(problemsOf(run)).to.deep.equal([
      {path: 'module.js', problem: 'initialize() did not finish within 1 s', code: 'INIT_FAILED'},
    ]);
  });

  it('names the migration file and step whose down() fails', async () => {
    const run = await validate(fixture('migration-down-fails'), '--json');
    expectFailure(run, 2, 'EXTENSION_INVALID');
    const [problem] = problemsOf(run);
    expect(problem).to.include({path: 'migrations/20261128140000-create-acme-notes.js', code: 'MIGRATION_FAILED'});
    expect(problem!.problem).to.match(/^step 2 of 2: down\(\) failed: /);
  });
});
