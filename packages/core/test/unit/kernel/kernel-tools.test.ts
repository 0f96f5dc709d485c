import {join} from 'node:path';
import {expect} from 'chai';
import {SystemPromptError} from '../../../src/errors.js';
import {Kernel} from '../../../src/kernel/kernel.js';
import type {ModuleContext} from '../../../src/module.js';
import type {ToolDefinition} from '../../../src/tools.js';
import {discoverFixtures, resetModules, setHooks, type FixtureModule} from '../helpers/modules.js';
import {makeTempDir, removeTempDir} from '../helpers/temp.js';

const tool = (name: string, permission = 'notes:read'): ToolDefinition => ({
  name,
  description: `The ${name} tool.`,
  permission,
  inputSchema: {type: 'object', properties: {}, additionalProperties: false},
  handler: async () => ({ok: true}),
});

describe('Kernel: module tools', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await makeTempDir();
    resetModules();
  });
  afterEach(async () => {
    resetModules();
    await removeTempDir(directory);
  });

  async function kernelFor(modules: FixtureModule[]): Promise<Kernel> {
    const records = await discoverFixtures(directory, modules);
    return new Kernel({
      modules: records,
      paths: {
        home: directory,
        config: join(directory, 'config'),
        data: join(directory, 'data'),
        cache: join(directory, 'cache'),
      },
    });
  }

  const notes = (tools: Array<Record<string, unknown>>): FixtureModule => ({name: 'notes', manifest: {tools}});

  /** What `add` throws for `definition`, added by a module declaring `tools` (or undefined when it is accepted). */
  async function added(
    definition: ToolDefinition,
    tools: Array<Record<string, unknown>>,
    module = 'notes',
  ): Promise<SystemPromptError | undefined> {
    let refusal: SystemPromptError | undefined;
    setHooks(module, {
      initialize: (context: ModuleContext) => {
        try {
          context.tools.add(definition);
        } catch (error) {
          refusal = error as SystemPromptError;
        }
      },
    });
    const kernel = await kernelFor([{name: module, manifest: {tools}}]);
    await kernel.boot([module]);
    // A refused tool is not registered; an accepted one is.
    expect(kernel.tools.map((registered) => registered.name)).to.deep.equal(refusal ? [] : [definition.name]);
    return refusal;
  }

  it('registers a declared tool with its module; every module sees the tools added so far', async () => {
    let seen: readonly unknown[] = [];
    setHooks('notes', {initialize: (context: ModuleContext) => context.tools.add(tool('notes_list'))});
    setHooks('app', {
      initialize: (context: ModuleContext) => {
        seen = context.tools.list().map((registered) => registered.name);
      },
    });
    const kernel = await kernelFor([
      notes([{name: 'notes_list', description: 'List notes.', permission: 'notes:read'}]),
      {name: 'app', manifest: {dependencies: ['notes']}},
    ]);
    await kernel.boot(['app']);
    expect(kernel.tools.map(({name, module, permission}) => ({name, module, permission}))).to.deep.equal([
      {name: 'notes_list', module: 'notes', permission: 'notes:read'},
    ]);
    expect(seen).to.deep.equal(['notes_list']);
    expect(
      await kernel.tools[0]!.handler({}, {actor: {} as never, signal: new AbortController().signal}),
    ).to.deep.equal({ok: true});
  });

  it('refuses a tool module.yaml does not declare (TOOL_UNDECLARED), and registers nothing', async () => {
    const error = await added(tool('notes_delete'), [
      {name: 'notes_list', description: 'List notes.', permission: 'notes:read'},
    ]);
    expect(error).to.be.instanceOf(SystemPromptError);
    expect(error).to.include({code: 'TOOL_UNDECLARED', exitCode: 1});
    expect(error!.details).to.deep.equal({module: 'notes', tool: 'notes_delete'});
  });

  it('refuses a declared tool added with another permission than module.yaml names', async () => {
    const error = await added(tool('notes_list', 'notes:write'), [
      {name: 'notes_list', description: 'List notes.', permission: 'notes:read'},
    ]);
    expect(error).to.include({code: 'TOOL_UNDECLARED'});
    expect(error!.message).to.include('notes:write');
  });

  it('takes a tool declared without a permission as `authenticated`', async () => {
    expect(await added(tool('notes_ping', 'authenticated'), [{name: 'notes_ping', description: 'Ping.'}])).to.equal(
      undefined,
    );
    resetModules();
    expect(await added(tool('notes_ping', 'notes:read'), [{name: 'notes_ping', description: 'Ping.'}])).to.include({
      code: 'TOOL_UNDECLARED',
    });
  });

  it('refuses a name that is not <module>_<action> in [A-Za-z0-9_-] up to 64 characters (TOOL_NAME_INVALID)', async () => {
    for (const name of [
      'list_notes',
      'notes.list',
      'notesy_list',
      `notes_${'x'.repeat(59)}`,
      'notes list',
      'notes_é',
    ]) {
      resetModules();
      const error = await added(tool(name), [
        {name: 'notes_list', description: 'List notes.', permission: 'notes:read'},
      ]);
      expect(error, name).to.include({code: 'TOOL_NAME_INVALID', exitCode: 1});
    }
  });

  it("takes a module name's dashes as underscores in the prefix", async () => {
    const declared = [{name: 'acme_notes_list', description: 'List notes.', permission: 'notes:read'}];
    expect(await added(tool('acme_notes_list'), declared, 'acme-notes')).to.equal(undefined);
  });

  it('refuses the same tool twice (TOOL_TAKEN)', async () => {
    let refusal: unknown;
    setHooks('notes', {
      initialize: (context: ModuleContext) => {
        context.tools.add(tool('notes_list'));
        try {
          context.tools.add(tool('notes_list'));
        } catch (error) {
          refusal = error;
        }
      },
    });
    const kernel = await kernelFor([
      notes([{name: 'notes_list', description: 'List notes.', permission: 'notes:read'}]),
    ]);
    await kernel.boot(['notes']);
    expect(refusal).to.include({code: 'TOOL_TAKEN'});
    expect(kernel.tools).to.have.length(1);
  });
});
