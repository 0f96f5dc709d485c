import {expect} from 'chai';
import {applyListQuery, isListResult, parseListQuery, type ListQuery} from '../../../src/command/list.js';
import {caught} from '../helpers/errors.js';

const spec = {fields: ['id', 'name', 'age', 'roles', 'active']};

const query = (overrides: Partial<ListQuery> = {}): ListQuery => ({
  page: 1,
  limit: null,
  filters: [],
  search: undefined,
  sort: undefined,
  order: 'asc',
  ...overrides,
});

describe('parseListQuery', () => {
  it('gives page 1, 50 rows, no filter or search, ascending order by default', () => {
    expect(parseListQuery({}, spec)).to.deep.equal({
      page: 1,
      limit: 50,
      filters: [],
      search: undefined,
      sort: undefined,
      order: 'asc',
    });
  });

  it('takes the flags as given', () => {
    expect(
      parseListQuery(
        {page: 3, limit: 10, filter: ['name=Ana', 'roles=admin'], search: 'an', sort: 'age', order: 'desc'},
        spec,
      ),
    ).to.deep.equal({
      page: 3,
      limit: 10,
      filters: [
        {field: 'name', value: 'Ana'},
        {field: 'roles', value: 'admin'},
      ],
      search: 'an',
      sort: 'age',
      order: 'desc',
    });
  });

  it('reads --limit 0 as all rows', () => {
    expect(parseListQuery({limit: 0}, spec).limit).to.equal(null);
  });

  it('uses the default limit and sort of the list', () => {
    expect(parseListQuery({}, {...spec, defaultLimit: null, defaultSort: 'name'})).to.deep.include({
      limit: null,
      sort: 'name',
    });
    expect(parseListQuery({}, {...spec, defaultLimit: 20}).limit).to.equal(20);
    expect(parseListQuery({limit: 5, sort: 'age'}, {...spec, defaultLimit: 20, defaultSort: 'name'})).to.deep.include({
      limit: 5,
      sort: 'age',
    });
  });

  it('treats an empty search as none', () => {
    expect(parseListQuery({search: ''}, spec).search).to.equal(undefined);
  });

  it('splits a filter at the first "=", trimming the field name', () => {
    expect(parseListQuery({filter: [' name =a=b ']}, spec).filters).to.deep.equal([{field: 'name', value: 'a=b '}]);
    expect(parseListQuery({filter: ['name=']}, spec).filters).to.deep.equal([{field: 'name', value: ''}]);
  });

  it('rejects sorting by an unknown field with LIST_FIELD_UNKNOWN (exit 2), listing the allowed fields', () => {
    const error = caught(() => parseListQuery({sort: 'email'}, spec));
    expect(error.code).to.equal('LIST_FIELD_UNKNOWN');
    expect(error.exitCode).to.equal(2);
    expect(error.message).to.equal('--sort email: unknown field');
    expect(error.hint).to.equal('Use one of: id, name, age, roles, active.');
    expect(error.details).to.deep.equal({field: 'email', allowed: spec.fields});
  });

  it('rejects filtering by an unknown field with LIST_FIELD_UNKNOWN (exit 2)', () => {
    const error = caught(() => parseListQuery({filter: ['name=Ana', 'email=a@b.c']}, spec));
    expect(error.code).to.equal('LIST_FIELD_UNKNOWN');
    expect(error.exitCode).to.equal(2);
    expect(error.message).to.equal('--filter email: unknown field');
    expect(error.hint).to.equal('Use one of: id, name, age, roles, active.');
  });

  it('rejects an unknown default sort field of the list itself', () => {
    expect(caught(() => parseListQuery({}, {...spec, defaultSort: 'email'})).code).to.equal('LIST_FIELD_UNKNOWN');
  });

  for (const expression of ['name', '=Ana', '']) {
    it(`rejects the malformed filter ${JSON.stringify(expression)} with LIST_FILTER_INVALID (exit 2)`, () => {
      const error = caught(() => parseListQuery({filter: [expression]}, spec));
      expect(error.code).to.equal('LIST_FILTER_INVALID');
      expect(error.exitCode).to.equal(2);
      expect(error.message).to.equal(`--filter ${expression}: expected FIELD=VALUE`);
    });
  }
});

