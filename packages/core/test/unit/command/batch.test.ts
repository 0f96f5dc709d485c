import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {expect} from 'chai';
import {readBatchFile, runBatch} from '../../../src/command/batch.js';
import {notFound, permissionDenied} from '../../../src/errors.js';
import {rejected} from '../helpers/errors.js';
import {makeTempDir, removeTempDir} from '../helpers/temp.js';

describe('readBatchFile', () => {
  let directory: string;

  before(async () => {
    directory = await makeTempDir();
  });
  after(() => removeTempDir(directory));

  const file = async (name: string, content: string) => {
    const path = join(directory, name);
    await writeFile(path, content);
    return path;
  };

  it('reads one JSON object per NDJSON line, skipping blank lines', async () => {
    const path = await file('users.ndjson', '{"name":"ana","roles":["admin"]}\n\n  {"name":"bo","age":3}  \n');
    expect(await readBatchFile(path)).to.deep.equal([
      {name: 'ana', roles: ['admin']},
      {name: 'bo', age: 3},
    ]);
  });

  it('reads .jsonl, and files of other extensions, as NDJSON', async () => {
    expect(await readBatchFile(await file('users.jsonl', '{"a":1}\n'))).to.deep.equal([{a: 1}]);
    expect(await readBatchFile(await file('users.txt', '{"a":2}'))).to.deep.equal([{a: 2}]);
  });

  it('rejects a bad NDJSON line with BATCH_INVALID (exit 2), naming the file and line', async () => {
    const path = await file('bad.ndjson', '{"a":1}\n\n{"a":\n');
    const error = await rejected(readBatchFile(path));
    expect(error.code).to.equal('BATCH_INVALID');
    expect(error.exitCode).to.equal(2);
    expect(error.message).to.equal(`${path}:3: not a JSON object`);
  });

  it('rejects a row that is not an object with BATCH_INVALID (exit 2), naming the row', async () => {
    for (const [name, content] of [
      ['scalar.ndjson', '{"a":1}\n5\n'],
      ['array.ndjson', '{"a":1}\n[1]\n'],
      ['null.ndjson', '{"a":1}\nnull\n'],
    ] as const) {
      const path = await file(name, content);
      const error = await rejected(readBatchFile(path));
      expect(error.code).to.equal('BATCH_INVALID');
      expect(error.exitCode).to.equal(2);
      expect(error.message).to.equal(`${path}: row 2 is not an object`);
    }
  });

  it('reads CSV with a header row, keeping a quoted comma and trimming cells', async () => {
    const path = await file(
      'users.csv',
      'name,email,note\n"Doe, Jane",jane@example.com, first \n\nbo,bo@example.com,""\n',
    );
    expect(await readBatchFile(path)).to.deep.equal([
      {name: 'Doe, Jane', email: 'jane@example.com', note: 'first'},
      {name: 'bo', email: 'bo@example.com', note: ''},
    ]);
  });

  it('rejects malformed CSV with BATCH_INVALID (exit 2), naming the file', async () => {
    const path = await file('bad.csv', 'name,email\n"unclosed,x\n');
    const error = await rejected(readBatchFile(path));
    expect(error.code).to.equal('BATCH_INVALID');
    expect(error.exitCode).to.equal(2);
    expect(error.message).to.match(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
  });

  it('reads a YAML list, and a single YAML mapping as one row', async () => {
    expect(await readBatchFile(await file('users.yaml', '- name: ana\n  roles: [admin]\n- name: bo\n'))).to.deep.equal([
      {name: 'ana', roles: ['admin']},
      {name: 'bo'},
    ]);
    expect(await readBatchFile(await file('one.yml', 'name: ana\n'))).to.deep.equal([{name: 'ana'}]);
  });

  it('rejects invalid YAML and a YAML list of scalars with BATCH_INVALID', async () => {
    const invalid = await rejected(readBatchFile(await file('bad.yaml', 'name: [ana\n')));
    expect(invalid.code).to.equal('BATCH_INVALID');
    expect(invalid.exitCode).to.equal(2);
    expect(invalid.message).not.to.include('\n');
    const scalars = await rejected(readBatchFile(await file('scalars.yaml', '- ana\n- bo\n')));
    expect(scalars.code).to.equal('BATCH_INVALID');
    expect(scalars.message).to.match(/: row 1 is not an object$/);
  });

  it('reads a JSON array, and a single JSON object as one row', async () => {
    expect(await readBatchFile(await file('users.json', '[{"name":"ana"},{"name":"bo"}]'))).to.deep.equal([
      {name: 'ana'},
      {name: 'bo'},
    ]);
    expect(await readBatchFile(await file('one.json', '{"name":"ana"}'))).to.deep.equal([{name: 'ana'}]);
  });

  it('rejects invalid JSON with BATCH_INVALID (exit 2)', async () => {
    const error = await rejected(readBatchFile(await file('bad.json', '[{"name":')));
    expect(error.code).to.equal('BATCH_INVALID');
    expect(error.exitCode).to.equal(2);
  });

  it('chooses the format by extension, ignoring case', async () => {
    expect(await readBatchFile(await file('USERS.CSV', 'name\nana\n'))).to.deep.equal([{name: 'ana'}]);
  });

  it('rejects a file that cannot be read with BATCH_UNREADABLE (exit 2)', async () => {
    const path = join(directory, 'missing.ndjson');
    const error = await rejected(readBatchFile(path));
    expect(error.code).to.equal('BATCH_UNREADABLE');
    expect(error.exitCode).to.equal(2);
    expect(error.message).to.equal(`Cannot read batch file ${path}`);
  });
});

describe('runBatch', () => {
  it('runs the action for every row in order and reports each result', async () => {
    const seen: Array<[unknown, number]> = [];
    const result = await runBatch([{n: 1}, {n: 2}], async (row, index) => {
      seen.push([row.n, index]);
      return (row.n as number) * 10;
    });
    expect(seen).to.deep.equal([
      [1, 0],
      [2, 1],
    ]);
    expect(result).to.deep.equal({
      total: 2,
      succeeded: 2,
      failed: 0,
      results: [
        {index: 0, ok: true, data: 10},
        {index: 1, ok: true, data: 20},
      ],
    });
  });

  it('continues after a failure, keeping its code, message and exit code', async () => {
    const result = await runBatch([{user: 'ana'}, {user: 'ghost'}, {user: 'root'}, {user: 'bo'}], async (row) => {
      if (row.user === 'ghost') throw notFound('User ghost not found', {code: 'USER_NOT_FOUND'});
      if (row.user === 'root') throw permissionDenied('Cannot change root');
      return row.user;
    });
    expect(result).to.deep.equal({
      total: 4,
      succeeded: 2,
      failed: 2,
      results: [
        {index: 0, ok: true, data: 'ana'},
        {index: 1, ok: false, error: {code: 'USER_NOT_FOUND', message: 'User ghost not found', exitCode: 3}},
        {index: 2, ok: false, error: {code: 'PERMISSION_DENIED', message: 'Cannot change root', exitCode: 4}},
        {index: 3, ok: true, data: 'bo'},
      ],
    });
  });

  it('reports an unexpected error as UNEXPECTED with exit 1', async () => {
    const result = await runBatch([{}], async () => {
      throw new TypeError('boom');
    });
    expect(result.results).to.deep.equal([
      {index: 0, ok: false, error: {code: 'UNEXPECTED', message: 'boom', exitCode: 1}},
    ]);
  });

  it('runs one row at a time', async () => {
    let running = 0;
    let most = 0;
    await runBatch([{}, {}, {}], async () => {
      running += 1;
      most = Math.max(most, running);
      await Promise.resolve();
      running -= 1;
    });
    expect(most).to.equal(1);
  });

  it('reports an empty batch', async () => {
    expect(await runBatch([], async () => 1)).to.deep.equal({total: 0, succeeded: 0, failed: 0, results: []});
  });
});
