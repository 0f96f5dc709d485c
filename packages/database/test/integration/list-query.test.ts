import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {expect} from 'chai';
import {applyListQuery, silentLogger, type ListQuery} from '@systemprompt/core';
import {describeEachEngine} from '@systemprompt/testing';
import {parseDatabaseUrl} from '../../src/connection.js';
import {queryList, type ListPlan} from '../../src/list-query.js';
import {DatabaseService, type ModuleDatabase} from '../../src/services/database-service.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface ItemRow {
  id: number;
  name: string | null;
  score: number | null;
  tags: string;
  at: string | null;
}

/** A row as a list shows it: tags as an array, which is what applyListQuery filters, searches and sorts. */
const view = (row: ItemRow) => ({...row, tags: JSON.parse(row.tags) as string[]});

const PUNCTUATION = ' _-,;:!?.\'"()[]{}@*/\\&#%`^+<=>|~$';

// Case variants that tie but for case (with a duplicate, to see ties keep the plan's order), no name and
// an empty one, LIKE's wildcards and escape character, numbers written as text, lists, and every
// printable ASCII punctuation character between two letters (where localeCompare orders it unlike code points).
// List elements hold no quotes or backslashes (see ListFieldKind).
const ROWS: ItemRow[] = [
  [1, 'ana', 3, ['a', 'b']],
  [2, 'Ana', null, []],
  [3, null, 10, ['b']],
  [4, '', 3, ['a']],
  [5, 'bob', -1, ['c', 'a']],
  [6, 'Bob smith', 0, ['b', 'c']],
  [7, 'ana_b', 25, ['a']],
  [8, 'ANA', 3, []],
  [9, '100%', null, ['ab']],
  [10, 'x!y', 7, ['a', 'b']],
  [11, 'zed', 10, ['c']],
  [12, 'Ana', 3, ['b', 'a']],
  [13, 'aNa', 1, ['a']],
  [14, '9lives', 2, ['b']],
  [15, '10 lives', 10, ['a', 'c']],
  ...[...PUNCTUATION, '1', 'b', 'B', ''].map((character, index) => [
    16 + index,
    `a${character}b`,
    index % 4,
    ['"', '\\'].includes(character) ? [] : [`t${character}`],
  ]),
].map(([id, name, score, tags]) => ({
  id: id as number,
  name: name as string | null,
  score: score as number | null,
  tags: JSON.stringify(tags),
  at: (id as number) % 7 === 0 ? null : new Date(Date.UTC(2026, 0, 1 + ((id as number) % 5))).toISOString(),
}));

const PLAN: ListPlan = {
  fields: {
    id: {sql: 'i.id', kind: 'number'},
    name: 'i.name',
    score: {sql: 'i.score', kind: 'number'},
    tags: {sql: 'i.tags', kind: 'list'},
    at: {sql: 'i.at', kind: 'time'},
  },
  searchable: ['name', 'tags'],
  order: [['id', 'asc']],
};

const query = (overrides: Partial<ListQuery> = {}): ListQuery => ({
  page: 1,
  limit: null,
  filters: [],
  search: undefined,
  sort: undefined,
  order: 'asc',
  ...overrides,
});

