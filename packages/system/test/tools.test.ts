import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {ANONYMOUS, LOCAL_ADMIN, resolveSystemPaths, type Actor} from '@systemprompt/core';
import {Kernel, discoverModules} from '@systemprompt/core/kernel';
import {callTool, findTool, refusal, testEngines, useModuleKernel} from '@systemprompt/testing';
import {WHOLE_LIST} from '@systemprompt/database';
import type {UsersApi} from '@systemprompt/users';
import type {SystemApi} from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CORE = {Kernel, discoverModules, resolveSystemPaths, LOCAL_ADMIN};

for (const engine of testEngines()) {
  describe(`system MCP tools [${engine}]`, () => {
    const t = useModuleKernel(CORE, engine, {root, boot: ['system']});
    let kernel: Kernel;
    let viewer: Actor;
    let nobody: Actor;

    before(async () => {
      kernel = t.kernel;
      viewer = await t.user('viewer@example.com', ['viewer']);
      nobody = await t.user('nobody@example.com', []);
    });

    it('registers every tool module.yaml declares, with its permission', () => {
      const declared = kernel.record('system')!.manifest!.tools!;
      expect(
        kernel.tools.filter((tool) => tool.module === 'system').map(({name, permission}) => ({name, permission})),
      ).to.have.deep.members(declared.map(({name, permission}) => ({name, permission})));
      expect(declared.map((entry) => entry.name)).to.have.members(['system_ping', 'system_status']);
    });

    it("system_ping answers any signed-in caller with the server's time, and refuses nobody (exit 4)", async () => {
      const ping = findTool(kernel.tools, 'system_ping');
      expect(ping).to.include({permission: 'authenticated', module: 'system'});
      expect(ping.annotations).to.include({readOnlyHint: true, destructiveHint: false});
      for (const actor of [nobody, viewer, LOCAL_ADMIN]) {
        const before = Date.now();
        const answer = await callTool(kernel.tools, 'system_ping', {}, actor);
        expect(Date.parse(answer.time)).to.be.within(before, Date.now());
        expect(new Date(answer.time).toISOString()).to.equal(answer.time);
        expect(answer.server).to.equal(`SystemPrompt OS ${kernel.record('system')!.version}`);
      }
      expect(await refusal(callTool(kernel.tools, 'system_ping', {}, ANONYMOUS))).to.include({
        exitCode: 4,
        code: 'PERMISSION_DENIED',
      });
    });

    it('system_ping does not touch the database', async () => {
      // With the database's connection gone (what needs it fails), a ping still answers.
      const connection = await kernel
        .service<{dataSource(): Promise<{destroy(): Promise<void>}>}>('database')
        .dataSource();
      await connection.destroy();
      const {users} = kernel.service<UsersApi>('users');
      expect(await refusal(users.list(LOCAL_ADMIN, WHOLE_LIST))).to.not.equal(undefined);
      expect(await callTool(kernel.tools, 'system_ping', {}, viewer)).to.have.keys(['time', 'server']);
    });
  });

  describe(`system_status tool [${engine}]`, () => {
    const t = useModuleKernel(CORE, engine, {root, boot: ['system']});

    it('system_status answers a viewer as system:status does and refuses nobody', async () => {
      const {kernel} = t;
      const {system} = kernel.service<SystemApi>('system');
      expect(findTool(kernel.tools, 'system_status')).to.include({permission: 'system:read', module: 'system'});

      const viewer = await t.user('viewer@example.com', ['viewer']);
      const answer = (await callTool(kernel.tools, 'system_status', {}, viewer)) as {
        node: string;
        os: string;
        server: {running: boolean};
        modules: Array<{name: string; version: string; enabled: boolean}>;
      };
      expect(answer.server.running).to.equal(false);
      // system:status: every installed module with its version, sorted by name (host figures are measured anew).
      const versions = kernel.modules
        .map((record) => ({name: record.name, version: record.version, enabled: record.enabled}))
        .sort((a, b) => a.name.localeCompare(b.name));
      expect(answer.modules).to.deep.equal(versions);
      const cli = await system.status(viewer, versions);
      const {node, os, hostname, cpus, server, modules} = cli;
      expect(answer).to.deep.include({node, os, hostname, cpus, server, modules});
      const nobody = await t.user('nobody@example.com', []);
      expect(await refusal(callTool(kernel.tools, 'system_status', {}, nobody))).to.include({
        exitCode: 4,
        code: 'PERMISSION_DENIED',
      });
    });
  });
}