describe('applyListQuery', () => {
  const rows = [
    {id: 'u1', name: 'Ana', age: 30, roles: ['admin', 'user'], active: true},
    {id: 'u2', name: 'bob', age: 9, roles: ['user'], active: false},
    {id: 'u3', name: 'Cleo', age: 100, roles: [], active: true},
    {id: 'u4', name: 'Dan', age: null, roles: ['auditor'], active: true},
  ];
  const ids = (result: {items: Array<{id: string}>}) => result.items.map((row) => row.id);

  it('returns every row with the total when nothing is asked', () => {
    expect(applyListQuery(rows, query())).to.deep.equal({items: rows, total: 4, page: 1, limit: null});
  });

  it('filters by the text of a field', () => {
    expect(ids(applyListQuery(rows, query({filters: [{field: 'name', value: 'Ana'}]})))).to.deep.equal(['u1']);
    expect(ids(applyListQuery(rows, query({filters: [{field: 'age', value: '9'}]})))).to.deep.equal(['u2']);
    expect(ids(applyListQuery(rows, query({filters: [{field: 'active', value: 'true'}]})))).to.deep.equal([
      'u1',
      'u3',
      'u4',
    ]);
    expect(ids(applyListQuery(rows, query({filters: [{field: 'age', value: ''}]})))).to.deep.equal(['u4']);
  });

  it('filters an array field by any of its values', () => {
    expect(ids(applyListQuery(rows, query({filters: [{field: 'roles', value: 'user'}]})))).to.deep.equal(['u1', 'u2']);
    expect(ids(applyListQuery(rows, query({filters: [{field: 'roles', value: 'admin,user'}]})))).to.deep.equal([]);
  });

  it('keeps only rows that match every filter', () => {
    const result = applyListQuery(
      rows,
      query({
        filters: [
          {field: 'roles', value: 'user'},
          {field: 'active', value: 'true'},
        ],
      }),
    );
    expect(ids(result)).to.deep.equal(['u1']);
    expect(result.total).to.equal(1);
  });

  it('searches every field, ignoring case', () => {
    expect(ids(applyListQuery(rows, query({search: 'AN'})))).to.deep.equal(['u1', 'u4']);
    expect(ids(applyListQuery(rows, query({search: 'audit'})))).to.deep.equal(['u4']);
  });

  it('searches only the searchable fields when the list names them', () => {
    expect(ids(applyListQuery(rows, query({search: 'an'}), {searchable: ['id']}))).to.deep.equal([]);
    expect(ids(applyListQuery(rows, query({search: 'U3'}), {searchable: ['id']}))).to.deep.equal(['u3']);
  });

  it('sorts numbers as numbers, ascending and descending, with missing values first', () => {
    expect(ids(applyListQuery(rows, query({sort: 'age'})))).to.deep.equal(['u4', 'u2', 'u1', 'u3']);
    expect(ids(applyListQuery(rows, query({sort: 'age', order: 'desc'})))).to.deep.equal(['u3', 'u1', 'u2', 'u4']);
  });

  it('sorts text in locale order', () => {
    expect(ids(applyListQuery(rows, query({sort: 'name'})))).to.deep.equal(['u1', 'u2', 'u3', 'u4']);
    expect(ids(applyListQuery(rows, query({sort: 'name', order: 'desc'})))).to.deep.equal(['u4', 'u3', 'u2', 'u1']);
  });

  it('does not reorder the rows it was given', () => {
    const given = [...rows];
    applyListQuery(given, query({sort: 'age', order: 'desc'}));
    expect(given).to.deep.equal(rows);
  });

  it('returns the asked page with the total of all matching rows', () => {
    expect(applyListQuery(rows, query({page: 1, limit: 3}))).to.deep.equal({
      items: rows.slice(0, 3),
      total: 4,
      page: 1,
      limit: 3,
    });
    expect(applyListQuery(rows, query({page: 2, limit: 3}))).to.deep.equal({
      items: rows.slice(3),
      total: 4,
      page: 2,
      limit: 3,
    });
    expect(applyListQuery(rows, query({page: 5, limit: 3}))).to.deep.equal({items: [], total: 4, page: 5, limit: 3});
  });

  it('filters, then sorts, then pages', () => {
    const result = applyListQuery(
      rows,
      query({filters: [{field: 'active', value: 'true'}], sort: 'name', order: 'desc', page: 1, limit: 2}),
    );
    expect(ids(result)).to.deep.equal(['u4', 'u3']);
    expect(result.total).to.equal(3);
  });
});

describe('isListResult', () => {
  it('recognises an object with items and a total', () => {
    expect(isListResult({items: [], total: 0, page: 1, limit: null})).to.equal(true);
    expect(isListResult({items: [], total: '0'})).to.equal(false);
    expect(isListResult({items: 'x', total: 0})).to.equal(false);
    expect(isListResult([])).to.equal(false);
    expect(isListResult(null)).to.equal(false);
  });
});