describeEachEngine('queryList', {root}, (t) => {
  let service: DatabaseService;
  let db: ModuleDatabase;

  beforeEach(async () => {
    service = new DatabaseService(
      {
        target: parseDatabaseUrl(t.database.url, join(t.home.path, 'list.sqlite')),
        poolSize: 2,
        busyTimeoutMs: 2000,
        connectTimeoutMs: 5000,
        queryTimeoutMs: 5000,
      },
      silentLogger,
    );
    const {EntitySchema} = await import('../../src/schema.js');
    const Item = new EntitySchema<ItemRow>({
      name: 'Item',
      tableName: 'items',
      columns: {
        id: {type: 'integer', primary: true},
        name: {type: 'varchar', length: 40, nullable: true},
        score: {type: 'integer', nullable: true},
        tags: {type: 'text'},
        at: {type: 'varchar', length: 32, nullable: true},
      },
    });
    const dataSource = await service.dataSource();
    await dataSource.query(
      'CREATE TABLE items (id integer NOT NULL PRIMARY KEY, name varchar(40) NULL, score integer NULL, tags text NOT NULL, at varchar(32) NULL)',
    );
    db = await service.forModule(
      {
        name: 'items',
        root: t.home.path,
        manifest: {name: 'items', version: '1.0.0', type: 'service', description: 'x'},
      },
      [Item],
    );
    await db.repository(Item).insert(ROWS);
  });
  afterEach(async () => {
    await service.close();
  });

  const inDatabase = async (list: ListQuery) => {
    const page = await queryList(db.dataSource.createQueryBuilder().select('i').from('Item', 'i'), list, PLAN);
    return {ids: page.items.map((row) => (row as ItemRow).id), total: page.total};
  };
  const inMemory = (list: ListQuery) => {
    const page = applyListQuery(ROWS.map(view), list, {searchable: PLAN.searchable});
    return {ids: page.items.map((row) => row.id), total: page.total};
  };
  const same = async (list: ListQuery) =>
    expect(await inDatabase(list), JSON.stringify(list)).to.deep.equal(inMemory(list));

  it('filters exactly as in memory: case, empty values, numbers as written, one element of a list', async () => {
    const filters: Array<[string, string]> = [
      ['name', 'Ana'],
      ['name', 'ana'],
      ['name', 'ANA '],
      ['name', ''],
      ['name', '100%'],
      ['name', 'ana_b'],
      ['score', '3'],
      ['score', '03'],
      ['score', '-1'],
      ['score', ''],
      ['score', 'x'],
      ['score', '3.0'],
      ['tags', 'a'],
      ['tags', 'b'],
      ['tags', 'A'],
      ['tags', ''],
      ['tags', 'a,b'],
      ['tags', 'ab'],
      ['tags', 't,'],
      ['tags', 't]'],
      ['tags', 't_'],
      ['id', '12'],
      ['name', 'a\\b'],
      ['name', "a'b"],
      ['at', '2026-01-02T00:00:00.000Z'],
      ['at', ''],
    ];
    for (const [field, value] of filters) await same(query({filters: [{field, value}]}));
    await same(
      query({
        filters: [
          {field: 'tags', value: 'a'},
          {field: 'score', value: '3'},
        ],
      }),
    );
    expect((await inDatabase(query({filters: [{field: 'name', value: 'Ana'}]}))).ids).to.deep.equal([2, 12]);
  });

  it('searches case-insensitively in the searchable fields, wildcards taken literally', async () => {
    for (const search of [
      'an',
      'AN',
      'Ana',
      '_',
      '%',
      '!',
      'x!',
      '0%',
      'a,b',
      'b,c',
      ' ',
      'lives',
      'zz',
      'c',
      "'",
      '"',
      '\\',
      'T:',
      'A$B',
    ])
      await same(query({search}));
    await same(query({search: 'a', filters: [{field: 'score', value: '3'}]}));
    expect((await inDatabase(query({search: '_'}))).ids).to.deep.equal([7, 17]);
  });

  it("sorts as in memory: numbers as numbers, text case-insensitively with lower case first, missing values first, ties in the plan's order", async () => {
    for (const sort of ['id', 'name', 'score', 'tags', 'at']) {
      for (const order of ['asc', 'desc'] as const) await same(query({sort, order}));
    }
    const byName = (await inDatabase(query({sort: 'name'}))).ids;
    // No name, then the empty one, then digits after a space or '%'; every punctuation character in localeCompare's order
    // (rows 16 on are made in that order), before digits and letters; case variants lower case first, ties by id.
    expect(byName.slice(0, 5)).to.deep.equal([3, 4, 15, 9, 14]);
    expect(byName.slice(5, 5 + PUNCTUATION.length)).to.deep.equal([...PUNCTUATION].map((_, index) => 16 + index));
    expect(byName.slice(5 + PUNCTUATION.length)).to.deep.equal([49, 52, 50, 51, 1, 13, 2, 12, 8, 7, 5, 6, 10, 11]);
  });

  it('pages after filtering and sorting; the total counts every match, also past the last page', async () => {
    for (const limit of [1, 4, 7]) {
      for (const page of [1, 2, 3, 5]) {
        await same(query({page, limit, sort: 'score', order: 'desc'}));
        await same(query({page, limit, search: 'a', sort: 'name'}));
      }
    }
    expect(await inDatabase(query({page: 99, limit: 2}))).to.deep.equal({ids: [], total: ROWS.length});
  });

  it('refuses a field the plan does not offer, as --filter and --sort do (exit 2)', async () => {
    for (const list of [query({sort: 'tagz'}), query({filters: [{field: 'nope', value: '1'}]})]) {
      const error = await inDatabase(list).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).to.deep.include({code: 'LIST_FIELD_UNKNOWN', exitCode: 2});
      expect((error as {hint: string}).hint).to.equal('Use one of: id, name, score, tags, at.');
    }
  });

  it('takes values only as parameters: quotes and SQL in a filter or search match nothing and change nothing', async () => {
    for (const value of ["'; DROP TABLE items; --", "a' OR '1'='1", 'x") OR 1=1 --']) {
      expect(await inDatabase(query({filters: [{field: 'name', value}]}))).to.deep.equal({ids: [], total: 0});
      expect(await inDatabase(query({search: value}))).to.deep.equal({ids: [], total: 0});
      expect(await inDatabase(query({filters: [{field: 'tags', value}]}))).to.deep.equal({ids: [], total: 0});
    }
    expect((await inDatabase(query())).total).to.equal(ROWS.length);
  });
});
