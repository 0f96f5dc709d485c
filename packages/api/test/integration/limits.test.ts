import {spawn} from 'node:child_process';
import {join} from 'node:path';
import {expect} from 'chai';
import {LOCAL_ADMIN, type Actor} from '@systemprompt/core';
import {createTempHome, createTestDatabase, testEngines, type TempHome, type TestDatabase} from '@systemprompt/testing';
import type {LimitDecision} from '../../src/index.js';
import {API_ROOT, bootApiKernel, type ApiKernel} from '../helpers/kernel.js';

const CHECKER = join(API_ROOT, 'test', 'helpers', 'limit-checker.ts');

/** Minutes since the epoch of the tests' first minute: requests are dated with `now`, clear of a real minute's turn. */
const BASE_MINUTE = 29_000_000;
/** `seconds` into the test's minute `n` (epoch ms). */
const at = (n: number, seconds = 0) => (BASE_MINUTE + n) * 60_000 + seconds * 1000;

const allowedOf = (decisions: readonly LimitDecision[]) => decisions.filter((decision) => decision.allowed);

for (const engine of testEngines()) {
  describe(`rate limits [${engine}]`, () => {
    let home: TempHome;
    let database: TestDatabase;
    let kernel: ApiKernel;
    let ana: Actor;
    /** The API key of ana (a viewer), and the actor a request made with it has. */
    let key: string;
    let viaKey: Actor;

    const windows = async (): Promise<string[]> =>
      (
        (await kernel.sql('SELECT window_key, window_minute, hits FROM api_rate_windows')) as Array<{
          window_key: string;
          window_minute: number | string;
          hits: number | string;
        }>
      )
        .map((row) => `${row.window_key} ${Number(row.window_minute) - BASE_MINUTE} ${Number(row.hits)}`)
        .sort();
    const check = (now: number, actor = viaKey) => kernel.api.limits.check(actor, 'GET /v1/users', now);
    const checks = (count: number, now: number) => Promise.all(Array.from({length: count}, () => check(now)));

    /** Runs `count` checks in each of `processes` processes of their own, all let go at once. */
    async function checkFromProcesses(processes: number, count: number, now: number): Promise<LimitDecision[]> {
      const children = Array.from({length: processes}, () => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx/esm', CHECKER, home.path, database.url ?? '', key, String(now), String(count)],
          {cwd: API_ROOT, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000},
        );
        let stdout = '';
        let stderr = '';
        let announceReady: () => void;
        const ready = new Promise<void>((resolve) => (announceReady = resolve));
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
          if (stdout.startsWith('ready\n')) announceReady();
        });
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        const done = new Promise<LimitDecision[]>((resolve, reject) =>
          child.on('close', (code) => {
            if (code !== 0) reject(new Error(`the checker exited ${code}: ${stderr}`));
            else resolve(JSON.parse(stdout.slice('ready\n'.length)) as LimitDecision[]);
          }),
        );
        // A checker that dies before it is ready fails the test rather than keeping it waiting.
        return {child, ready: Promise.race([ready, done.then(() => undefined)]), done};
      });
      try {
        await Promise.all(children.map((child) => child.ready));
      } catch (error) {
        for (const {child, done} of children) {
          done.catch(() => {});
          child.kill();
        }
        throw error;
      }
      for (const {child} of children) child.stdin.end('go\n');
      return (await Promise.all(children.map((child) => child.done))).flat();
    }

    /** Retry-After is right to the second: one second before it the request is still refused, at it accepted. */
    async function expectRetryAfterHolds(now: number): Promise<void> {
      const refused = await check(now);
      expect(refused).to.include({allowed: false, remaining: 0});
      const seconds = refused.retryAfterSeconds;
      expect(seconds).to.be.at.least(1);
      if (seconds > 1)
        expect((await check(now + (seconds - 1) * 1000)).allowed, `${seconds - 1} s later`).to.equal(false);
      expect((await check(now + seconds * 1000)).allowed, `${seconds} s later`).to.equal(true);
    }

    beforeEach(async () => {
      home = await createTempHome();
      database = await createTestDatabase(engine);
      kernel = await bootApiKernel(home.path, database.url);
      ana = await kernel.seedUser('ana@example.com', ['viewer']);
      ({key} = await kernel.api.keys.create(ana, {name: 'ci', scopes: ['users:read']}));
      viaKey = (await kernel.api.keys.verify(key))!;
    });
    afterEach(async () => {
      await kernel?.close();
      await database.drop();
      await home.remove();
    });

    it("applies the key's own limit, else the lowest of the owner's roles", async () => {
      const {api} = kernel;
      await kernel.seedRole('partner', []);
      await kernel.sql('INSERT INTO users_memberships (user_id, role) VALUES (?, ?)', [ana.id, 'partner']);
      expect(await api.limits.check(viaKey, 'GET /v1/users')).to.deep.equal({
        allowed: true,
        endpoint: 'GET /v1/users',
        limit: null,
        remaining: null,
        retryAfterSeconds: 0,
        source: null,
      });
      expect(await windows()).to.deep.equal([]);

      await api.limits.set(LOCAL_ADMIN, {role: 'viewer'}, 5);
      await api.limits.set(LOCAL_ADMIN, {role: 'partner'}, 2);
      expect(await api.limits.check(viaKey, 'GET /v1/users', at(0, 10))).to.deep.equal({
        allowed: true,
        endpoint: 'GET /v1/users',
        limit: 2,
        remaining: 1,
        retryAfterSeconds: 0,
        source: 'role partner',
      });
      expect(await api.limits.check(viaKey, 'GET /v1/users', at(0, 20))).to.include({allowed: true, remaining: 0});
      // Every endpoint counts against the one limit. The next is accepted once last minute's two
      // weigh less than two, just after the minute turns.
      expect(await api.limits.check(viaKey, 'GET /v1/roles', at(0, 30))).to.deep.equal({
        allowed: false,
        endpoint: 'GET /v1/roles',
        limit: 2,
        remaining: 0,
        retryAfterSeconds: 31,
        source: 'role partner',
      });
      expect(await api.limits.check(viaKey, 'GET /v1/users', at(1, 1))).to.include({allowed: true, remaining: 0});
      expect(await windows()).to.deep.equal([`key:${viaKey.credentialId} 0 2`, `key:${viaKey.credentialId} 1 1`]);

      await api.limits.set(LOCAL_ADMIN, {key: viaKey.credentialId!}, 100);
      expect(await api.limits.configured(viaKey)).to.deep.equal({
        requestsPerMinute: 100,
        source: `key ${viaKey.credentialId}`,
      });
      // A session (no key) is limited by its roles, counted per user.
      expect(await api.limits.check(ana, 'GET /v1/users', at(0, 10))).to.include({
        allowed: true,
        limit: 2,
        remaining: 1,
      });
      expect(await windows()).to.include(`user:${ana.id} 0 1`);
      expect(await api.limits.configured(LOCAL_ADMIN)).to.equal(undefined);

      await api.limits.remove(LOCAL_ADMIN, {role: 'partner'});
      expect(
        (await api.limits.list(LOCAL_ADMIN)).map(
          (limit) => `${limit.kind} ${limit.name ?? limit.subject} ${limit.requestsPerMinute}`,
        ),
      ).to.deep.equal(['key ci 100', 'role viewer 5']);
    });

    it('emits api.limit.changed inside the transaction of the change, with the actor', async () => {
      await kernel.api.limits.set(LOCAL_ADMIN, {role: 'viewer'}, 5);
      await kernel.api.limits.remove(LOCAL_ADMIN, {role: 'viewer'});
      const changes = kernel.events.filter((event) => event.type === 'api.limit.changed');
      expect(changes.map((event) => event.payload)).to.deep.equal([
        {kind: 'role', subject: 'viewer', requestsPerMinute: 5},
        {kind: 'role', subject: 'viewer', requestsPerMinute: null},
      ]);
      for (const event of changes) {
        expect(event.options?.actor).to.equal(LOCAL_ADMIN);
        expect(event.inOpenTransaction, 'emitted while its transaction was open').to.equal(true);
      }
    });

    it('lets exactly the limit through when checks run concurrently in one process', async () => {
      await kernel.api.limits.set(LOCAL_ADMIN, {role: 'viewer'}, 5);
      const decisions = await checks(20, at(0, 30));
      expect(allowedOf(decisions)).to.have.length(5);
      expect(allowedOf(decisions).map((decision) => decision.remaining)).to.have.members([4, 3, 2, 1, 0]);
      for (const refused of decisions.filter((decision) => !decision.allowed))
        expect(refused).to.include({remaining: 0, retryAfterSeconds: 31});
      expect(await windows()).to.deep.equal([`key:${viaKey.credentialId} 0 5`]);
    });

    it('lets exactly the limit through when two processes check at once', async () => {
      await kernel.api.limits.set(LOCAL_ADMIN, {role: 'viewer'}, 5);
      const decisions = await checkFromProcesses(2, 10, at(0, 30));
      expect(decisions).to.have.length(20);
      expect(allowedOf(decisions)).to.have.length(5);
      for (const refused of decisions.filter((decision) => !decision.allowed))
        expect(refused).to.include({limit: 5, remaining: 0, retryAfterSeconds: 31, source: 'role viewer'});
      expect(await windows()).to.deep.equal([`key:${viaKey.credentialId} 0 5`]);
      // This process sees the same count.
      expect(await check(at(0, 40))).to.include({allowed: false});
    });

    it('does not count a refused request', async () => {
      await kernel.api.limits.set(LOCAL_ADMIN, {role: 'viewer'}, 3);
      expect(allowedOf(await checks(3, at(0, 0)))).to.have.length(3);
      expect(allowedOf(await checks(5, at(0, 30)))).to.deep.equal([]);
      expect(await windows()).to.deep.equal([`key:${viaKey.credentialId} 0 3`]);
      // 20 s into the next minute two thirds of last minute's 3 still count: room for one more. Had
      // the 5 refused ones counted, 5 of 8 would, and it would be refused.
      expect(await check(at(1, 20))).to.include({allowed: true, remaining: 0});
      expect(await check(at(1, 20))).to.include({allowed: false});
    });

    it("slides: last minute's requests weigh less as the minute goes on, and Retry-After says when", async () => {
      await kernel.api.limits.set(LOCAL_ADMIN, {role: 'viewer'}, 5);
      expect(allowedOf(await checks(5, at(0, 50)))).to.have.length(5);
      // Full: the first request accepted is just after the minute turns (4 of 5 then still count).
      expect(await check(at(0, 55))).to.include({allowed: false, retryAfterSeconds: 6});
      await expectRetryAfterHolds(at(0, 55));
      // One accepted this minute; the next has to wait until only 3 of last minute's count (12 s in).
      expect(await check(at(1, 1))).to.include({allowed: false, retryAfterSeconds: 12});
      await expectRetryAfterHolds(at(1, 1));
      // Half way through the minute half of last minute's still count.
      expect(allowedOf(await checks(5, at(1, 30)))).to.have.length(1);
      await expectRetryAfterHolds(at(1, 30));
      // After a minute with 4 requests the next one starts with room for 1 only.
      expect(await windows()).to.deep.equal([`key:${viaKey.credentialId} 0 5`, `key:${viaKey.credentialId} 1 4`]);
      expect(allowedOf(await checks(5, at(2, 0)))).to.have.length(1);
      // After a minute without requests the whole limit is there again.
      expect(allowedOf(await checks(8, at(4, 0)))).to.have.length(5);
    });

    it('makes a request wait until last minute weighs less than a limit lowered below its count', async () => {
      await kernel.api.limits.set(LOCAL_ADMIN, {role: 'viewer'}, 10);
      expect(allowedOf(await checks(10, at(0, 0)))).to.have.length(10);
      await kernel.api.limits.set(LOCAL_ADMIN, {role: 'viewer'}, 2);
      const refused = await check(at(0, 30));
      expect(refused).to.include({allowed: false, limit: 2, remaining: 0});
      // This minute's 10 weigh less than 2 once less than a fifth of them still counts: 48 s into the next.
      expect(refused.retryAfterSeconds).to.equal(79);
      await expectRetryAfterHolds(at(0, 30));
    });

    it('prunes the windows more than two minutes old, of every key, once a minute', async () => {
      await kernel.api.limits.set(LOCAL_ADMIN, {role: 'viewer'}, 5);
      const bob = await kernel.seedUser('bob@example.com', ['viewer']);
      await check(at(0), bob);
      for (const minute of [0, 1, 2]) await check(at(minute));
      const own = `key:${viaKey.credentialId}`;
      expect(await windows()).to.deep.equal([`${own} 0 1`, `${own} 1 1`, `${own} 2 1`, `user:${bob.id} 0 1`]);

      await check(at(3));
      expect(await windows()).to.deep.equal([`${own} 1 1`, `${own} 2 1`, `${own} 3 1`]);

      // Old windows of many keys (more than one delete takes) go too.
      const stale = Array.from({length: 1200}, (_, index) => [`key:stale-${index}`, BASE_MINUTE - 10, 1]);
      await kernel.sql(
        `INSERT INTO api_rate_windows (window_key, window_minute, hits) VALUES ${stale.map(() => '(?, ?, ?)').join(', ')}`,
        stale.flat(),
      );
      await check(at(4));
      expect(await windows()).to.deep.equal([`${own} 2 1`, `${own} 3 1`, `${own} 4 1`]);
      // Within the minute no check prunes again (a request does not pay for it twice).
      await kernel.sql('INSERT INTO api_rate_windows (window_key, window_minute, hits) VALUES (?, ?, ?)', [
        'key:late',
        BASE_MINUTE,
        1,
      ]);
      await check(at(4, 30));
      expect(await windows()).to.include('key:late 0 1');
      await check(at(5));
      expect(await windows()).to.deep.equal([`${own} 3 1`, `${own} 4 2`, `${own} 5 1`]);
    });
  });
}
