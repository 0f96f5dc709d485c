import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {
  LOCAL_ADMIN,
  permissionDenied,
  permissionMatches,
  resolveSystemPaths,
  silentLogger,
  type AccessProvider,
  type Actor,
  type ModuleTools,
  type RegisteredTool,
} from '@systemprompt/core';
import {Kernel, discoverModules, type ModuleRecord} from '@systemprompt/core/kernel';
import {
  callTool,
  createTempHome,
  createTestDatabase,
  refusal,
  testEngines,
  useModuleKernel,
  type TempHome,
  type TestDatabase,
} from '@systemprompt/testing';
// The compiled code: SQLite queries run in a child process, which loads JavaScript, not TypeScript.
import {parseDatabaseUrl} from '../dist/connection.js';
import {DatabaseService} from '../dist/services/database-service.js';
import {addDatabaseTools} from '../dist/tools.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CORE = {Kernel, discoverModules, resolveSystemPaths, LOCAL_ADMIN};
const MODULES: ModuleRecord[] = [
  {
    name: 'database',
    packageName: '@systemprompt/database',
    version: '0.1.0',
    root,
    source: 'core',
    enabled: true,
    manifest: {name: 'database', version: '0.1.0', type: 'core', description: 'x', migrations: 'dist/own-migrations'},
  },
  {
    name: 'notes',
    packageName: '@fixture/notes-module',
    version: '1.0.0',
    root: fileURLToPath(new URL('fixtures/notes-module', import.meta.url)),
    source: 'link',
    enabled: true,
    manifest: {
      name: 'notes',
      version: '1.0.0',
      type: 'service',
      description: 'x',
      dependencies: ['database'],
      migrations: 'migrations',
    },
  },
];

const ALICE: Actor = {kind: 'user', id: 'u-alice', label: 'alice@example.com', via: 'api-key'};

/** An access decision over a fixed list of permissions (a role's) that remembers every check. */
class RecordingAccess implements AccessProvider {
  readonly checks: string[] = [];
  constructor(private readonly granted: readonly string[]) {}
  async holds(_actor: Actor, permission: string): Promise<boolean> {
    return this.granted.some((granted) => permissionMatches(granted, permission));
  }
  async authorize(actor: Actor, permission: string, action: string): Promise<void> {
    this.checks.push(permission);
    if (!(await this.holds(actor, permission)))
      throw permissionDenied(`${actor.label} may not ${action}: ${permission} is required`, {
        code: 'PERMISSION_DENIED',
      });
  }
  async record(): Promise<void> {}
}

for (const engine of testEngines()) {
  describe(`database MCP tools [${engine}]`, () => {
    let home: TempHome;
    let database: TestDatabase;
    const services: DatabaseService[] = [];

    const toolsFor = (granted: readonly string[], modules: () => readonly ModuleRecord[]) => {
      const access = new RecordingAccess(granted);
      const service = new DatabaseService(
        {
          target: parseDatabaseUrl(database.url, join(home.path, 'db.sqlite')),
          poolSize: 2,
          busyTimeoutMs: 2000,
          connectTimeoutMs: 5000,
          queryTimeoutMs: 5000,
        },
        silentLogger,
        async () => access,
      );
      services.push(service);
      const tools: RegisteredTool[] = [];
      const registry: ModuleTools = {add: (tool) => tools.push({...tool, module: 'database'}), list: () => tools};
      addDatabaseTools(registry, service, modules);
      return {tools, access, service};
    };

    beforeEach(async () => {
      home = await createTempHome();
      database = await createTestDatabase(engine);
    });
    afterEach(async () => {
      for (const service of services.splice(0)) await service.close();
      await database.drop();
      await home.remove();
    });

    it('database_status answers a viewer (*:read) as database:status does, checking database:read first', async () => {
      const {tools, access} = toolsFor(['*:read'], () => MODULES);
      const [tool] = tools;
      expect(tool).to.include({name: 'database_status', permission: 'database:read', module: 'database'});
      expect(tool!.inputSchema).to.include({type: 'object', additionalProperties: false});
      const status = (await callTool(tools, 'database_status', {}, ALICE)) as Record<string, unknown>;
      expect(access.checks[0]).to.equal(tool!.permission);
      expect(status).to.include({engine: engine === 'mysql' ? 'mysql' : 'sqlite'});
      expect(status.tablesByModule).to.have.keys(['database', 'notes']);
      expect(status.pendingMigrations).to.be.an('array').that.is.not.empty;
      expect(JSON.stringify(status)).to.not.match(/:\/\/[^/]*:[^@/]+@/);
    });

    it('database_status refuses a caller without database:read (exit 4) before touching the database', async () => {
      const {tools, access} = toolsFor(['users:read'], () => MODULES);
      expect(await refusal(callTool(tools, 'database_status', {}, ALICE))).to.include({
        exitCode: 4,
        code: 'PERMISSION_DENIED',
      });
      expect(access.checks).to.deep.equal(['database:read']);
    });
  });

  describe(`database module tools [${engine}]`, () => {
    const t = useModuleKernel(CORE, engine, {root, boot: ['database']});

    it('registers every tool module.yaml declares, with its permission', () => {
      const {kernel} = t;
      const declared = kernel.record('database')!.manifest!.tools!;
      expect(
        kernel.tools.filter((tool) => tool.module === 'database').map(({name, permission}) => ({name, permission})),
      ).to.have.deep.members(declared.map(({name, permission}) => ({name, permission})));
      expect(declared.map((entry) => entry.name)).to.deep.equal(['database_status']);
    });

    it("the booted database_status reports the kernel's installed modules as database:status does", async () => {
      const {kernel} = t;
      const status = (await callTool(kernel.tools, 'database_status', {}, LOCAL_ADMIN)) as Record<string, unknown>;
      // database:status: DatabaseService.status with the installed modules (latency and size are measured anew).
      const cli = await kernel.service<DatabaseService>('database').status(LOCAL_ADMIN, kernel.modules);
      const stable = ({latencyMs: _latency, sizeBytes: _size, ...rest}: Record<string, unknown>) => rest;
      expect(stable(status)).to.deep.equal(stable(cli as unknown as Record<string, unknown>));
      expect(status.tablesByModule).to.have.property('database');
    });
  });
}
