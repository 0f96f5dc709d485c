import {readFile, readdir, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {APP_BIN, describeEachEngine, expectFailure, spawnCli, type EngineFixture} from '@systemprompt/testing';
import {closedPort, startFakeProvider, type FakeProvider} from '../helpers/fake-provider.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const BIN = APP_BIN;
const KEY = 'sk-test-123';

/** The installed CLI as a child process with `input` on its standard input (runCli cannot feed stdin). */
const runWithStdin = (t: EngineFixture, args: string[], input: string) =>
  spawnCli(BIN, args, {env: {SYSTEMPROMPT_DATABASE_URL: undefined, ...t.env}, input});

/** Every file under a directory whose bytes contain `text`. */
async function filesContaining(directory: string, text: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(directory, {recursive: true})) {
    const path = join(directory, entry);
    if ((await stat(path)).isFile() && (await readFile(path)).includes(text)) found.push(entry);
  }
  return found;
}

describeEachEngine('provider and model commands', {root}, (t) => {
  const ok = async (...args: string[]) => {
    const run = await t.cli(...args);
    expect(run.exitCode, `${args.join(' ')}: ${run.stderr}${run.stdout}`).to.equal(0);
    return run;
  };
  const providers = async () => (await ok('config:provider', '--json')).json().data;
  const models = async (...args: string[]) => (await ok('config:model', ...args, '--json')).json().data;
  const secretColumn = async () =>
    (
      await ok(
        'database:query',
        'SELECT name, api_key_env, api_key_secret FROM config_providers ORDER BY name',
        '--json',
      )
    ).json().data;

  describe('config:provider:add and config:provider', () => {
    it('adds providers of both kinds with default or given URLs and lists them with their key source only', async () => {
      const empty = await ok('config:provider');
      expect(empty.stdout).to.equal('');
      expect(empty.stderr).to.include('No providers yet');
      const added = await ok(
        'config:provider:add',
        'openai',
        '--kind',
        'openai',
        '--api-key-env',
        'OPENAI_API_KEY',
        '--json',
      );
      expect(added.json().data).to.deep.equal({
        name: 'openai',
        kind: 'openai',
        baseUrl: 'https://api.openai.com/v1',
        apiKey: 'env:OPENAI_API_KEY',
        modelCount: 0,
        defaultModel: null,
      });
      await ok('config:provider:add', 'claude', '--kind', 'anthropic');
      await ok('config:provider:add', 'ollama-2', '--kind', 'openai', '--base-url', 'http://localhost:11434/v1/');
      expect(await providers()).to.deep.equal([
        {
          name: 'claude',
          kind: 'anthropic',
          baseUrl: 'https://api.anthropic.com/v1',
          apiKey: 'none',
          modelCount: 0,
          defaultModel: null,
        },
        {
          name: 'ollama-2',
          kind: 'openai',
          baseUrl: 'http://localhost:11434/v1',
          apiKey: 'none',
          modelCount: 0,
          defaultModel: null,
        },
        {
          name: 'openai',
          kind: 'openai',
          baseUrl: 'https://api.openai.com/v1',
          apiKey: 'env:OPENAI_API_KEY',
          modelCount: 0,
          defaultModel: null,
        },
      ]);
      const table = await ok('config:provider', '--filter', 'kind=anthropic');
      expect(table.stdout.split('\n')[0]).to.match(/^NAME\s+KIND\s+BASE URL\s+API KEY\s+MODEL COUNT\s+DEFAULT MODEL$/);
      expect(table.stdout).to.include('claude').and.not.include('ollama');
      expectFailure(await t.cli('config:provider', '--sort', 'secret', '--json'), 2, 'LIST_FIELD_UNKNOWN');
      expect(await secretColumn()).to.deep.equal([
        {name: 'claude', api_key_env: null, api_key_secret: null},
        {name: 'ollama-2', api_key_env: null, api_key_secret: null},
        {name: 'openai', api_key_env: 'OPENAI_API_KEY', api_key_secret: null},
      ]);
    });

    it('refuses invalid input with exit 2 and adds nothing', async () => {
      const refused: Array<[string[], string]> = [
        [['Bad', '--kind', 'openai'], 'PROVIDER_NAME_INVALID'],
        [['-dash', '--kind', 'openai'], 'INVALID_USAGE'],
        [['under_score', '--kind', 'openai'], 'PROVIDER_NAME_INVALID'],
        [['a'.repeat(65), '--kind', 'openai'], 'PROVIDER_NAME_INVALID'],
        [['x', '--kind', 'mistral'], 'INVALID_USAGE'],
        [['x'], 'INVALID_USAGE'],
        [['x', '--kind', 'openai', '--base-url', 'not a url'], 'PROVIDER_URL_INVALID'],
        [['x', '--kind', 'openai', '--base-url', 'ftp://example.com/v1'], 'PROVIDER_URL_INVALID'],
        [['x', '--kind', 'openai', '--base-url', 'file:///etc/passwd'], 'PROVIDER_URL_INVALID'],
        [['x', '--kind', 'openai', '--base-url', 'https://user:pw@example.com/v1'], 'PROVIDER_URL_INVALID'],
        [['x', '--kind', 'openai', '--api-key-env', 'OPENAI_API_KEY', '--api-key-stdin'], 'PROVIDER_KEY_OPTIONS'],
        [['x', '--kind', 'openai', '--api-key-env', 'sk-live-abc123'], 'PROVIDER_KEY_ENV_INVALID'],
      ];
      for (const [args, code] of refused) expectFailure(await t.cli('config:provider:add', ...args, '--json'), 2, code);
      const keyAsVariable = await t.cli(
        'config:provider:add',
        'x',
        '--kind',
        'openai',
        '--api-key-env',
        'sk-live-abc123',
      );
      expect(keyAsVariable.stderr)
        .to.include('--api-key-env takes the name of an environment variable')
        .and.not.include('sk-live-abc123');
      const both = await t.cli(
        'config:provider:add',
        'x',
        '--kind',
        'openai',
        '--api-key-env',
        'V',
        '--api-key-stdin',
        '--json',
      );
      expectFailure(both, 2, 'PROVIDER_KEY_OPTIONS');
      expect(await providers()).to.deep.equal([]);
    });

    it('refuses a name that exists with exit 5', async () => {
      await ok('config:provider:add', 'openai', '--kind', 'openai');
      const run = await t.cli('config:provider:add', 'openai', '--kind', 'anthropic', '--json');
      expectFailure(run, 5, 'PROVIDER_EXISTS');
      expect((await providers()).map((row: {kind: string}) => row.kind)).to.deep.equal(['openai']);
    });

    it('changes nothing with --dry-run', async () => {
      const run = await ok(
        'config:provider:add',
        'ollama',
        '--kind',
        'openai',
        '--base-url',
        'http://localhost:11434/v1',
        '--dry-run',
        '--json',
      );
      expect(run.json().data).to.include({name: 'ollama', baseUrl: 'http://localhost:11434/v1', apiKey: 'none'});
      expect(run.json().meta).to.deep.equal({dryRun: true});
      expect(await providers()).to.deep.equal([]);
    });
  });

  describe('a key from standard input', () => {
    it('is stored encrypted and never appears in output, the database or any file in clear', async () => {
      const added = await runWithStdin(
        t,
        [
          'config:provider:add',
          'local',
          '--kind',
          'openai',
          '--base-url',
          'http://127.0.0.1:9/v1',
          '--api-key-stdin',
          '--json',
        ],
        `  ${KEY}\n`,
      );
      expect(added.exitCode, added.stderr).to.equal(0);
      expect(JSON.parse(added.stdout).data).to.include({name: 'local', apiKey: 'stored'});
      expect(added.stdout + added.stderr).not.to.include(KEY);
      const listed = await ok('config:provider', '--json');
      expect(listed.stdout).not.to.include(KEY);
      expect(listed.json().data[0].apiKey).to.equal('stored');
      const [row] = await secretColumn();
      expect(row.api_key_env).to.equal(null);
      expect(row.api_key_secret)
        .to.match(/^enc:v1:/)
        .and.not.include(KEY);
      expect(await filesContaining(t.home.path, KEY)).to.deep.equal([]);

      const replaced = await runWithStdin(t, ['config:provider:update', 'local', '--api-key-stdin'], 'sk-other-456');
      expect(replaced.exitCode, replaced.stderr).to.equal(0);
      const [after] = await secretColumn();
      expect(after.api_key_secret)
        .to.match(/^enc:v1:/)
        .and.not.equal(row.api_key_secret);
      await ok('config:provider:update', 'local', '--api-key-env', 'LOCAL_KEY');
      expect(await secretColumn()).to.deep.equal([{name: 'local', api_key_env: 'LOCAL_KEY', api_key_secret: null}]);
    });

    it('refuses empty input, or a key with spaces, with exit 2', async () => {
      for (const [input, code] of [
        ['', 'PROVIDER_KEY_EMPTY'],
        ['  \n', 'PROVIDER_KEY_EMPTY'],
        ['two words', 'PROVIDER_KEY_INVALID'],
      ] as const) {
        expectFailure(
          await runWithStdin(
            t,
            ['config:provider:add', 'local', '--kind', 'openai', '--api-key-stdin', '--json'],
            input,
          ),
          2,
          code,
        );
      }
      expect(await providers()).to.deep.equal([]);
    });
  });

  describe('config:provider:update and config:provider:remove', () => {
    beforeEach(async () => {
      await ok(
        'config:provider:add',
        'ollama',
        '--kind',
        'openai',
        '--base-url',
        'http://localhost:11434/v1',
        '--api-key-env',
        'OLLAMA_KEY',
      );
      await ok('config:model:add', 'ollama', 'llama3', '--default');
      await ok('config:model:add', 'ollama', 'mistral');
      await ok('config:provider:add', 'claude', '--kind', 'anthropic');
      await ok('config:model:add', 'claude', 'claude-sonnet-4-5');
    });

    it('changes the base URL and the key source, only what is given', async () => {
      const moved = await ok('config:provider:update', 'ollama', '--base-url', 'https://gpu.example.com/v1', '--json');
      expect(moved.json().data).to.deep.equal({
        name: 'ollama',
        kind: 'openai',
        baseUrl: 'https://gpu.example.com/v1',
        apiKey: 'env:OLLAMA_KEY',
        modelCount: 2,
        defaultModel: 'llama3',
      });
      const keyless = await ok('config:provider:update', 'ollama', '--no-api-key', '--json');
      expect(keyless.json().data).to.include({baseUrl: 'https://gpu.example.com/v1', apiKey: 'none'});
      const dry = await ok('config:provider:update', 'ollama', '--api-key-env', 'OTHER', '--dry-run', '--json');
      expect(dry.json().data.apiKey).to.equal('env:OTHER');
      expect((await providers()).find((row: {name: string}) => row.name === 'ollama').apiKey).to.equal('none');
    });

    it('refuses an unknown provider (3), nothing to change (2), conflicting or invalid options (2)', async () => {
      expectFailure(await t.cli('config:provider:update', 'nope', '--no-api-key', '--json'), 3, 'PROVIDER_NOT_FOUND');
      expectFailure(await t.cli('config:provider:update', 'ollama', '--json'), 2, 'NOTHING_TO_UPDATE');
      expectFailure(
        await t.cli('config:provider:update', 'ollama', '--no-api-key', '--api-key-env', 'X', '--json'),
        2,
        'PROVIDER_KEY_OPTIONS',
      );
      expectFailure(
        await t.cli('config:provider:update', 'ollama', '--base-url', 'localhost:11434', '--json'),
        2,
        'PROVIDER_URL_INVALID',
      );
      expect((await providers()).find((row: {name: string}) => row.name === 'ollama')).to.include({
        baseUrl: 'http://localhost:11434/v1',
        apiKey: 'env:OLLAMA_KEY',
      });
    });

    it('refuses to remove without --confirm when there is no terminal, and removes nothing', async () => {
      expectFailure(
        await t.cli('config:provider:remove', 'ollama', '--json'),
        2,
        'CONFIRMATION_REQUIRED',
        'Not confirmed: Remove provider ollama and its 2 models',
      );
      const dry = await ok('config:provider:remove', 'ollama', '--dry-run', '--json');
      expect(dry.json().data).to.deep.equal({name: 'ollama', removed: false, modelsRemoved: 2});
      expect((await providers()).map((row: {name: string}) => row.name)).to.deep.equal(['claude', 'ollama']);
      expect(await models()).to.have.length(3);
    });

    it('removes a provider with its models when confirmed', async () => {
      const run = await ok('config:provider:remove', 'ollama', '--confirm', '--json');
      expect(run.json().data).to.deep.equal({name: 'ollama', removed: true, modelsRemoved: 2});
      expect((await providers()).map((row: {name: string}) => row.name)).to.deep.equal(['claude']);
      expect(await models()).to.deep.equal([{provider: 'claude', name: 'claude-sonnet-4-5', default: false}]);
      const count = (await ok('database:query', 'SELECT COUNT(*) AS n FROM config_models', '--json')).json().data[0].n;
      expect(Number(count)).to.equal(1);
      expectFailure(await t.cli('config:provider:remove', 'ollama', '--confirm', '--json'), 3, 'PROVIDER_NOT_FOUND');
    });
  });

  describe('config:provider:test', () => {
    let openai: FakeProvider;
    let anthropic: FakeProvider;
    before(async () => {
      openai = await startFakeProvider('openai', KEY);
      anthropic = await startFakeProvider('anthropic', KEY);
    });
    after(async () => {
      await openai.close();
      await anthropic.close();
    });
    beforeEach(() => {
      openai.requests.length = 0;
      anthropic.requests.length = 0;
      process.env.SP_TEST_PROVIDER_KEY = KEY;
    });
    afterEach(() => {
      delete process.env.SP_TEST_PROVIDER_KEY;
    });

    it('lists the models of an OpenAI-compatible provider with the key as a Bearer token, and the latency', async () => {
      await ok(
        'config:provider:add',
        'local',
        '--kind',
        'openai',
        '--base-url',
        `${openai.origin}/v1`,
        '--api-key-env',
        'SP_TEST_PROVIDER_KEY',
      );
      const run = await ok('config:provider:test', 'local', '--json');
      const {data} = run.json();
      expect(data).to.include({provider: 'local', ok: true, status: 200, modelCount: 2});
      expect(data.models).to.deep.equal(['llama3', 'mistral']);
      expect(data.latencyMs).to.be.a('number').and.at.least(0);
      expect(Object.keys(data)).to.deep.equal(['provider', 'ok', 'status', 'latencyMs', 'models', 'modelCount']);
      expect(openai.requests).to.have.length(1);
      expect(openai.requests[0]).to.include({method: 'GET', url: '/v1/models'});
      expect(run.stdout).not.to.include(KEY);
    });

    it('sends x-api-key and anthropic-version to Anthropic, with a stored key', async () => {
      const added = await runWithStdin(
        t,
        [
          'config:provider:add',
          'claude',
          '--kind',
          'anthropic',
          '--base-url',
          `${anthropic.origin}/v1`,
          '--api-key-stdin',
        ],
        KEY,
      );
      expect(added.exitCode, added.stderr).to.equal(0);
      const run = await ok('config:provider:test', 'claude', '--json');
      expect(run.json().data.models).to.deep.equal(['claude-sonnet-4-5', 'claude-haiku-4-5']);
      expect(anthropic.requests[0]!.headers).to.include({'x-api-key': KEY, 'anthropic-version': '2023-06-01'});
      expect(anthropic.requests[0]!.headers).not.to.have.property('authorization');
      const table = await ok('config:provider:test', 'claude');
      expect(table.stdout)
        .to.match(/^provider\s+claude$/m)
        .and.match(/^models\s+claude-sonnet-4-5, claude-haiku-4-5$/m);
    });

    it('exits 4 naming the provider when the key is refused, without printing the key or the answer', async () => {
      process.env.SP_TEST_PROVIDER_KEY = 'sk-wrong-999';
      await ok(
        'config:provider:add',
        'local',
        '--kind',
        'openai',
        '--base-url',
        `${openai.origin}/v1`,
        '--api-key-env',
        'SP_TEST_PROVIDER_KEY',
      );
      const run = await t.cli('config:provider:test', 'local');
      expect(run.exitCode).to.equal(4);
      expect(run.stderr).to.match(/^Provider "local" refused the request \(HTTP 401\)/);
      expect(run.stdout + run.stderr).not.to.include('sk-wrong-999');
      expectFailure(await t.cli('config:provider:test', 'local', '--json'), 4, 'PROVIDER_AUTH_FAILED');

      await ok('config:provider:update', 'local', '--no-api-key');
      openai.requests.length = 0;
      expectFailure(await t.cli('config:provider:test', 'local', '--json'), 4, 'PROVIDER_AUTH_FAILED');
      expect(openai.requests[0]!.headers).not.to.have.property('authorization');
    });

    it('exits 6 naming the variable when the key variable is not set, without calling the provider', async () => {
      await ok(
        'config:provider:add',
        'local',
        '--kind',
        'openai',
        '--base-url',
        `${openai.origin}/v1`,
        '--api-key-env',
        'SP_TEST_UNSET_KEY',
      );
      const run = await t.cli('config:provider:test', 'local');
      expect(run.exitCode).to.equal(6);
      expect(run.stderr).to.include('SP_TEST_UNSET_KEY').and.include('Hint: Set SP_TEST_UNSET_KEY');
      expectFailure(
        await t.cli('config:provider:test', 'local', '--json'),
        6,
        'PROVIDER_KEY_ENV_UNSET',
        'SP_TEST_UNSET_KEY',
      );
      expect(openai.requests).to.deep.equal([]);
    });

    it('exits 6 for a closed port, an answer that is not JSON, and a time-out; 3 for an unknown provider', async () => {
      await ok(
        'config:provider:add',
        'closed',
        '--kind',
        'openai',
        '--base-url',
        `http://127.0.0.1:${await closedPort()}/v1`,
      );
      expectFailure(await t.cli('config:provider:test', 'closed', '--json'), 6, 'PROVIDER_UNREACHABLE');
      await ok('config:provider:add', 'html', '--kind', 'openai', '--base-url', `${openai.origin}/html`);
      expectFailure(await t.cli('config:provider:test', 'html', '--json'), 6, 'PROVIDER_BAD_RESPONSE');
      await ok('config:provider:add', 'slow', '--kind', 'openai', '--base-url', `${openai.origin}/slow`);
      expectFailure(
        await t.cli('config:provider:test', 'slow', '--timeout', '200', '--json'),
        6,
        'PROVIDER_TIMEOUT',
        /^Provider "slow" did not answer within 200 ms/,
      );
      expectFailure(await t.cli('config:provider:test', 'nope', '--json'), 3, 'PROVIDER_NOT_FOUND');
    });
  });

  describe('config:model', () => {
    beforeEach(async () => {
      await ok('config:provider:add', 'openai', '--kind', 'openai');
      await ok('config:provider:add', 'ollama', '--kind', 'openai', '--base-url', 'http://localhost:11434/v1');
    });

    it('adds models, keeps exactly one default, and lists them by provider', async () => {
      expect(await models()).to.deep.equal([]);
      const added = await ok('config:model:add', 'openai', 'gpt-4o', '--default', '--json');
      expect(added.json().data).to.deep.equal({provider: 'openai', name: 'gpt-4o', default: true});
      await ok('config:model:add', 'openai', 'gpt-4o-mini');
      await ok('config:model:add', 'ollama', 'llama3:8b', '--default');
      expect(await models()).to.deep.equal([
        {provider: 'ollama', name: 'llama3:8b', default: true},
        {provider: 'openai', name: 'gpt-4o', default: false},
        {provider: 'openai', name: 'gpt-4o-mini', default: false},
      ]);
      expect(await models('--provider', 'openai')).to.have.length(2);
      expect(await models('--filter', 'default=true')).to.deep.equal([
        {provider: 'ollama', name: 'llama3:8b', default: true},
      ]);
      const switched = await ok('config:model:default', 'openai', 'gpt-4o-mini', '--json');
      expect(switched.json().data).to.deep.equal({
        provider: 'openai',
        name: 'gpt-4o-mini',
        default: true,
        previous: {provider: 'ollama', name: 'llama3:8b'},
      });
      expect((await models('--filter', 'default=true')).map((row: {name: string}) => row.name)).to.deep.equal([
        'gpt-4o-mini',
      ]);
      const list = await providers();
      expect(
        list.map((row: {name: string; modelCount: number; defaultModel: string | null}) => [
          row.name,
          row.modelCount,
          row.defaultModel,
        ]),
      ).to.deep.equal([
        ['ollama', 1, null],
        ['openai', 2, 'gpt-4o-mini'],
      ]);
    });

    it('sets the default through the alias config:model:set-default', async () => {
      await ok('config:model:add', 'ollama', 'llama3', '--default');
      await ok('config:model:add', 'ollama', 'mistral');
      const run = await ok('config:model:set-default', 'ollama', 'mistral', '--json');
      expect(run.json().data).to.include({provider: 'ollama', name: 'mistral', default: true});
      expect(await models()).to.deep.equal([
        {provider: 'ollama', name: 'llama3', default: false},
        {provider: 'ollama', name: 'mistral', default: true},
      ]);
    });

    it('removes a model, and the default with it', async () => {
      await ok('config:model:add', 'openai', 'gpt-4o', '--default');
      await ok('config:model:add', 'openai', 'gpt-4o-mini');
      const run = await ok('config:model:remove', 'openai', 'gpt-4o');
      expect(run.stderr).to.include('It was the default model');
      expect(await models()).to.deep.equal([{provider: 'openai', name: 'gpt-4o-mini', default: false}]);
      const dry = await ok('config:model:remove', 'openai', 'gpt-4o-mini', '--dry-run', '--json');
      expect(dry.json().data).to.include({removed: false});
      expect(await models()).to.have.length(1);
    });

    it('refuses unknown providers and models (3), duplicates (5) and invalid names (2)', async () => {
      await ok('config:model:add', 'openai', 'gpt-4o', '--default');
      const cases: Array<[string[], number, string]> = [
        [['config:model:add', 'nope', 'gpt-4o'], 3, 'PROVIDER_NOT_FOUND'],
        [['config:model:add', 'openai', 'gpt-4o'], 5, 'MODEL_EXISTS'],
        [['config:model:add', 'openai', 'two words'], 2, 'MODEL_NAME_INVALID'],
        [['config:model:remove', 'openai', 'gpt-5'], 3, 'MODEL_NOT_FOUND'],
        [['config:model:remove', 'nope', 'gpt-4o'], 3, 'PROVIDER_NOT_FOUND'],
        [['config:model:default', 'openai', 'gpt-5'], 3, 'MODEL_NOT_FOUND'],
        [['config:model:default', 'ollama', 'gpt-4o'], 3, 'MODEL_NOT_FOUND'],
        [['config:model:set-default', 'nope', 'gpt-4o'], 3, 'PROVIDER_NOT_FOUND'],
        [['config:model', '--provider', 'nope'], 3, 'PROVIDER_NOT_FOUND'],
      ];
      for (const [args, exitCode, code] of cases) expectFailure(await t.cli(...args, '--json'), exitCode, code);
      expect(await models()).to.deep.equal([{provider: 'openai', name: 'gpt-4o', default: true}]);
    });
  });
});
