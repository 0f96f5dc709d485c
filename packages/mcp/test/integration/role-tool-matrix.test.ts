import {expect} from 'chai';
import {ExitCode, LOCAL_ADMIN, toSystemPromptError, type Actor} from '@systemprompt/core';
import {createTempHome, type TempHome} from '@systemprompt/testing';
import type {PermissionsApi} from '@systemprompt/permissions';
import {MCP, type McpApi} from '../../src/index.js';
import {cliWith, startInProcess} from '../helpers.js';

/** Arguments that a caller holding the tool's permission can run it with (every module tool needs a row). */
const SAMPLE_ARGUMENTS: Record<string, (role: string) => Record<string, unknown>> = {
  system_ping: () => ({}),
  system_status: () => ({}),
  users_list: () => ({limit: 5}),
  users_get: () => ({user: 'target@example.com'}),
  users_create: (role) => ({email: `made-by-${role}@example.com`}),
  users_update: (role) => ({user: 'target@example.com', name: `Renamed by ${role}`}),
  users_disable: () => ({user: 'target@example.com'}),
  users_enable: () => ({user: 'target@example.com'}),
  permissions_check: () => ({user: 'target@example.com', permission: 'users:read'}),
  permissions_list: () => ({}),
  permissions_roles_list: () => ({}),
  database_status: () => ({}),
  config_get: () => ({module: 'system'}),
  config_list: () => ({}),
};

const BUILT_IN_ROLES = ['admin', 'operator', 'viewer'];

/**
 * For every built-in role and every tool the OS provides: tools/list shows the tool exactly when
 * permissions:check says the role holds its permission, tools/call is refused exactly then, and the
 * service the tool calls (bypassing the MCP layer's own check) agrees.
 */
describe('role × tool matrix: tools/list, tools/call and permissions:check agree [sqlite]', function () {
  this.timeout(180_000);
  let home: TempHome;
  let server: Awaited<ReturnType<typeof startInProcess>>;
  let mcp: McpApi;
  let permissions: PermissionsApi;
  const actors: Record<string, Actor> = {};

  before(async () => {
    home = await createTempHome();
    const cli = cliWith({SYSTEMPROMPT_HOME: home.path});
    for (const role of BUILT_IN_ROLES) {
      const made = await cli('users:create', '--email', `${role}@example.com`, '--role', role);
      expect(made.exitCode, made.stderr).to.equal(0);
    }
    expect((await cli('users:create', '--email', 'target@example.com')).exitCode).to.equal(0);
    server = await startInProcess(home.path);
    mcp = server.kernel.service(MCP);
    permissions = server.kernel.service<PermissionsApi>('permissions');
    for (const role of BUILT_IN_ROLES) {
      const user = await permissions.users.find(`${role}@example.com`);
      actors[role] = {kind: 'user', id: user.id, label: user.email, via: 'session'};
    }
  });
  after(async () => {
    server?.stop();
    await server?.served;
    await home?.remove();
  });

  it('has sample arguments for every tool the modules provide', () => {
    const tools = server.kernel.tools.map((tool) => tool.name);
    expect(tools.length).to.be.greaterThan(10);
    expect(
      tools.filter((name) => !(name in SAMPLE_ARGUMENTS)),
      'tools without a row in SAMPLE_ARGUMENTS',
    ).to.deep.equal([]);
  });

  for (const role of BUILT_IN_ROLES) {
    it(`agrees for the role ${role}`, async () => {
      const actor = actors[role]!;
      const listed = new Set((await mcp.catalogue.visibleTo(actor)).map((tool) => tool.name));
      const rows: string[] = [];
      for (const tool of server.kernel.tools) {
        const held =
          tool.permission === 'authenticated' ||
          (await permissions.permissions.check(LOCAL_ADMIN, actor.label, tool.permission)).allowed;
        const args = SAMPLE_ARGUMENTS[tool.name]!(role);
        const call = await mcp.calls.call(actor, tool.name, args, new AbortController().signal);
        let serviceDenied = false;
        try {
          await tool.handler(args, {actor, signal: new AbortController().signal});
        } catch (error) {
          serviceDenied = toSystemPromptError(error).exitCode === ExitCode.PermissionDenied;
        }
        const row = `${role} ${tool.name} (${tool.permission}): check=${held} listed=${listed.has(tool.name)} call=${call.outcome} service=${serviceDenied ? 'denied' : 'allowed'}`;
        rows.push(row);
        expect(listed.has(tool.name), row).to.equal(held);
        expect(call.outcome === 'denied', row).to.equal(!held);
        expect(serviceDenied, row).to.equal(!held);
        if (held) expect(call.outcome, `${row}: ${JSON.stringify(call.result.content)}`).to.equal('ok');
      }
      expect(rows.length).to.equal(server.kernel.tools.length);
    });
  }
});
