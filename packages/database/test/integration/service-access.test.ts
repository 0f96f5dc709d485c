import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {
  LOCAL_ADMIN,
  permissionDenied,
  permissionMatches,
  silentLogger,
  type AccessProvider,
  type Actor,
  type AuditEntry,
} from '@systemprompt/core';
import type {ModuleRecord} from '@systemprompt/core/kernel';
import {createTempHome, createTestDatabase, testEngines, type TempHome, type TestDatabase} from '@systemprompt/testing';
// The compiled code: SQLite queries run in a child process, which loads JavaScript, not TypeScript.
import {parseDatabaseUrl} from '../../dist/connection.js';
import {DatabaseService} from '../../dist/services/database-service.js';

const notesRoot = fileURLToPath(new URL('../fixtures/notes-module', import.meta.url));
const MODULES: ModuleRecord[] = [
  {
    name: 'database',
    packageName: '@systemprompt/database',
    version: '0.1.0',
    root: fileURLToPath(new URL('../..', import.meta.url)),
    source: 'core',
    enabled: true,
    manifest: {name: 'database', version: '0.1.0', type: 'core', description: 'x'},
  },
  {
    name: 'notes',
    packageName: '@fixture/notes-module',
    version: '1.0.0',
    root: notesRoot,
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

/** An access decision over a fixed list of permissions that remembers every check and record. */
class RecordingAccess implements AccessProvider {
  readonly checks: string[] = [];
  readonly records: Array<AuditEntry & {actor: string}> = [];
  constructor(private readonly granted: readonly string[]) {}
  async holds(_actor: Actor, permission: string): Promise<boolean> {
    return this.granted.some((granted) => permissionMatches(granted, permission));
  }
  async authorize(actor: Actor, permission: string, action: string, target?: string | null): Promise<void> {
    this.checks.push(permission);
    if (await this.holds(actor, permission)) return;
    this.records.push({actor: actor.label, action, target: target ?? null, result: 'denied', permission});
    throw permissionDenied(`${actor.label} may not ${action}: ${permission} is required`, {
      code: 'PERMISSION_DENIED',
      details: {permission},
    });
  }
  async record(actor: Actor, entry: AuditEntry): Promise<void> {
    this.records.push({actor: actor.label, ...entry});
  }
}

for (const engine of testEngines()) {
  describe(`DatabaseService permissions and audit [${engine}]`, () => {
    let home: TempHome;
    let database: TestDatabase;
    const services: DatabaseService[] = [];

    const serviceWith = (access: AccessProvider) => {
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
      return service;
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

    const read = {sql: 'SELECT 1 AS one', params: [], write: false, timeoutMs: 5000, limit: null};
    const write = {
      sql: 'CREATE TABLE scratch (id integer PRIMARY KEY)',
      params: [],
      write: true,
      timeoutMs: 5000,
      limit: null,
    };
    let confirmed = 0;
    const confirm = async () => {
      confirmed++;
    };

    // Every public method that reads or changes protected data, with the permission it needs. The
    // unknown module ("nope") shows that the check comes before any look-up: exit 4, not 3.
    const METHODS: Array<[string, string, (service: DatabaseService, actor: Actor) => Promise<unknown>]> = [
      ['status', 'database:read', (service, actor) => service.status(actor, MODULES)],
      ['schema', 'database:read', (service, actor) => service.schema(actor, MODULES, {module: 'nope'})],
      ['ddl', 'database:read', (service, actor) => service.ddl(actor, MODULES, {module: 'nope'})],
      ['query (read)', 'database:query', (service, actor) => service.query(actor, read, {confirm})],
      ['query (write)', 'database:query', (service, actor) => service.query(actor, write, {confirm})],
      ['migrate', 'database:write', (service, actor) => service.migrate(actor, MODULES, {module: 'nope'})],
      ['migrate --dry-run', 'database:write', (service, actor) => service.migrate(actor, MODULES, {dryRun: true})],
      [
        'rollback',
        'database:write',
        (service, actor) => service.rollback(actor, MODULES, {module: 'nope', steps: 1, confirm}),
      ],
    ];

    for (const [name, permission, call] of METHODS) {
      it(`${name} refuses an actor without ${permission} (exit 4, PERMISSION_DENIED), before any look-up or question`, async () => {
        const access = new RecordingAccess(['users:*', 'config:read']);
        confirmed = 0;
        let failure: {exitCode?: number; code?: string} | undefined;
        try {
          await call(serviceWith(access), ALICE);
        } catch (error) {
          failure = error as typeof failure;
        }
        expect(failure, name).to.include({exitCode: 4, code: 'PERMISSION_DENIED'});
        expect(access.records.at(-1)).to.include({actor: ALICE.label, result: 'denied', permission});
        expect(confirmed).to.equal(0);
      });
    }

    it('query --write needs database:write as well as database:query', async () => {
      const access = new RecordingAccess(['database:query']);
      const service = serviceWith(access);
      expect(await service.query(ALICE, read)).to.deep.include({kind: 'rows', rows: [{one: 1}]});
      let failure: {exitCode?: number; code?: string} | undefined;
      try {
        await service.query(ALICE, write, {confirm});
      } catch (error) {
        failure = error as typeof failure;
      }
      expect(failure).to.include({exitCode: 4, code: 'PERMISSION_DENIED'});
      expect(access.checks).to.deep.equal(['database:query', 'database:query', 'database:write']);
    });

    it('*:read does not give database:query (it matches the read action only)', async () => {
      const access = new RecordingAccess(['*:read', 'database:read']);
      const service = serviceWith(access);
      expect((await service.status(ALICE, MODULES)).engine).to.equal(engine);
      try {
        await service.query(ALICE, read);
        expect.fail('a reader ran a raw query');
      } catch (error) {
        expect(error).to.include({exitCode: 4, code: 'PERMISSION_DENIED'});
      }
    });

    it('audits a write query, a migration and a rollback with the actor; reads are not audited', async () => {
      const access = new RecordingAccess(['database:*']);
      const service = serviceWith(access);
      await service.query(ALICE, read);
      expect(access.records).to.deep.equal([]);
      await service.query(
        ALICE,
        {...write, sql: 'CREATE TABLE scratch (id integer PRIMARY KEY, label varchar(20))'},
        {confirm},
      );
      await service.query(
        ALICE,
        {
          sql: 'INSERT INTO scratch (id, label) VALUES (?, ?)',
          params: [1, 'secret-value'],
          write: true,
          timeoutMs: 5000,
          limit: null,
        },
        {confirm},
      );
      const migrated = await service.migrate(ALICE, MODULES, {module: 'notes'});
      expect(migrated.map((outcome) => outcome.status)).to.deep.equal(['applied', 'applied']);
      expect(await service.migrate(ALICE, MODULES, {module: 'notes'})).to.deep.equal([]);
      await service.rollback(ALICE, MODULES, {module: 'notes', steps: 1, confirm});
      expect(
        access.records.map((record) => [record.actor, record.action, record.result, record.permission]),
      ).to.deep.equal([
        [ALICE.label, 'database.query', 'ok', 'database:write'],
        [ALICE.label, 'database.query', 'ok', 'database:write'],
        [ALICE.label, 'database.migrate', 'ok', 'database:write'],
        [ALICE.label, 'database.rollback', 'ok', 'database:write'],
      ]);
      expect(access.records[1]!.details).to.deep.include({
        statement: 'INSERT INTO scratch (id, label) VALUES (?, ?)',
        parameters: 2,
        changes: 1,
      });
      // Bound values may be secrets: the record counts them and never holds them.
      expect(JSON.stringify(access.records)).to.not.include('secret-value');
      expect(access.records[2]).to.deep.include({
        target: 'notes',
        details: {applied: ['notes/20261128000000-create-notes', 'notes/20261128000100-create-notes-tags']},
      });
      expect(access.records[3]).to.deep.include({
        target: 'notes',
        details: {reverted: ['notes/20261128000100-create-notes-tags']},
      });
    });

    it('audits a write that fails, and a statement refused for reaching past the database', async () => {
      const access = new RecordingAccess(['database:*']);
      const service = serviceWith(access);
      try {
        await service.query(ALICE, {...write, sql: 'INSERT INTO missing_table (id) VALUES (1)'}, {confirm});
        expect.fail('the write should fail');
      } catch (error) {
        expect(error).to.include({exitCode: 2, code: 'QUERY_FAILED'});
      }
      const outside =
        engine === 'sqlite' ? "ATTACH DATABASE '/tmp/elsewhere.sqlite' AS elsewhere" : 'SELECT user FROM mysql.user';
      try {
        await service.query(ALICE, {...read, sql: outside});
        expect.fail('the statement should be refused');
      } catch (error) {
        expect(error).to.include({exitCode: 4, code: 'QUERY_NOT_ALLOWED'});
      }
      expect(access.records.map((record) => [record.action, record.result])).to.deep.equal([
        ['database.query', 'failed'],
        ['database.query', 'denied'],
      ]);
    });

    it('lets the local operator do everything when no access module is installed, and audits nothing', async () => {
      const service = new DatabaseService(
        {
          target: parseDatabaseUrl(database.url, join(home.path, 'db.sqlite')),
          poolSize: 2,
          busyTimeoutMs: 2000,
          connectTimeoutMs: 5000,
          queryTimeoutMs: 5000,
        },
        silentLogger,
      );
      services.push(service);
      expect((await service.status(LOCAL_ADMIN, MODULES)).engine).to.equal(engine);
      try {
        await service.status({kind: 'anonymous', id: 'anonymous', label: 'anonymous', via: 'none'}, MODULES);
        expect.fail('anonymous should be refused');
      } catch (error) {
        expect(error).to.include({exitCode: 4, code: 'PERMISSION_DENIED'});
      }
    });
  });
}
