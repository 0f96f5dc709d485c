import {randomBytes} from 'node:crypto';
import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine} from '@systemprompt/testing';
import {expectFailure, ok, runWithStdin} from '../helpers/access.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describeEachEngine('config:set --batch and config:validate of stored secrets', {root}, (t) => {
  const history = async () =>
    (await ok(t, 'config:history', '--json')).json().data as Array<{key: string; after: unknown}>;
  const file = (name: string, text: string) => {
    const path = join(t.home.path, name);
    return writeFile(path, text).then(() => path);
  };
  /** Another host's secret key: what was encrypted here can no longer be read. */
  const replaceSecretKey = () =>
    writeFile(join(t.home.path, 'config', 'secret.key'), `${randomBytes(32).toString('base64')}\n`, {mode: 0o600});

  describe('config:set --batch', () => {
    it('sets each row on its own, reports every row, and exits 2 when any row failed', async () => {
      const rows = await file(
        'settings.ndjson',
        [
          '{"key": "logger.level", "value": "debug"}',
          '{"key": "logger.maxFiles", "value": 3}',
          '{"key": "logger.nope", "value": "1"}',
          '{"key": "logger.maxSize", "value": "huge"}',
          '{"value": "warn"}',
        ].join('\n'),
      );
      const run = await t.cli('config:set', '--batch', rows, '--json');
      expect(run.exitCode, run.stdout).to.equal(2);
      const {data} = run.json();
      expect(data).to.include({total: 5, succeeded: 2, failed: 3});
      expect(
        data.results.map((row: {ok: boolean; error?: {code: string}}) => (row.ok ? 'ok' : row.error!.code)),
      ).to.deep.equal(['ok', 'ok', 'CONFIG_KEY_UNKNOWN', 'CONFIG_INVALID', 'CONFIG_KEY_REQUIRED']);
      expect(data.results[1].data).to.deep.equal([{key: 'logger.maxFiles', before: 5, after: 3}]);
      expect((await history()).map((row) => [row.key, row.after])).to.deep.equal([
        ['logger.level', 'debug'],
        ['logger.maxFiles', 3],
      ]);
    });

    it('takes CSV (key,value), changes nothing with --dry-run, and refuses KEY with --batch', async () => {
      const csv = await file('settings.csv', 'key,value\nlogger.level,warn\ndatabase.poolSize,7\n');
      const dry = await t.cli('config:set', '--batch', csv, '--dry-run', '--json');
      expect(dry.exitCode, dry.stdout).to.equal(0);
      expect(dry.json().meta).to.include({dryRun: true});
      expect(dry.json().data).to.include({total: 2, succeeded: 2, failed: 0});
      expect(await history()).to.deep.equal([]);
      expect((await t.cli('config:set', '--batch', csv)).exitCode).to.equal(0);
      expect((await history()).map((row) => [row.key, row.after])).to.deep.equal([
        ['logger.level', 'warn'],
        ['database.poolSize', 7],
      ]);
      expectFailure(
        await t.cli('config:set', 'logger.level', 'info', '--batch', csv, '--json'),
        2,
        'BATCH_WITH_ARGUMENT',
      );
      expectFailure(await t.cli('config:set', 'logger.level', '--json'), 2, 'INVALID_USAGE');
    });
  });

  describe('config:validate', () => {
    it('names a runtime secret that the current secret key cannot decrypt, without showing it', async () => {
      // database.url is secret; its runtime value here is what the test's database already is.
      await ok(t, 'config:set', 'database.url', t.database.url ?? '');
      expect((await t.cli('config:validate')).exitCode).to.equal(0);
      await replaceSecretKey();
      for (const [command, code] of [
        ['config:validate', 'CONFIG_INVALID'],
        ['config:validate:all', 'VALIDATION_FAILED'],
      ] as const) {
        const run = await t.cli(command, '--json');
        expectFailure(run, 2, code);
        expect(run.json().error.details.unreadableSecrets).to.deep.equal([{secret: 'database.url', source: 'runtime'}]);
        expect(run.json().error.message).to.match(
          /database\.url: the stored secret \(runtime layer\) cannot be decrypted with the current secret key \(.*secret\.key\)/,
        );
        if (t.database.url) expect(run.stdout).to.not.include(t.database.url);
      }
    });

    it('names a provider whose stored key the current secret key cannot decrypt, without showing it', async () => {
      const key = 'sk-validate-456';
      const added = await runWithStdin(
        t,
        ['config:provider:add', 'stored', '--kind', 'openai', '--base-url', 'http://127.0.0.1:9/v1', '--api-key-stdin'],
        key,
      );
      expect(added.exitCode, added.stderr).to.equal(0);
      await ok(t, 'config:validate');
      await replaceSecretKey();
      const run = await t.cli('config:validate', '--json');
      expectFailure(run, 2, 'CONFIG_INVALID');
      expect(run.json().error.details.unreadableSecrets).to.deep.equal([
        {secret: 'provider stored', source: 'provider'},
      ]);
      expect(run.stdout).to.not.include(key);
      const tested = await t.cli('config:provider:test', 'stored', '--json');
      expectFailure(tested, 6, 'PROVIDER_KEY_UNREADABLE');
      expect(tested.stdout).to.include('SYSTEMPROMPT_SECRET_KEY').and.not.include(key);
    });
  });
});
