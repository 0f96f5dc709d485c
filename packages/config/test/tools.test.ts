import {expect} from 'chai';
import {LOCAL_ADMIN, resolveSystemPaths, type Actor} from '@systemprompt/core';
import {Kernel, discoverModules} from '@systemprompt/core/kernel';
import {APP_ROOT, bootModuleKernel, callTool, describeEachEngine, ok, refusal} from '@systemprompt/testing';

const CORE = {Kernel, discoverModules, resolveSystemPaths, LOCAL_ADMIN};
const SECRET_URL = 'mysql://someone:topsecret@127.0.0.1:1/nowhere';

describeEachEngine('config MCP tools', {root: APP_ROOT}, (t) => {
  let kernel: Kernel;
  let viewer: Actor;
  let nobody: Actor;

  /** Calls the tool the booted config module registered, checking input and output against its schemas. */
  const call = (name: string, input: Record<string, unknown>, actor: Actor) =>
    callTool(kernel.tools, name, input, actor);
  /** `body` with the database URL (a secret) set in this process's environment, as an operator's shell would. */
  const withSecretInEnv = async <T>(body: () => Promise<T>): Promise<T> => {
    const before = process.env.SYSTEMPROMPT_DATABASE_URL;
    process.env.SYSTEMPROMPT_DATABASE_URL = SECRET_URL;
    try {
      return await body();
    } finally {
      if (before === undefined) delete process.env.SYSTEMPROMPT_DATABASE_URL;
      else process.env.SYSTEMPROMPT_DATABASE_URL = before;
    }
  };

  beforeEach(async () => {
    const actorFor = async (email: string, roles: string[]): Promise<Actor> => {
      const created = await ok(t, 'users:create', '--email', email, ...roles.flatMap((r) => ['--role', r]), '--json');
      return {kind: 'user', id: created.json().data.id, label: email, via: 'api-key'};
    };
    viewer = await actorFor('viewer@example.com', ['viewer']);
    nobody = await actorFor('nobody@example.com', []);
    kernel = await bootModuleKernel(CORE, {root: APP_ROOT, home: t.home, database: t.database, boot: ['config']});
  });

  afterEach(async () => {
    await kernel.stop();
  });

  it('registers every tool module.yaml declares, with its permission', () => {
    const declared = kernel.record('config')!.manifest!.tools!;
    expect(
      kernel.tools.filter((tool) => tool.module === 'config').map(({name, permission}) => ({name, permission})),
    ).to.have.deep.members(declared.map(({name, permission}) => ({name, permission})));
    expect(declared.map(({name, permission}) => ({name, permission}))).to.deep.equal([
      {name: 'config_get', permission: 'config:read'},
      {name: 'config_list', permission: 'config:read'},
    ]);
  });

  it('config_get shows a setting or a module as config:get does, to a viewer', async () => {
    await ok(t, 'config:set', 'logger.level', 'warn');
    const level = await call('config_get', {module: 'logger', key: 'level'}, viewer);
    expect(level).to.deep.equal({key: 'logger.level', value: 'warn', source: 'runtime'});
    const cli = (await ok(t, 'config:get', 'logger.level', '--show-source', '--json')).json().data;
    expect(level).to.deep.equal(cli);
    const logger = await call('config_get', {module: 'logger'}, viewer);
    expect(logger).to.deep.equal({key: 'logger', value: (await ok(t, 'config:get', 'logger', '--json')).json().data});
    expect(await refusal(call('config_get', {module: 'logger', key: 'nope'}, viewer))).to.include({
      exitCode: 2,
      code: 'CONFIG_KEY_UNKNOWN',
    });
  });

  it('config_get and config_list mask secrets exactly as config:get and config:list do', async () => {
    const [url, rows, all] = await withSecretInEnv(async () => [
      await call('config_get', {module: 'database', key: 'url'}, viewer),
      await call('config_list', {module: 'database'}, viewer),
      await call('config_list', {}, viewer),
    ]);
    expect(url).to.deep.equal({key: 'database.url', value: '********', source: 'env'});
    const row = rows.items.find((item: {key: string}) => item.key === 'database.url');
    expect(row).to.include({value: '********', source: 'env', secret: true});
    expect(rows.items.every((item: {key: string}) => item.key.startsWith('database.'))).to.equal(true);
    expect(rows.total).to.equal(rows.items.length);
    expect(all.total).to.be.greaterThan(rows.total);
    expect(JSON.stringify([url, rows, all])).to.not.include('topsecret');
  });

  it('config_list searches as config:list does', async () => {
    const found = await call('config_list', {search: 'shutdownTimeoutMs'}, viewer);
    expect(found.items.map((item: {key: string}) => item.key)).to.deep.equal(['system.shutdownTimeoutMs']);
    const cli = (await ok(t, 'config:list', '--search', 'shutdownTimeoutMs', '--json')).json().data;
    expect(found.items).to.deep.equal(cli);
  });

  it('refuses a caller without config:read (exit 4), checking before any look-up', async () => {
    for (const [name, input] of [
      ['config_get', {module: 'logger', key: 'level'}],
      ['config_get', {module: 'nope'}],
      ['config_list', {}],
    ] as const) {
      expect(await refusal(call(name, input, nobody)), name).to.include({exitCode: 4, code: 'PERMISSION_DENIED'});
    }
  });
});
