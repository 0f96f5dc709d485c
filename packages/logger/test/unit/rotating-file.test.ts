import {appendFile, readdir, readFile, stat, utimes, writeFile, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {createTempHome, type TempHome} from '@systemprompt/testing';
import {createLogging, logFileDirectory, type LoggingOptions} from '../../src/logging.js';
import {allLines, expectedIds, lineIds, logFiles, runWriters} from '../log-writers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the log file holds `text` (pino loads with the first record, a moment later). */
async function waitForLine(file: string, text: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if ((await readFile(file, 'utf8').catch(() => '')).includes(text)) return;
    await sleep(25);
  }
  expect.fail(`${file} never held ${text}`);
}

describe('rotateBySize', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await createTempHome();
  });
  afterEach(() => home.remove());

  const options = (overrides: Partial<LoggingOptions> = {}): LoggingOptions => ({
    dataDirectory: join(home.path, 'data', 'modules', 'logger'),
    level: 'info',
    consoleLevel: 'silent',
    maxSize: '2k',
    maxFiles: 100,
    ...overrides,
  });
  const directory = () => logFileDirectory(options().dataDirectory);

  describe('several processes writing at once', () => {
    it('keeps every line exactly once and whole, and rotates only files that reached maxSize', async () => {
      await runWriters({options: options(), workers: 4, count: 150});
      const lines = await allLines(directory());
      expect(lineIds(lines).sort()).to.deep.equal(expectedIds(4, 150).sort());
      const files = await logFiles(directory());
      // ~90 KB in 2 KB files: many rotations (fewer when a rotating process waits for a CPU while the
      // others write on), numbered without gaps, within maxFiles.
      const rotated = files.filter((name) => name !== 'systemprompt.log').length;
      expect(rotated).to.be.at.least(5);
      expect(files.length).to.be.at.most(100 + 1);
      expect(files.sort()).to.have.members([
        'systemprompt.log',
        ...Array.from({length: rotated}, (_, index) => `systemprompt.log.${index + 1}`),
      ]);
      // A file is rotated only once it holds maxSize on disk: two processes never rotated it twice.
      for (let number = 1; number <= rotated; number++)
        expect((await stat(join(directory(), `systemprompt.log.${number}`))).size).to.be.at.least(2048);
      expect((await readdir(directory())).filter((name) => name.includes('lock'))).to.deep.equal([]);
    });

    it('keeps at most maxFiles rotated files, the lines in them whole and each once', async () => {
      await runWriters({options: options({maxFiles: 3}), workers: 3, count: 150});
      const files = await logFiles(directory());
      expect(files.sort()).to.deep.equal([
        'systemprompt.log',
        'systemprompt.log.1',
        'systemprompt.log.2',
        'systemprompt.log.3',
      ]);
      const ids = lineIds(await allLines(directory()));
      expect(new Set(ids).size).to.equal(ids.length);
      expect(ids.length).to.be.greaterThan(20);
    });
  });

  it('rotates a file that other processes filled, by its size on disk', async () => {
    const logging = await createLogging(options());
    const file = join(directory(), 'systemprompt.log');
    logging.root.info('first');
    await waitForLine(file, '"first"');
    // Another writer fills the file past maxSize; this process wrote far less than that itself.
    await appendFile(file, `${JSON.stringify({level: 30, time: new Date().toISOString(), msg: 'x'.repeat(3000)})}\n`);
    // The process looks at the file at least once a second while it writes.
    await sleep(1100);
    logging.root.info('second');
    logging.root.info('third');
    await logging.close();
    expect(await logFiles(directory())).to.have.members(['systemprompt.log', 'systemprompt.log.1']);
    const current = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(current.map((line) => (JSON.parse(line) as {msg: string}).msg)).to.deep.equal(['third']);
  });

  it('moves a process to the new file when another one rotated the file it has open', async () => {
    const stale = await createLogging(options());
    stale.root.info({writer: 'stale'}, 'before');
    await waitForLine(join(directory(), 'systemprompt.log'), '"before"');
    const rotating = await createLogging(options());
    for (let index = 0; index < 40; index++) rotating.root.info({writer: 'rotating', index, padding: 'x'.repeat(80)});
    await rotating.close();
    expect(await logFiles(directory())).to.include('systemprompt.log.1');
    await sleep(1100);
    stale.root.info({writer: 'stale'}, 'after');
    stale.root.info({writer: 'stale'}, 'later');
    await stale.close();
    // 'after' may still go to the renamed file (the write that notices); what follows goes to the path.
    const current = await readFile(join(directory(), 'systemprompt.log'), 'utf8');
    expect(current).to.include('"msg":"later"');
    expect(lineIds(await allLines(directory())).length).to.equal(43);
  });

  it('leaves the file to a process holding the rotation lock, and takes over a lock left by a dead one', async () => {
    const lock = join(directory(), '.systemprompt.log.lock');
    const logging = await createLogging(options());
    await writeFile(lock, '999999\n');
    for (let index = 0; index < 40; index++) {
      logging.root.info({index, padding: 'x'.repeat(80)});
      await sleep(2);
    }
    await sleep(50);
    expect(await logFiles(directory())).to.deep.equal(['systemprompt.log']);
    // The same lock, as a process that died while rotating leaves it: old.
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    logging.root.info({index: 40});
    await logging.close();
    expect((await logFiles(directory())).sort()).to.deep.equal(['systemprompt.log', 'systemprompt.log.1']);
    expect((await readdir(directory())).filter((name) => name.includes('lock'))).to.deep.equal([]);
    expect(lineIds(await allLines(directory()))).to.have.length(41);
  });

  it('drops rotated files beyond a maxFiles lowered since they were made', async () => {
    await runWriters({options: options({maxFiles: 6}), workers: 1, count: 150});
    expect(await logFiles(directory())).to.include('systemprompt.log.6');
    await rm(join(directory(), 'systemprompt.log.2'));
    await runWriters({options: options({maxFiles: 2}), workers: 1, count: 40});
    expect((await logFiles(directory())).sort()).to.deep.equal([
      'systemprompt.log',
      'systemprompt.log.1',
      'systemprompt.log.2',
    ]);
  });
});
