import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {
  APP_ROOT,
  TRUST_OFF,
  appCli,
  auditLog,
  describeEachEngine,
  expectFailure,
  ok,
  runWithStdin,
  type EngineFixture,
} from '@systemprompt/testing';

const YAML = `# Fetches something and says hello.
name: greet
description: Says hello
inputs:
  type: object
  properties:
    who: {type: string, default: world}
steps:
  - id: hello
    type: http
    url: "http://127.0.0.1:9/hello/{{ inputs.who }}"
output: steps.hello.output.body
`;

/** A definition with `steps`, checked by workflows:create --dry-run (nothing stored). */
async function check(t: EngineFixture, definition: unknown) {
  const file = join(t.home.path, 'candidate.json');
  await writeFile(file, JSON.stringify(definition));
  return t.cli('workflows:create', file, '--dry-run', '--json');
}

const problemsOf = (run: {json(): any}) =>
  (run.json().error.details.problems as Array<{path: string; message: string}>).map(
    (problem) => `${problem.path}: ${problem.message}`,
  );

describeEachEngine('workflow definitions: workflows:create, list, show, delete', {root: APP_ROOT}, (t) => {
  it('stores a YAML definition as version 1, refuses the name again (exit 5), and --replace stores version 2', async () => {
    const file = join(t.home.path, 'greet.yaml');
    await writeFile(file, YAML);
    const created = (await ok(t, 'workflows:create', file, '--json')).json().data;
    expect(created).to.include({name: 'greet', version: 1, steps: 1, action: 'created', createdBy: 'local-admin'});

    expectFailure(await t.cli('workflows:create', file, '--json'), 5, 'WORKFLOW_EXISTS', 'greet already exists');
    const replaced = (await ok(t, 'workflows:create', file, '--replace', '--json')).json().data;
    expect(replaced).to.include({name: 'greet', version: 2, action: 'updated'});

    const list = (await ok(t, 'workflows:list', '--json')).json();
    expect(list.meta.total).to.equal(1);
    expect(list.data[0]).to.include({name: 'greet', version: 2, description: 'Says hello'});
    const shown = (await ok(t, 'workflows:show', 'greet', '--json')).json().data;
    expect(shown.definition.steps[0]).to.deep.equal({
      id: 'hello',
      type: 'http',
      url: 'http://127.0.0.1:9/hello/{{ inputs.who }}',
    });
    const text = (await ok(t, 'workflows:show', 'greet')).stdout;
    expect(text).to.match(/^# greet, version 2/);
    expect(text).to.include('url: http://127.0.0.1:9/hello/{{ inputs.who }}');
    expectFailure(await t.cli('workflows:show', 'nope', '--json'), 3, 'WORKFLOW_NOT_FOUND');
  });

  it('reads the definition from standard input with -, and --dry-run stores nothing', async () => {
    const checked = await runWithStdin(t, ['workflows:create', '-', '--dry-run', '--json'], YAML);
    expect(checked.exitCode, checked.stderr).to.equal(0);
    expect(checked.json().data).to.include({name: 'greet', action: 'checked', version: 1});
    expect((await ok(t, 'workflows:list', '--json')).json().meta.total).to.equal(0);
    const stored = await runWithStdin(
      t,
      ['workflows:create', '-', '--json'],
      JSON.stringify({name: 'piped', steps: [{id: 'a', type: 'delay', duration: '1s'}]}),
    );
    expect(stored.exitCode, stored.stderr).to.equal(0);
    expect(stored.json().data).to.include({name: 'piped', action: 'created'});
  });

  it('names every schema problem by its place in the definition (exit 2)', async () => {
    const run = await check(t, {
      name: 'Bad Name',
      steps: [
        {id: 'fetch', type: 'http', retry: {attempts: 0}},
        {id: 'branch', type: 'condition', expression: 'true', then: [{id: 'inner', type: 'tool', args: {}}]},
        {id: 'odd', type: 'teleport'},
        {id: 'extra', type: 'delay', duration: '1s', colour: 'red'},
      ],
    });
    const error = expectFailure(run, 2, 'WORKFLOW_INVALID', /^Invalid workflow definition: /);
    expect(problemsOf(run)).to.have.members([
      'name: must match pattern "^[a-z0-9][a-z0-9_-]{0,63}$"',
      'steps[0]: lacks the required property "url"',
      'steps[0].retry.attempts: must be >= 1',
      'steps[1].then[0]: lacks the required property "tool"',
      'steps[2].type: must be one of tool, http, delay, condition, parallel, foreach, workflow, agent',
      'steps[3]: has an unknown property "colour"',
    ]);
    expect(error.message).to.include('(and 5 more)');
  });

  it('refuses repeated step ids, expressions that do not compile, bad durations and inputs schemas, with the step', async () => {
    const run = await check(t, {
      name: 'broken',
      inputs: {type: 'object', properties: {n: {type: 'nonsense'}}},
      steps: [
        {id: 'a', type: 'http', url: 'http://127.0.0.1:9/{{ inputs.( }}'},
        {id: 'b', type: 'foreach', items: 'inputs.list', steps: [{id: 'a', type: 'delay', duration: 'soon'}]},
        {id: 'c', type: 'tool', tool: 'users_list', if: 'steps.a.output.status = ', args: {limit: '{{ }}'}},
        {id: 'd', type: 'delay', duration: '1s', until: '2030-01-01T00:00:00Z'},
        {id: 'e', type: 'http', url: 'ftp://example.com/file'},
      ],
      output: '$sum(',
    });
    expectFailure(run, 2, 'WORKFLOW_INVALID');
    const problems = problemsOf(run);
    const expected = [
      /^inputs: is not a usable JSON Schema: /,
      /^steps\[1\]\.steps\[0\]\.id: repeats the step id "a" of steps\[0\]$/,
      /^steps\[1\]\.steps\[0\]\.duration \(step a\): must be a duration such as 500ms/,
      /^steps\[3\]: a delay step has either duration or until/,
      /^steps\[4\]\.url \(step e\): must be an http:\/\/ or https:\/\/ URL$/,
      /^output: expression "\$sum\(" does not compile at character \d+: /,
      /^steps\[0\]\.url \(step a\): expression "inputs\.\(" does not compile/,
      /^steps\[2\]\.if \(step c\): expression "steps\.a\.output\.status = " does not compile/,
      /^steps\[2\]\.args\.limit \(step c\): an empty \{\{ \}\} has no expression$/,
    ];
    for (const pattern of expected)
      expect(
        problems.some((problem) => pattern.test(problem)),
        `${pattern} in ${problems.join('\n')}`,
      ).to.equal(true);
    expect(problems).to.have.length(expected.length);
  });

  it('reports text that is not YAML or JSON (exit 2), and a file that is not there', async () => {
    const file = join(t.home.path, 'bad.yaml');
    await writeFile(file, 'name: x\nsteps: [\n');
    expectFailure(
      await t.cli('workflows:create', file, '--json'),
      2,
      'WORKFLOW_SOURCE_INVALID',
      /not valid YAML or JSON \(line \d+, column \d+\)/,
    );
    expectFailure(
      await t.cli('workflows:create', join(t.home.path, 'missing.yaml'), '--json'),
      2,
      'WORKFLOW_SOURCE_INVALID',
      'no such file',
    );
  });

  it('deletes with --confirm (refusing without it when nobody can be asked); runs stay', async () => {
    const file = join(t.home.path, 'greet.yaml');
    await writeFile(file, YAML);
    await ok(t, 'workflows:create', file);
    expectFailure(await t.cli('workflows:delete', 'greet', '--json'), 2, 'CONFIRMATION_REQUIRED');
    expect((await ok(t, 'workflows:delete', 'greet', '--dry-run', '--json')).json().data).to.include({deleted: false});
    expect((await ok(t, 'workflows:delete', 'greet', '--confirm', '--json')).json().data).to.deep.equal({
      name: 'greet',
      version: 1,
      deleted: true,
    });
    expectFailure(await t.cli('workflows:delete', 'greet', '--confirm', '--json'), 3, 'WORKFLOW_NOT_FOUND');
    const audit = await auditLog(t);
    expect(audit.map((row) => `${row.action} ${row.target} ${row.result}`)).to.include.members([
      'workflows.create greet ok',
      'workflows.delete greet ok',
    ]);
  });

  it('lets a viewer list and show workflows, but not create, delete or execute them (exit 4)', async () => {
    const file = join(t.home.path, 'greet.yaml');
    await writeFile(file, YAML);
    await ok(t, 'workflows:create', file);
    await ok(t, 'users:create', '--email', 'viewer@example.com', '--role', 'viewer');
    const key = (
      await ok(t, 'api:keys:create', '--user', 'viewer@example.com', '--name', 'cli', '--scope', '*:read', '--json')
    ).json().data.key as string;
    const asViewer = (...args: string[]) => appCli(t, {...TRUST_OFF, SYSTEMPROMPT_API_KEY: key}, ...args);
    expect(
      (await asViewer('workflows:list', '--json')).json().data.map((row: {name: string}) => row.name),
    ).to.deep.equal(['greet']);
    expect((await asViewer('workflows:show', 'greet', '--json')).exitCode).to.equal(0);
    expectFailure(
      await asViewer('workflows:create', file, '--replace', '--json'),
      4,
      'PERMISSION_DENIED',
      'workflows:write',
    );
    expectFailure(await asViewer('workflows:delete', 'greet', '--confirm', '--json'), 4, 'PERMISSION_DENIED');
    expectFailure(await asViewer('workflows:execute', 'greet', '--json'), 4, 'PERMISSION_DENIED', 'workflows:execute');
    // Refused before anything is looked up: an unknown workflow is no different.
    expectFailure(await asViewer('workflows:execute', 'nope', '--json'), 4, 'PERMISSION_DENIED');
  });
});
