import {createTestDatabase, testEngines, type EngineName, type TestDatabase} from './database.js';
import {createTempHome, type TempHome} from './home.js';
import {runCli, type CliRun} from './run-cli.js';

/** Per test: a fresh home, a fresh database on the engine, and `cli()` bound to both. */
export interface EngineFixture {
  engine: EngineName;
  home: TempHome;
  database: TestDatabase;
  /** Environment for a child process (spawnCli) that should use this home and database. */
  env: Record<string, string>;
  cli(...args: string[]): Promise<CliRun>;
}

/**
 * Runs the same suite on every test engine: `describe('<title> [sqlite]')` always and
 * `describe('<title> [mysql]')` when SYSTEMPROMPT_TEST_MYSQL_URL is set. Each test starts empty.
 */
export function describeEachEngine(
  title: string,
  options: {root: string},
  body: (fixture: EngineFixture) => void,
): void {
  for (const engine of testEngines()) {
    describe(`${title} [${engine}]`, function () {
      const fixture = {engine} as EngineFixture;
      beforeEach(async () => {
        fixture.home = await createTempHome();
        fixture.database = await createTestDatabase(engine);
        // Tests act as the local operator on both engines (local trust is off by default on MySQL);
        // tests of signing in turn it off themselves.
        const trust = {SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true'};
        fixture.env = {SYSTEMPROMPT_HOME: fixture.home.path, ...trust, ...fixture.database.env};
        fixture.cli = (...args: string[]) =>
          runCli(args, {
            root: options.root,
            home: fixture.home.path,
            env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...trust, ...fixture.database.env},
          });
      });
      afterEach(async () => {
        await fixture.database.drop();
        await fixture.home.remove();
      });
      body(fixture);
    });
  }
}
