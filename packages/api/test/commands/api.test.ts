import {createHash, randomUUID} from 'node:crypto';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {describeEachEngine, expectFailure} from '@systemprompt/testing';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describeEachEngine('api commands', {root}, (t) => {
  const write = (sql: string, ...params: string[]) =>
    t.cli('database:query', sql, ...params.flatMap((param) => ['--param', param]), '--write', '--confirm');
  const query = async (sql: string, ...params: string[]) =>
    (await t.cli('database:query', sql, ...params.flatMap((param) => ['--param', param]), '--json')).json()
      .data as Array<Record<string, unknown>>;
  const count = async (table: string) => Number((await query(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);
  // users:create belongs to another package; users are seeded in SQL.
  const seedUser = async (email: string, roles: string[], status = 'enabled') => {
    const id = randomUUID();
    const now = new Date().toISOString();
    expect(
      (
        await write(
          'INSERT INTO users (id, email, name, status, created_at, updated_at) VALUES (?, ?, NULL, ?, ?, ?)',
          id,
          email,
          status,
          now,
          now,
        )
      ).exitCode,
    ).to.equal(0);
    for (const role of roles)
      expect((await write('INSERT INTO users_memberships (user_id, role) VALUES (?, ?)', id, role)).exitCode).to.equal(
        0,
      );
    return id;
  };
  const create = async (...args: string[]) => {
    const run = await t.cli('api:keys:create', ...args, '--json');
    expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
    return run.json().data as {
      id: string;
      name: string;
      user: string;
      prefix: string;
      scopes: string[];
      expiresAt: string | null;
      key: string;
    };
  };
  const list = async (...args: string[]) =>
    (await t.cli('api:keys:list', ...args, '--json')).json().data as Array<Record<string, unknown>>;

  beforeEach(async () => {
    expect((await t.cli('database:migrate')).exitCode).to.equal(0);
    await seedUser('ana@example.com', ['viewer']);
  });

  describe('api:keys:create', () => {
    it('prints the key once, with a notice; only its hash and prefix are stored', async () => {
      const run = await t.cli(
        'api:keys:create',
        '--name',
        'ci',
        '--user',
        'ana@example.com',
        '--scope',
        'users:read',
        '--scope',
        'database:read',
      );
      expect(run.exitCode, run.stderr).to.equal(0);
      const key = /^key\s+(spk_\S+)$/m.exec(run.stdout)?.[1];
      expect(key).to.match(/^spk_[A-Za-z0-9_-]{43}$/);
      expect(run.stdout).to.match(/^prefix\s+spk_\S{8}$/m);
      expect(run.stdout).to.match(/^scopes\s+database:read, users:read$/m);
      expect(run.stderr).to.include('Store this key now: it is not shown again.');

      const rows = await query('SELECT * FROM api_keys');
      expect(rows).to.have.length(1);
      expect(rows[0]!.key_hash).to.equal(sha256(key!));
      expect(rows[0]!.prefix).to.equal(key!.slice(0, 12));
      expect(JSON.stringify(rows)).to.not.include(key!.slice(12));

      const listed = await t.cli('api:keys:list');
      const listedJson = await t.cli('api:keys:list', '--json');
      for (const output of [listed.stdout, listedJson.stdout]) {
        expect(output).to.include(key!.slice(0, 12));
        expect(output).to.not.include(key!.slice(12));
        expect(output).to.not.include(sha256(key!));
      }
      const [row] = listedJson.json().data;
      expect(row).to.include({
        name: 'ci',
        user: 'ana@example.com',
        prefix: key!.slice(0, 12),
        status: 'active',
        expiresAt: null,
        lastUsedAt: null,
      });
      expect(row).to.not.have.any.keys('key', 'keyHash', 'key_hash');
    });

    it('gives the key an expiry in days', async () => {
      const created = await create(
        '--name',
        'ci',
        '--user',
        'ana@example.com',
        '--scope',
        'users:read',
        '--expires-in-days',
        '30',
      );
      const days = (Date.parse(created.expiresAt!) - Date.now()) / 86_400_000;
      expect(days).to.be.within(29.9, 30.1);
    });

    it('accepts wildcard scopes the owner holds as such', async () => {
      await seedUser('root@example.com', ['admin']);
      expect(
        (await create('--name', 'all', '--user', 'root@example.com', '--scope', 'users:*', '--scope', '*')).scopes,
      ).to.deep.equal(['*', 'users:*']);
      expect((await create('--name', 'reads', '--user', 'ana@example.com', '--scope', '*:read')).scopes).to.deep.equal([
        '*:read',
      ]);
    });

    it("refuses scopes beyond the owner's permissions (exit 4, naming the scope) and creates nothing", async () => {
      for (const scope of ['users:create', 'users:*', '*']) {
        const run = await t.cli(
          'api:keys:create',
          '--name',
          'ci',
          '--user',
          'ana@example.com',
          '--scope',
          'users:read',
          '--scope',
          scope,
          '--json',
        );
        expectFailure(run, 4, 'SCOPE_NOT_HELD', `Scope ${scope} exceeds the permissions of ana@example.com`);
      }
      const json = await t.cli(
        'api:keys:create',
        '--name',
        'ci',
        '--user',
        'ana@example.com',
        '--scope',
        'database:write',
        '--json',
      );
      expect(expectFailure(json, 4, 'SCOPE_NOT_HELD').details).to.deep.equal({
        scope: 'database:write',
        user: 'ana@example.com',
      });
      expect(await count('api_keys')).to.equal(0);
    });

    it('refuses the keys of a disabled user (exit 4)', async () => {
      await seedUser('gone@example.com', ['viewer'], 'disabled');
      const run = await t.cli(
        'api:keys:create',
        '--name',
        'ci',
        '--user',
        'gone@example.com',
        '--scope',
        'users:read',
        '--json',
      );
      expectFailure(run, 4, 'SCOPE_NOT_HELD', 'the user is disabled');
    });

    it('refuses a second active key of the same name for the same user (exit 5)', async () => {
      await create('--name', 'ci', '--user', 'ana@example.com', '--scope', 'users:read');
      const run = await t.cli(
        'api:keys:create',
        '--name',
        'ci',
        '--user',
        'ana@example.com',
        '--scope',
        'users:read',
        '--json',
      );
      expectFailure(run, 5, 'KEY_EXISTS', /^ana@example\.com already has an active API key named "ci"$/);
      expect(await count('api_keys')).to.equal(1);
    });

    const invalid: Array<[string, string[], string, RegExp]> = [
      [
        'no scope',
        ['--name', 'ci', '--user', 'ana@example.com'],
        'KEY_SCOPES_REQUIRED',
        /^Give the key at least one scope$/,
      ],
      [
        'a scope that is no permission',
        ['--name', 'ci', '--user', 'ana@example.com', '--scope', 'users'],
        'SCOPE_INVALID',
        /^Scope "users" is not a permission/,
      ],
      [
        'a permission no module declares',
        ['--name', 'ci', '--user', 'ana@example.com', '--scope', 'users:fly'],
        'SCOPE_UNKNOWN',
        /^Scope users:fly: no installed module declares this permission$/,
      ],
      [
        'an empty name',
        ['--name', ' ', '--user', 'ana@example.com', '--scope', 'users:read'],
        'KEY_NAME_INVALID',
        /^Give the key a name \(1 to 100 characters\)$/,
      ],
      [
        'a name too long',
        ['--name', 'x'.repeat(101), '--user', 'ana@example.com', '--scope', 'users:read'],
        'KEY_NAME_INVALID',
        /^The key name is 101 characters long; the most is 100$/,
      ],
      [
        'a name with a control character',
        ['--name', 'ci\u0007', '--user', 'ana@example.com', '--scope', 'users:read'],
        'KEY_NAME_INVALID',
        /^The key name contains a control character$/,
      ],
      ['no name', ['--user', 'ana@example.com', '--scope', 'users:read'], 'KEY_NAME_INVALID', /^--name is required$/],
      [
        'an expiry of 0 days',
        ['--name', 'ci', '--user', 'ana@example.com', '--scope', 'users:read', '--expires-in-days', '0'],
        'INVALID_USAGE',
        /^--expires-in-days: Expected an integer/,
      ],
      [
        'an expiry that is no number',
        ['--name', 'ci', '--user', 'ana@example.com', '--scope', 'users:read', '--expires-in-days', 'soon'],
        'INVALID_USAGE',
        /^--expires-in-days: Expected an integer/,
      ],
      [
        'no owner for the local administrator',
        ['--name', 'ci', '--scope', 'users:read'],
        'KEY_OWNER_REQUIRED',
        /^Name the key's owner \(--user\): local-admin is not a user$/,
      ],
    ];
    for (const [label, args, code, message] of invalid) {
      it(`refuses ${label} (exit 2)`, async () => {
        expectFailure(await t.cli('api:keys:create', ...args, '--json'), 2, code, message);
        expect(await count('api_keys')).to.equal(0);
      });
    }

    it('refuses an unknown user (exit 3)', async () => {
      const run = await t.cli(
        'api:keys:create',
        '--name',
        'ci',
        '--user',
        'nobody@example.com',
        '--scope',
        'users:read',
        '--json',
      );
      expectFailure(run, 3, 'USER_NOT_FOUND', /^No user "nobody@example\.com"$/);
    });
  });

  describe('api:keys:list', () => {
    it("lists every key, one user's keys, and filters by status", async () => {
      await seedUser('bob@example.com', ['viewer']);
      await create('--name', 'a', '--user', 'ana@example.com', '--scope', 'users:read');
      const b = await create('--name', 'b', '--user', 'bob@example.com', '--scope', 'users:read');
      expect((await t.cli('api:keys:revoke', b.prefix, '--confirm')).exitCode).to.equal(0);
      expect((await list()).map((row) => `${row.name} ${row.user} ${row.status}`)).to.deep.equal([
        'a ana@example.com active',
        'b bob@example.com revoked',
      ]);
      expect((await list('--user', 'bob@example.com')).map((row) => row.name)).to.deep.equal(['b']);
      expect((await list('--filter', 'status=active')).map((row) => row.name)).to.deep.equal(['a']);
      const table = await t.cli('api:keys:list');
      expect(table.stdout.split('\n')[0]).to.match(
        /^ID\s+PREFIX\s+NAME\s+USER\s+SCOPES\s+STATUS\s+EXPIRES AT\s+LAST USED AT$/,
      );
    });

    it('says when there are none, and refuses unknown users and fields', async () => {
      const empty = await t.cli('api:keys:list');
      expect(empty.exitCode).to.equal(0);
      expect(empty.stderr).to.include('No API keys yet');
      expectFailure(await t.cli('api:keys:list', '--user', 'nobody@example.com', '--json'), 3, 'USER_NOT_FOUND');
      expectFailure(await t.cli('api:keys:list', '--sort', 'keyHash', '--json'), 2, 'LIST_FIELD_UNKNOWN');
    });
  });

  describe('api:keys:revoke and api:keys:rotate', () => {
    it('revokes by prefix or id, after confirmation; twice is exit 5', async () => {
      const a = await create('--name', 'a', '--user', 'ana@example.com', '--scope', 'users:read');
      const refused = await t.cli('api:keys:revoke', a.prefix, '--json');
      expectFailure(refused, 2, 'CONFIRMATION_REQUIRED', /^Not confirmed: Revoke API key spk_\S{8} \("a"\)/);
      expect((await list())[0]!.status).to.equal('active');

      const run = await t.cli('api:keys:revoke', a.prefix, '--confirm', '--json');
      expect(run.exitCode).to.equal(0);
      expect(run.json().data).to.include({id: a.id, status: 'revoked'});
      expect(run.stdout).to.not.include(a.key);
      const again = await t.cli('api:keys:revoke', a.id, '--confirm', '--json');
      expectFailure(again, 5, 'KEY_REVOKED', /^API key spk_\S{8} is already revoked$/);
    });

    it('rotates: a new key with the same name, scopes and expiry, shown once; the old one revoked', async () => {
      const old = await create(
        '--name',
        'ci',
        '--user',
        'ana@example.com',
        '--scope',
        'users:read',
        '--expires-in-days',
        '7',
      );
      expectFailure(await t.cli('api:keys:rotate', old.prefix, '--json'), 2, 'CONFIRMATION_REQUIRED');
      const run = await t.cli('api:keys:rotate', old.prefix, '--confirm', '--json');
      expect(run.exitCode, run.stdout).to.equal(0);
      const rotated = run.json().data;
      expect(rotated.key).to.match(/^spk_/).and.not.equal(old.key);
      expect(rotated).to.include({name: 'ci', user: 'ana@example.com', expiresAt: old.expiresAt, replaces: old.id});
      expect(rotated.scopes).to.deep.equal(['users:read']);
      const rows = await list();
      expect(rows.map((row) => `${row.prefix} ${row.status}`)).to.deep.equal([
        `${old.prefix} revoked`,
        `${rotated.prefix} active`,
      ]);
      expect((await query('SELECT key_hash FROM api_keys WHERE id = ?', rotated.id))[0]!.key_hash).to.equal(
        sha256(rotated.key),
      );

      const table = await t.cli('api:keys:rotate', rotated.prefix, '--confirm');
      expect(table.stderr).to.include('Store this key now: it is not shown again.');
      const twice = await t.cli('api:keys:rotate', old.prefix, '--confirm', '--json');
      expectFailure(twice, 5, 'KEY_REVOKED', /^API key spk_\S{8} is revoked; only an active key can be rotated$/);
    });

    it('refuses to rotate an expired key (exit 5)', async () => {
      const old = await create(
        '--name',
        'ci',
        '--user',
        'ana@example.com',
        '--scope',
        'users:read',
        '--expires-in-days',
        '1',
      );
      await write('UPDATE api_keys SET expires_at = ? WHERE id = ?', '2020-01-01T00:00:00.000Z', old.id);
      const run = await t.cli('api:keys:rotate', old.id, '--confirm', '--json');
      expectFailure(run, 5, 'KEY_EXPIRED', 'is expired');
    });

    for (const command of ['api:keys:revoke', 'api:keys:rotate']) {
      it(`${command}: an unknown key is exit 3 (prefixes are case-sensitive on both engines)`, async () => {
        const {prefix} = await create('--name', 'a', '--user', 'ana@example.com', '--scope', 'users:read');
        const swapped = `spk_${[...prefix.slice(4)].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('')}`;
        for (const reference of ['spk_AAAAAAAA', randomUUID(), 'nonsense', ...(swapped === prefix ? [] : [swapped])]) {
          expectFailure(
            await t.cli(command, reference, '--confirm', '--json'),
            3,
            'KEY_NOT_FOUND',
            `No API key "${reference}"`,
          );
        }
      });
    }
  });

  describe('api:usage', () => {
    it('reports requests per key, endpoint and day; --key and --since narrow it', async () => {
      const a = await create('--name', 'a', '--user', 'ana@example.com', '--scope', 'users:read');
      const b = await create('--name', 'b', '--user', 'ana@example.com', '--scope', 'users:read');
      await write(
        'INSERT INTO api_usage (key_id, endpoint, day, count) VALUES (?, ?, ?, ?)',
        a.id,
        'GET /v1/users',
        '2026-11-01',
        '7',
      );
      await write(
        'INSERT INTO api_usage (key_id, endpoint, day, count) VALUES (?, ?, ?, ?)',
        a.id,
        'GET /v1/users',
        '2026-11-02',
        '3',
      );
      await write(
        'INSERT INTO api_usage (key_id, endpoint, day, count) VALUES (?, ?, ?, ?)',
        b.id,
        'POST /v1/agents',
        '2026-11-02',
        '1',
      );
      const all = (await t.cli('api:usage', '--json')).json().data;
      expect(all).to.deep.equal(
        [
          {key: a.prefix, name: 'a', endpoint: 'GET /v1/users', day: '2026-11-01', count: 7},
          {key: a.prefix, name: 'a', endpoint: 'GET /v1/users', day: '2026-11-02', count: 3},
          {key: b.prefix, name: 'b', endpoint: 'POST /v1/agents', day: '2026-11-02', count: 1},
        ].sort((x, y) => x.day.localeCompare(y.day) || x.key.localeCompare(y.key)),
      );
      expect((await t.cli('api:usage', '--key', b.prefix, '--json')).json().data).to.deep.equal([
        {key: b.prefix, name: 'b', endpoint: 'POST /v1/agents', day: '2026-11-02', count: 1},
      ]);
      expect(
        (await t.cli('api:usage', '--since', '2026-11-02', '--json'))
          .json()
          .data.map((row: {count: number}) => row.count)
          .sort(),
      ).to.deep.equal([1, 3]);
      const table = await t.cli('api:usage', '--key', a.prefix);
      expect(table.stdout.split('\n')[0]).to.match(/^KEY\s+NAME\s+ENDPOINT\s+DAY\s+COUNT$/);
    });

    it('refuses a bad day (exit 2) and an unknown key (exit 3)', async () => {
      for (const since of ['yesterday', '2026-13-01', '2026-02-30']) {
        expectFailure(
          await t.cli('api:usage', '--since', since, '--json'),
          2,
          'DAY_INVALID',
          /expected a day as YYYY-MM-DD/,
        );
      }
      expectFailure(await t.cli('api:usage', '--key', 'spk_AAAAAAAA', '--json'), 3, 'KEY_NOT_FOUND');
    });
  });

  describe('api:limits', () => {
    it('sets, lists, changes and removes limits per role and per key', async () => {
      const a = await create('--name', 'a', '--user', 'ana@example.com', '--scope', 'users:read');
      const empty = await t.cli('api:limits');
      expect(empty.exitCode).to.equal(0);
      expect(empty.stderr).to.include('No rate limits');

      const role = await t.cli('api:limits:set', '--role', 'viewer', '--per-minute', '60', '--json');
      expect(role.exitCode, role.stdout).to.equal(0);
      expect(role.json().data).to.deep.equal({kind: 'role', subject: 'viewer', name: null, requestsPerMinute: 60});
      expect((await t.cli('api:limits:set', '--key', a.prefix, '--per-minute', '600')).exitCode).to.equal(0);
      expect((await t.cli('api:limits:set', '--role', 'viewer', '--per-minute', '30')).exitCode).to.equal(0);
      expect((await t.cli('api:limits', '--json')).json().data).to.deep.equal([
        {kind: 'key', subject: a.prefix, name: 'a', requestsPerMinute: 600},
        {kind: 'role', subject: 'viewer', name: null, requestsPerMinute: 30},
      ]);
      const table = await t.cli('api:limits');
      expect(table.stdout.split('\n')[0]).to.match(/^KIND\s+SUBJECT\s+NAME\s+REQUESTS PER MINUTE$/);

      expect((await t.cli('api:limits:remove', '--key', a.id)).exitCode).to.equal(0);
      const removed = await t.cli('api:limits:remove', '--role', 'viewer', '--json');
      expect(removed.json().data).to.deep.equal({kind: 'role', subject: 'viewer', removed: true});
      expect((await t.cli('api:limits', '--json')).json().data).to.deep.equal([]);
      const audit = await query("SELECT action FROM users_audit WHERE action LIKE 'api.%-limit-of' ORDER BY id");
      expect(audit.map((row) => row.action)).to.deep.equal([
        'api.set-limit-of',
        'api.set-limit-of',
        'api.set-limit-of',
        'api.remove-limit-of',
        'api.remove-limit-of',
      ]);
    });

    const cases: Array<[string, string[], number, string, RegExp]> = [
      [
        'neither --key nor --role',
        ['api:limits:set', '--per-minute', '5'],
        2,
        'LIMIT_SUBJECT',
        /^Name one API key \(--key\) or one role \(--role\)$/,
      ],
      [
        'both --key and --role',
        ['api:limits:set', '--key', 'spk_AAAAAAAA', '--role', 'viewer', '--per-minute', '5'],
        2,
        'INVALID_USAGE',
        /cannot also be provided/,
      ],
      [
        'no --per-minute',
        ['api:limits:set', '--role', 'viewer'],
        2,
        'INVALID_USAGE',
        /^Missing required flag per-minute$/,
      ],
      [
        'a limit of 0',
        ['api:limits:set', '--role', 'viewer', '--per-minute', '0'],
        2,
        'INVALID_USAGE',
        /^--per-minute: Expected an integer/,
      ],
      [
        'an unknown role',
        ['api:limits:set', '--role', 'nobody', '--per-minute', '5'],
        3,
        'ROLE_NOT_FOUND',
        /^No role "nobody"$/,
      ],
      [
        'an unknown key',
        ['api:limits:set', '--key', 'spk_AAAAAAAA', '--per-minute', '5'],
        3,
        'KEY_NOT_FOUND',
        /^No API key "spk_AAAAAAAA"$/,
      ],
      [
        'removing a limit that is not set',
        ['api:limits:remove', '--role', 'viewer'],
        3,
        'LIMIT_NOT_FOUND',
        /^No rate limit for role viewer$/,
      ],
      ['removing without a subject', ['api:limits:remove'], 2, 'LIMIT_SUBJECT', /^Name one API key/],
    ];
    for (const [label, args, exitCode, code, message] of cases) {
      it(`refuses ${label} (exit ${exitCode})`, async () => {
        expectFailure(await t.cli(...args, '--json'), exitCode, code, message);
        expect(await count('api_limits')).to.equal(0);
      });
    }
  });

  it('documents every command with a summary, a description, examples and flag descriptions', async () => {
    const {loadCliConfig} = await import('@systemprompt/testing');
    const config = await loadCliConfig(root);
    const ids = [
      'api:keys:create',
      'api:keys:list',
      'api:keys:revoke',
      'api:keys:rotate',
      'api:usage',
      'api:limits',
      'api:limits:set',
      'api:limits:remove',
    ];
    for (const id of ids) {
      const command = config.findCommand(id);
      expect(command, id).to.not.equal(undefined);
      expect(command!.summary, id).to.be.a('string').and.not.equal('');
      expect(command!.description, id).to.be.a('string').and.not.equal('');
      expect(command!.examples, id).to.be.an('array').that.is.not.empty;
      for (const example of command!.examples as string[])
        expect(example, id).to.match(/^<%= config\.bin %> <%= command\.id %>/);
      for (const [name, flag] of Object.entries(command!.flags))
        expect((flag as {description?: string}).description, `${id} --${name}`)
          .to.be.a('string')
          .and.not.equal('');
    }
  });
});
