import {mkdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {createTempHome, type TempHome} from '@systemprompt/testing';
import {createLogging, logFileDirectory, type LoggingOptions} from '../../src/logging.js';
import {followLogRecords, readLogRecords, type LogRecord} from '../../src/index.js';
import {allLines, expectedIds, lineIds, logFiles, runWriters} from '../log-writers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const idsOf = (records: LogRecord[]) =>
  lineIds(records.map((record) => record.fields as {worker?: unknown; seq?: unknown}));

const line = (record: Record<string, unknown>) => `${JSON.stringify(record)}\n`;

function expectInTimeOrder(records: LogRecord[]): void {
  for (let index = 1; index < records.length; index++)
    expect(Date.parse(records[index]!.time), `record ${index}`).to.be.at.least(Date.parse(records[index - 1]!.time));
}

/** Each worker's numbers in the order they come: written in order, read in order. */
function expectEachWorkerInOrder(records: LogRecord[]): void {
  const last = new Map<unknown, number>();
  for (const {fields} of records) {
    const seq = fields.seq as number;
    expect(seq, `worker ${String(fields.worker)}`).to.be.greaterThan(last.get(fields.worker) ?? -1);
    last.set(fields.worker, seq);
  }
}

describe('readLogRecords', () => {
  describe('the files of several processes', () => {
    let home: TempHome;
    let directory: string;
    let raw: Array<Record<string, unknown>>;
    before(async () => {
      home = await createTempHome();
      const options: LoggingOptions = {
        dataDirectory: join(home.path, 'data', 'modules', 'logger'),
        level: 'info',
        consoleLevel: 'silent',
        maxSize: '2k',
        maxFiles: 100,
      };
      directory = logFileDirectory(options.dataDirectory);
      await runWriters({options, workers: 3, count: 100});
      raw = await allLines(directory);
      expect((await logFiles(directory)).length).to.be.greaterThan(3);
    });
    after(() => home.remove());

    it('returns every record of every file once, merged in time order', async () => {
      const records = await readLogRecords({directory});
      expect(idsOf(records).sort()).to.deep.equal(expectedIds(3, 100).sort());
      expectInTimeOrder(records);
      expectEachWorkerInOrder(records);
      const first = records.find((record) => record.fields.seq === 10)!;
      expect(first).to.deep.include({level: 'warn', module: `worker-${String(first.fields.worker)}`, msg: 'line 10'});
      expect(first.pid).to.be.a('number');
      expect(first.fields).to.have.keys('worker', 'seq', 'padding');
    });

    it('keeps only one module, and only records at the level asked or above', async () => {
      const worker1 = await readLogRecords({directory, module: 'worker-1'});
      expect(idsOf(worker1)).to.deep.equal(expectedIds(3, 100).filter((id) => id.startsWith('1:')));
      const warnings = await readLogRecords({directory, level: 'warn'});
      expect(warnings.map((record) => record.level)).to.satisfy((levels: string[]) =>
        levels.every((level) => level === 'warn'),
      );
      expect(idsOf(warnings).sort()).to.deep.equal(
        expectedIds(3, 100)
          .filter((id) => id.endsWith('0') && !id.endsWith(':0'))
          .sort(),
      );
      expect(await readLogRecords({directory, level: 'error'})).to.deep.equal([]);
      expect(await readLogRecords({directory, level: 'trace'})).to.have.length(3 * 101);
    });

    it('keeps records made at or after since, and the newest ones up to limit', async () => {
      const all = await readLogRecords({directory});
      const since = new Date(all[150]!.time);
      const recent = await readLogRecords({directory, since});
      expect(recent.length).to.equal(raw.filter((record) => Date.parse(String(record.time)) >= since.getTime()).length);
      expect(recent.every((record) => Date.parse(record.time) >= since.getTime())).to.equal(true);
      expect(await readLogRecords({directory, limit: 7})).to.deep.equal(all.slice(-7));
      const lastWarnings = await readLogRecords({directory, module: 'worker-2', level: 'warn', limit: 3});
      expect(idsOf(lastWarnings)).to.deep.equal(['2:80', '2:90', '2:100']);
      expect(await readLogRecords({directory, limit: 0})).to.deep.equal([]);
    });
  });

  describe('lines it cannot use', () => {
    let home: TempHome;
    beforeEach(async () => {
      home = await createTempHome();
    });
    afterEach(() => home.remove());

    it('skips lines that are not records, and merges by time rather than by file', async () => {
      const directory = join(home.path, 'logs');
      await mkdir(directory);
      // A slow writer's line can land in an older file after a newer one was written elsewhere.
      await writeFile(
        join(directory, 'systemprompt.log.2'),
        line({level: 30, time: '2026-01-01T10:00:00.000Z', pid: 1, module: 'a', msg: 'one', n: 1}) +
          'not json\n' +
          line({level: 30, time: '2026-01-01T10:00:03.000Z', pid: 1, module: 'a', msg: 'four'}),
      );
      await writeFile(
        join(directory, 'systemprompt.log.1'),
        line({level: 40, time: '2026-01-01T10:00:01.000Z', pid: 2, msg: 'two'}) +
          '[1,2]\n\n{"level":30,"time":"2026-01-01T10:00:02.000Z","ms\n' +
          line({level: 30, msg: 'no time'}) +
          line({level: 'loud', time: '2026-01-01T10:00:02.000Z', msg: 'no level'}),
      );
      await writeFile(
        join(directory, 'systemprompt.log'),
        line({level: 50, time: '2026-01-01T10:00:02.000Z', module: 'b', msg: 'three', err: {message: 'boom'}}) +
          line({level: 35, time: '2026-01-01T10:00:03.000Z', msg: 'five, same time as four, a newer file'}) +
          '{"level":30,"time":"2026-01-01T10:00:04.000Z","msg":"being writ',
      );
      await writeFile(join(directory, 'systemprompt.log.old'), line({level: 30, time: '2026-01-01T09:00:00.000Z'}));
      expect(await readLogRecords({directory})).to.deep.equal([
        {time: '2026-01-01T10:00:00.000Z', level: 'info', module: 'a', msg: 'one', pid: 1, fields: {n: 1}},
        {time: '2026-01-01T10:00:01.000Z', level: 'warn', msg: 'two', pid: 2, fields: {}},
        {time: '2026-01-01T10:00:02.000Z', level: 'error', module: 'b', msg: 'three', fields: {err: {message: 'boom'}}},
        {time: '2026-01-01T10:00:03.000Z', level: 'info', module: 'a', msg: 'four', pid: 1, fields: {}},
        {time: '2026-01-01T10:00:03.000Z', level: '35', msg: 'five, same time as four, a newer file', fields: {}},
      ]);
      expect((await readLogRecords({directory, level: 'warn'})).map((record) => record.msg)).to.deep.equal([
        'two',
        'three',
      ]);
    });

    it('returns nothing when there is no log directory yet', async () => {
      expect(await readLogRecords({directory: join(home.path, 'none')})).to.deep.equal([]);
    });

    it('refuses an unknown level with INVALID_INPUT and exit code 2, before reading', async () => {
      try {
        await readLogRecords({directory: join(home.path, 'none'), level: 'loud'});
        expect.fail('readLogRecords should refuse the level');
      } catch (error) {
        expect(error).to.include({code: 'INVALID_INPUT', exitCode: 2});
        expect((error as Error).message).to.equal('loud is not a log level (trace, debug, info, warn, error, fatal)');
      }
      expect(() => followLogRecords({directory: home.path, limit: -1, signal: new AbortController().signal})).to.throw(
        'limit must be a whole number',
      );
    });
  });
});

describe('followLogRecords', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await createTempHome();
  });
  afterEach(() => home.remove());

  const options = (): LoggingOptions => ({
    dataDirectory: join(home.path, 'data', 'modules', 'logger'),
    level: 'info',
    consoleLevel: 'silent',
    maxSize: '2k',
    maxFiles: 100,
  });
  const directory = () => logFileDirectory(options().dataDirectory);

  /** Writes `count` records through a logger of this process, then closes it. */
  async function writeHere(count: number, fields: Record<string, unknown>): Promise<void> {
    const logging = await createLogging(options());
    for (let index = 0; index < count; index++) logging.root.info({...fields, index}, `here ${index}`);
    await logging.close();
  }

  /** Consumes `iterable` until `done` holds for what came (then a few more looks, for repeats) or 30 s passed. */
  async function collect(
    iterable: AsyncIterable<LogRecord>,
    controller: AbortController,
    done: (records: LogRecord[]) => boolean,
  ): Promise<LogRecord[]> {
    const records: LogRecord[] = [];
    const consumed = (async () => {
      for await (const record of iterable) records.push(record);
    })();
    const deadline = Date.now() + 30_000;
    while (!done(records) && Date.now() < deadline) await sleep(20);
    // Anything repeated would come within the next few looks.
    await sleep(300);
    controller.abort();
    await consumed;
    return records;
  }

  it('yields the lines written after it started, across rotations, each once', async () => {
    await writeHere(5, {before: true});
    const controller = new AbortController();
    const iterable = followLogRecords({directory: directory(), signal: controller.signal, intervalMs: 30});
    const expected = expectedIds(3, 60);
    const collecting = collect(iterable, controller, (records) => records.length >= expected.length);
    // Three processes, slowly enough that the follower looks between rotations, some of them stale.
    await runWriters({options: options(), workers: 3, count: 60, pauseMs: 3});
    const records = await collecting;
    expect(records.filter((record) => record.fields.before)).to.deep.equal([]);
    expect(idsOf(records).sort()).to.deep.equal(expected.sort());
    expectEachWorkerInOrder(records);
    expect((await logFiles(directory())).length).to.be.greaterThan(4);
  });

  it('with limit, first yields the newest records already written, then the new ones', async () => {
    await writeHere(10, {phase: 'old'});
    const controller = new AbortController();
    const iterable = followLogRecords({directory: directory(), signal: controller.signal, intervalMs: 30, limit: 3});
    const collecting = collect(iterable, controller, (records) => records.length >= 3 + 12);
    await sleep(100);
    await writeHere(12, {phase: 'new'});
    const records = await collecting;
    expect(records.map((record) => `${String(record.fields.phase)} ${String(record.fields.index)}`)).to.deep.equal([
      'old 7',
      'old 8',
      'old 9',
      ...Array.from({length: 12}, (_, index) => `new ${index}`),
    ]);
  });

  it('filters what it follows by module and level, and ends when the signal aborts', async () => {
    const controller = new AbortController();
    const following = collect(
      followLogRecords({
        directory: directory(),
        signal: controller.signal,
        intervalMs: 30,
        module: 'worker-1',
        level: 'warn',
      }),
      controller,
      (seen) => seen.length >= 6,
    );
    await runWriters({options: options(), workers: 2, count: 60, pauseMs: 1});
    expect(idsOf(await following)).to.deep.equal(['1:10', '1:20', '1:30', '1:40', '1:50', '1:60']);
  });
});
