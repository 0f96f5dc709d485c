import {statSync} from 'node:fs';
import {readFile, writeFile, mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {parse as parseYaml} from 'yaml';
import {describeEachEngine, expectFailure} from '@systemprompt/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));

describeEachEngine('config commands', {root}, (t) => {
  const get = async (key: string) =>
    (await t.cli('config:get', key, '--show-source', '--json')).json().data as {value: unknown; source: string};
  const configDir = () => join(t.home.path, 'config');

  describe('layers', () => {
    it('lists every setting with its default and source', async () => {
      const {data} = (await t.cli('config:list', '--json')).json();
      const level = data.find((row: {key: string}) => row.key === 'logger.level');
      expect(level).to.include({value: 'info', source: 'default', secret: false});
      expect(level.type).to.equal('string (trace|debug|info|warn|error|fatal|silent)');
    });

    it('takes config.yaml over defaults, the environment over the file, runtime settings over both', async () => {
      await mkdir(configDir(), {recursive: true});
      await writeFile(join(configDir(), 'config.yaml'), 'logger:\n  level: warn\n  maxFiles: 2\n');
      expect(await get('logger.level')).to.deep.include({value: 'warn', source: 'file'});
      expect(await get('logger.maxSize')).to.deep.include({value: '10m', source: 'default'});

      const env = await t.cli('config:env:set', 'logger_level', 'error');
      expect(env.exitCode, env.stderr).to.equal(0);
      expect(await get('logger.level')).to.deep.include({value: 'error', source: 'env'});
      expect(await get('logger.maxFiles')).to.deep.include({value: 2, source: 'file'});

      expect((await t.cli('config:set', 'logger.level', 'debug')).exitCode).to.equal(0);
      expect(await get('logger.level')).to.deep.include({value: 'debug', source: 'runtime'});
      expect((await t.cli('config:unset', 'logger.level')).exitCode).to.equal(0);
      expect(await get('logger.level')).to.deep.include({value: 'error', source: 'env'});
    });

    it('keeps numbers as numbers', async () => {
      await t.cli('config:set', 'database.poolSize', '20');
      const {value} = await get('database.poolSize');
      expect(value).to.equal(20);
      const exported = (await t.cli('config:export', '--json')).json().data;
      expect(exported.database.poolSize).to.equal(20);
    });
  });

  describe('invalid input (exit 2, nothing changed)', () => {
    // The message (and hint) as printed on a terminal, and the error code of the same refusal in JSON.
    const cases: Array<[string, string[], RegExp, string]> = [
      [
        'an unknown key',
        ['logger.nope', '1'],
        /^Unknown configuration key logger\.nope\nHint: Keys of logger: level, consoleLevel, maxSize, maxFiles, retentionDays\.\n$/,
        'CONFIG_KEY_UNKNOWN',
      ],
      [
        'a module without configuration',
        ['cli.x', '1'],
        /^Module "cli" has no configuration\n/,
        'CONFIG_MODULE_UNKNOWN',
      ],
      [
        'a key without a module',
        ['level', 'debug'],
        /^"level" is not a configuration key \(module\.key/,
        'CONFIG_KEY_INVALID',
      ],
      [
        'a value outside the enum',
        ['logger.level', 'loud'],
        /^Configuration of module "logger" is invalid: \/level: must be one of trace, debug, info, warn, error, fatal, silent\n/,
        'CONFIG_INVALID',
      ],
      [
        'a word for an integer',
        ['logger.maxFiles', 'three'],
        /^logger\.maxFiles: "three" is not an integer\n/,
        'CONFIG_VALUE_INVALID',
      ],
      [
        'a number below the minimum',
        ['database.poolSize', '0'],
        /^Configuration of module "database" is invalid: \/poolSize: must be >= 1\n/,
        'CONFIG_INVALID',
      ],
      [
        'a value that breaks a pattern',
        ['logger.maxSize', 'huge'],
        /^Configuration of module "logger" is invalid: \/maxSize: must match pattern/,
        'CONFIG_INVALID',
      ],
    ];
    for (const [label, args, message, code] of cases) {
      it(`refuses ${label}`, async () => {
        const run = await t.cli('config:set', ...args);
        expect(run.exitCode).to.equal(2);
        expect(run.stderr).to.match(message);
        expectFailure(await t.cli('config:set', ...args, '--json'), 2, code);
        expect((await t.cli('config:history', '--json')).json().data).to.deep.equal([]);
      });
    }

    it('gives the schema path in the JSON error', async () => {
      const run = await t.cli('config:set', 'logger.level', 'loud', '--json');
      expect(expectFailure(run, 2, 'CONFIG_INVALID').details!.problems[0].problem).to.include('/level');
    });
  });

  describe('history, diff and rollback', () => {
    it('round-trips: three changes, roll back to version 1, diff shows it', async () => {
      await t.cli('config:set', 'logger.level', 'debug');
      await t.cli('config:set', 'logger.maxFiles', '3');
      await t.cli('config:set', 'database.poolSize', '7');
      const history = (await t.cli('config:history', '--json')).json().data;
      expect(
        history.map((row: {version: number; key: string; before: unknown; after: unknown; action: string}) => [
          row.version,
          row.key,
          row.before,
          row.after,
          row.action,
        ]),
      ).to.deep.equal([
        [1, 'logger.level', null, 'debug', 'set'],
        [2, 'logger.maxFiles', null, 3, 'set'],
        [3, 'database.poolSize', null, 7, 'set'],
      ]);
      expect(history[0].actor).to.match(/^local/);

      expectFailure(await t.cli('config:rollback', '--to', '1', '--json'), 2, 'CONFIRMATION_REQUIRED');
      expect((await get('database.poolSize')).value).to.equal(7);

      const dry = (await t.cli('config:rollback', '--to', '1', '--dry-run', '--json')).json();
      expect(dry.meta.dryRun).to.equal(true);
      expect((await get('database.poolSize')).value).to.equal(7);

      const rollback = await t.cli('config:rollback', '--to', '1', '--confirm', '--json');
      expect(rollback.exitCode, rollback.stderr).to.equal(0);
      expect(rollback.json().data).to.deep.equal([
        {key: 'database.poolSize', before: 7, after: 10},
        {key: 'logger.maxFiles', before: 3, after: 5},
      ]);
      expect(await get('logger.level')).to.deep.include({value: 'debug', source: 'runtime'});
      expect(await get('database.poolSize')).to.deep.include({value: 10, source: 'default'});

      const diff = (await t.cli('config:diff', '3', 'current', '--json')).json().data;
      expect(diff).to.deep.equal([
        {key: 'database.poolSize', before: 7, after: 10},
        {key: 'logger.maxFiles', before: 3, after: 5},
      ]);
      expect((await t.cli('config:diff', '1', 'current', '--json')).json().data).to.deep.equal([]);
      // (On MySQL the database URL comes from the environment, so it differs from the default too.)
      const fromDefaults = (await t.cli('config:diff', 'defaults', '--json'))
        .json()
        .data.filter((row: {key: string}) => row.key !== 'database.url');
      expect(fromDefaults).to.deep.equal([{key: 'logger.level', before: 'info', after: 'debug'}]);
      const versions = (await t.cli('config:history', '--json'))
        .json()
        .data.map((row: {version: number; action: string}) => `${row.version}:${row.action}`);
      expect(versions).to.deep.equal(['1:set', '2:set', '3:set', '4:rollback', '5:rollback']);
    });

    it('refuses a version that does not exist', async () => {
      expectFailure(
        await t.cli('config:rollback', '--to', '9', '--confirm', '--json'),
        2,
        'CONFIG_VERSION_UNKNOWN',
        /^There is no version 9; the latest is 0$/,
      );
    });
  });

  describe('secrets', () => {
    const secretUrl = () =>
      t.database.url ?? `sqlite://${join(t.home.path, 'data', 'modules', 'database', 'systemprompt.sqlite')}`;

    it('stores a secret encrypted and never prints it', async () => {
      const value = secretUrl();
      const set = await t.cli('config:set', 'database.url', value, '--json');
      expect(set.exitCode, set.stderr).to.equal(0);
      expect(set.stdout).to.not.include(value);
      const list = await t.cli('config:list', '--json');
      expect(list.stdout).to.not.include(value);
      expect(list.json().data.find((row: {key: string}) => row.key === 'database.url')).to.include({
        value: '********',
        source: 'runtime',
        secret: true,
      });
      for (const args of [
        ['config:get', 'database.url', '--json'],
        ['config:get', '--json'],
        ['config:history', '--json'],
        ['config:export'],
        ['config:diff', 'defaults'],
      ]) {
        const run = await t.cli(...args);
        expect(run.exitCode, args.join(' ')).to.equal(0);
        expect(run.stdout + run.stderr, args.join(' ')).to.not.include(value);
      }
      const stored = (
        await t.cli(
          'database:query',
          'SELECT value_json FROM config_values WHERE module = ?',
          '--param',
          'database',
          '--json',
        )
      ).json().data[0].value_json as string;
      expect(JSON.parse(stored)).to.match(/^enc:v1:/);
      expect(stored).to.not.include(value);
      const history = (await t.cli('database:query', 'SELECT new_value_json FROM config_history', '--json')).json()
        .data[0].new_value_json as string;
      expect(history).to.not.include(value);
      expect(statSync(join(configDir(), 'secret.key')).mode & 0o777).to.equal(0o600);
      // The module still gets the real value: the database it points at is the one in use.
      expect((await t.cli('database:status', '--json')).exitCode).to.equal(0);
      const clear = (await t.cli('config:export', '--include-secrets', '--json')).json().data;
      expect(clear.database.url).to.equal(value);
    });
  });

  describe('export and import', () => {
    it('exports what is configured and imports it back, all or nothing', async () => {
      await t.cli('config:set', 'logger.level', 'warn');
      await t.cli('config:set', 'database.poolSize', '12');
      const file = join(t.home.path, 'exported.yaml');
      expect((await t.cli('config:export', '--output', file)).exitCode).to.equal(0);
      const exported = parseYaml(await readFile(file, 'utf8'));
      delete exported.database.url;
      expect(exported).to.deep.equal({database: {poolSize: 12}, logger: {level: 'warn'}});

      await t.cli('config:set', 'logger.level', 'error');
      await t.cli('config:set', 'database.poolSize', '3');
      const dry = await t.cli('config:import', file, '--dry-run', '--json');
      expect(dry.json().data).to.have.length(2);
      expect((await get('logger.level')).value).to.equal('error');
      const applied = await t.cli('config:import', file, '--json');
      expect(applied.exitCode, applied.stderr).to.equal(0);
      expect((await get('logger.level')).value).to.equal('warn');
      expect((await get('database.poolSize')).value).to.equal(12);
      const diffFile = (await t.cli('config:diff', file, 'current', '--json')).json().data;
      expect(diffFile).to.deep.equal([]);
    });

    it('changes nothing when one value of the file is invalid', async () => {
      const file = join(t.home.path, 'bad.yaml');
      await writeFile(file, 'logger:\n  level: debug\n  maxFiles: 0\n');
      expectFailure(await t.cli('config:import', file, '--json'), 2, 'CONFIG_INVALID', '/maxFiles');
      expect((await get('logger.level')).value).to.equal('info');
      const unknown = join(t.home.path, 'unknown.yaml');
      await writeFile(unknown, 'logger:\n  level: debug\n  colour: red\n');
      expectFailure(
        await t.cli('config:import', unknown, '--json'),
        2,
        'CONFIG_KEY_UNKNOWN',
        /^Unknown configuration key logger\.colour/,
      );
      expect((await t.cli('config:history', '--json')).json().data).to.deep.equal([]);
    });

    it('leaves a masked secret as it is on import', async () => {
      await t.cli(
        'config:set',
        'database.url',
        t.database.url ?? `sqlite://${join(t.home.path, 'data', 'modules', 'database', 'systemprompt.sqlite')}`,
      );
      const file = join(t.home.path, 'masked.yaml');
      await t.cli('config:export', '--output', file);
      expect(await readFile(file, 'utf8')).to.include('url: "********"');
      const run = await t.cli('config:import', file, '--json');
      expect(run.exitCode, run.stderr).to.equal(0);
      expect(run.json().data).to.deep.equal([]);
      expect((await t.cli('database:status')).exitCode).to.equal(0);
    });
  });

  describe('validation', () => {
    it('reports an invalid config.yaml value with its path (exit 2), and passes when fixed', async () => {
      await mkdir(configDir(), {recursive: true});
      await writeFile(join(configDir(), 'config.yaml'), 'logger:\n  level: chatty\n');
      expectFailure(
        await t.cli('config:validate', '--json'),
        2,
        'CONFIG_INVALID',
        /^Configuration of module "logger" is invalid: \/level: must be one of /,
      );
      const all = await t.cli('config:validate:all', '--json');
      expect(
        expectFailure(all, 2, 'VALIDATION_FAILED')
          .details!.checks.filter((check: {ok: boolean}) => !check.ok)
          .map((check: {module: string; check: string}) => `${check.module}:${check.check}`),
      ).to.deep.equal(['logger:config']);
      await writeFile(join(configDir(), 'config.yaml'), 'logger:\n  level: warn\n');
      const fixed = await t.cli('config:validate', '--json');
      expect(fixed.exitCode, fixed.stderr).to.equal(0);
      expect(fixed.json().data.map((row: {module: string}) => row.module)).to.include.members(['database', 'logger']);
      const allOk = await t.cli('config:validate:all', '--json');
      expect(allOk.exitCode, allOk.stderr).to.equal(0);
      expect(
        allOk
          .json()
          .data.filter((row: {check: string}) => row.check === 'manifest')
          .map((row: {module: string}) => row.module),
      ).to.include.members(['config', 'database', 'logger']);
    });
  });

  it('lets config:set repair a setting that keeps the logger from starting', async () => {
    await mkdir(configDir(), {recursive: true});
    await writeFile(join(configDir(), 'config.yaml'), 'logger:\n  level: chatty\n');
    const fix = await t.cli('config:set', 'logger.level', 'warn');
    expect(fix.exitCode, fix.stderr).to.equal(0);
    expect(fix.stderr).to.match(
      /^Warning: Configuration of module "logger" is invalid: \/level: .*; continuing without it\n/,
    );
    const check = await t.cli('config:validate');
    expect(check.exitCode, check.stderr).to.equal(0);
    expect(await get('logger.level')).to.deep.include({value: 'warn', source: 'runtime'});
  });

  describe('the env file', () => {
    it('sets, lists and unsets SYSTEMPROMPT_* values, mode 600, masking secrets', async () => {
      expect((await t.cli('config:env:set', 'SYSTEMPROMPT_LOGGER_MAX_FILES', '4')).exitCode).to.equal(0);
      expect(
        (await t.cli('config:env:set', 'database_url', 'mysql://app:pa55word@db.internal:3306/sp')).exitCode,
      ).to.equal(0);
      const file = join(configDir(), 'systemprompt.env');
      expect(statSync(file).mode & 0o777).to.equal(0o600);
      const list = await t.cli('config:env', '--json');
      expect(list.stdout).to.not.include('pa55word');
      expect(list.json().data).to.deep.equal([
        {
          name: 'SYSTEMPROMPT_DATABASE_URL',
          value: 'mysql://app:********@db.internal:3306/sp',
          setting: 'database.url',
          overridden: t.engine === 'mysql',
        },
        {name: 'SYSTEMPROMPT_LOGGER_MAX_FILES', value: '4', setting: 'logger.maxFiles', overridden: false},
      ]);
      expect((await t.cli('config:env:unset', 'DATABASE_URL')).exitCode).to.equal(0);
      expect(await get('logger.maxFiles')).to.deep.include({value: 4, source: 'env'});
      expect(await readFile(file, 'utf8')).to.not.include('DATABASE_URL');
    });

    it('refuses a bad name (exit 2) and an unknown one to unset (exit 3)', async () => {
      expectFailure(await t.cli('config:env:set', 'not valid!', 'x', '--json'), 2, 'ENV_NAME_INVALID');
      expectFailure(await t.cli('config:env:unset', 'SYSTEMPROMPT_NOTHING', '--json'), 3, 'ENV_NOT_FOUND');
    });
  });
});
