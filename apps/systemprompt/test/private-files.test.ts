import {chmod, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {createTempHome, spawnCli, type TempHome} from '@systemprompt/testing';

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));

/**
 * The SQLite file holds password hashes and encrypted secrets, the logs name users and actions:
 * before, they were 0644 in 0755 directories and another local user read a password hash.
 */
describe('private data files (real bin, any umask)', function () {
  this.timeout(180_000);
  let home: TempHome;
  let umask: number;
  const modeOf = async (path: string) => (await stat(path)).mode & 0o777;
  const data = (...parts: string[]) => join(home.path, 'data', ...parts);
  const DATABASE = ['modules', 'database', 'systemprompt.sqlite'];
  const LOG = ['logs', 'systemprompt.log'];

  beforeEach(async () => {
    home = await createTempHome();
    // Reading the umask means setting it (the no-argument form is deprecated).
    umask = process.umask(0o022);
    process.umask(umask);
  });
  afterEach(async () => {
    process.umask(umask);
    await home.remove();
  });

  /** A writing command in a child process that inherits `mask`, as from a shell with `umask`. */
  const writeWith = async (mask: number, email: string) => {
    process.umask(mask);
    const run = await spawnCli(bin, ['users:create', '--email', email], {
      env: {SYSTEMPROMPT_HOME: home.path, SYSTEMPROMPT_DATABASE_URL: undefined, SYSTEMPROMPT_AUTH_LOCAL_TRUST: 'true'},
    });
    process.umask(umask);
    expect(run.exitCode, run.stderr).to.equal(0);
  };

  for (const mask of [0o022, 0o000]) {
    it(`makes the database and log files 0600 in 0700 directories with umask ${mask.toString(8).padStart(3, '0')}`, async () => {
      await writeWith(mask, 'a@example.com');
      for (const directory of [data(), data('modules', 'database'), data('logs')])
        expect(await modeOf(directory), directory).to.equal(0o700);
      for (const file of [data(...DATABASE), data(...LOG)]) expect(await modeOf(file), file).to.equal(0o600);
    });
  }

  it('narrows the files and directories of an installation made before (0644 files, 0755 directories)', async () => {
    await writeWith(0o022, 'a@example.com');
    for (const directory of [data(), data('modules', 'database'), data('logs')]) await chmod(directory, 0o755);
    for (const file of [data(...DATABASE), data(...LOG)]) await chmod(file, 0o644);
    await writeWith(0o022, 'b@example.com');
    for (const directory of [data(), data('modules', 'database'), data('logs')])
      expect(await modeOf(directory), directory).to.equal(0o700);
    for (const file of [data(...DATABASE), data(...LOG)]) expect(await modeOf(file), file).to.equal(0o600);
  });
});
