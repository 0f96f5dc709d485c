import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {createTempHome, spawnCli, type SpawnResult, type TempHome} from '@systemprompt/testing';

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));

/**
 * Writers in separate processes on the one SQLite file, as CLI commands beside a server are. Before,
 * 20 users:create at once ended with 11 "database is locked" (a deferred transaction that read first
 * could not wait for the write lock). Now every transaction takes the write lock first and waits.
 */
describe('concurrent writers on the embedded SQLite database (20 processes)', function () {
  this.timeout(600_000);
  let home: TempHome;
  const cli = (...args: string[]) =>
    spawnCli(bin, args, {
      env: {SYSTEMPROMPT_HOME: home.path, SYSTEMPROMPT_DATABASE_URL: undefined, SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true'},
      timeoutMs: 300_000,
    });

  beforeEach(async () => {
    home = await createTempHome();
  });
  afterEach(() => home.remove());

  const createTwenty = async (prefix: string): Promise<SpawnResult[]> =>
    Promise.all(
      Array.from({length: 20}, (_, index) => cli('users:create', '--email', `${prefix}${index}@example.com`, '--json')),
    );

  const expectAllCreated = async (runs: SpawnResult[], prefix: string) => {
    const failures = runs.filter((run) => run.exitCode !== 0).map((run) => run.stdout + run.stderr);
    expect(failures).to.deep.equal([]);
    const users = JSON.parse((await cli('users:list', '--limit', '100', '--json')).stdout).data as Array<{
      email: string;
    }>;
    expect(users.filter((user) => user.email.startsWith(prefix))).to.have.length(20);
  };

  it('all succeed on an installation already in use', async () => {
    expect((await cli('users:list')).exitCode).to.equal(0);
    await expectAllCreated(await createTwenty('used'), 'used');
  });

  it('all succeed on a new installation, where they also create and migrate the database together', async () => {
    await expectAllCreated(await createTwenty('new'), 'new');
    const status = JSON.parse((await cli('database:status', '--json')).stdout).data;
    expect(status.pendingMigrations.filter((name: string) => /^(users|api|auth)\//.test(name))).to.deep.equal([]);
  });
});
