import {expect} from 'chai';
import {parse as parseYaml} from 'yaml';
import {conflict, invalidInput} from '../../../src/errors.js';
import {
  cell,
  errorEnvelope,
  isTextResult,
  renderHuman,
  renderRecord,
  renderTable,
  serialize,
  successEnvelope,
  textResult,
} from '../../../src/command/render.js';

describe('cell', () => {
  it('writes a value as one line of text', () => {
    expect(cell(null)).to.equal('');
    expect(cell(undefined)).to.equal('');
    expect(cell(0)).to.equal('0');
    expect(cell(false)).to.equal('false');
    expect(cell(['admin', 'user', ['nested', 2]])).to.equal('admin, user, nested, 2');
    expect(cell({a: 1, b: [true]})).to.equal('{"a":1,"b":[true]}');
    expect(cell(new Date('2024-05-01T10:00:00Z'))).to.equal('2024-05-01T10:00:00.000Z');
    expect(cell('first line\n  second line\r\nthird')).to.equal('first line second line third');
  });
});

describe('renderTable', () => {
  const users = [
    {id: 1, name: 'Ana', roles: ['admin', 'user']},
    {id: 22, name: 'Bo', roles: []},
  ];

  it('aligns columns under upper-case headers, two spaces apart, without trailing spaces', () => {
    expect(renderTable(users)).to.equal(['ID  NAME  ROLES', '1   Ana   admin, user', '22  Bo', ''].join('\n'));
  });

  it('renders nothing for no rows', () => {
    expect(renderTable([])).to.equal('');
  });

  it('takes the columns of every row, in order of first appearance', () => {
    expect(renderTable([{a: 1}, {b: 2, a: 3}])).to.equal('A  B\n1\n3  2\n');
  });

  it('shows only the chosen columns, in the chosen order', () => {
    expect(renderTable(users, {columns: ['name', 'id']})).to.equal('NAME  ID\nAna   1\nBo    22\n');
  });

  it('turns camelCase, snake_case and kebab-case keys into words in the header', () => {
    expect(renderTable([{createdAt: 'x', last_login: 'y', 'two-factor': 'z'}])).to.equal(
      'CREATED AT  LAST LOGIN  TWO FACTOR\nx           y           z\n',
    );
  });

  it('formats cells: objects as JSON, null as nothing and multi-line text on one line', () => {
    expect(renderTable([{id: 'a', meta: {plan: 'pro'}, note: 'line one\nline two', gone: null}])).to.equal(
      'ID  META            NOTE               GONE\n' + 'a   {"plan":"pro"}  line one line two\n',
    );
  });

  it('shortens the widest column with an ellipsis to fit the width', () => {
    const text = renderTable([{id: 'x', text: 'a'.repeat(40)}], {width: 30});
    const lines = text.split('\n');
    expect(lines[0]).to.equal('ID  TEXT');
    expect(lines[1]).to.equal(`x   ${'a'.repeat(25)}…`);
    expect(lines[1]).to.have.length(30);
  });

  it('leaves a table that fits alone', () => {
    expect(renderTable(users, {width: 80})).to.equal(renderTable(users));
  });

  it('never shortens a column below 12 characters', () => {
    const line = renderTable([{id: 'x', text: 'a'.repeat(40)}], {width: 10}).split('\n')[1]!;
    expect(line).to.equal(`x   ${'a'.repeat(11)}…`);
  });

  it('shortens the next widest column when the widest one reached 12 characters', () => {
    const [, row] = renderTable([{a: 'a'.repeat(30), b: 'b'.repeat(20)}], {width: 30}).split('\n');
    expect(row).to.equal(`${'a'.repeat(11)}…  ${'b'.repeat(15)}…`);
    expect(row).to.have.length(30);
  });
});

describe('renderRecord', () => {
  it('writes aligned key/value lines and flattens nested objects with dots', () => {
    expect(
      renderRecord({id: 'u1', profile: {name: 'Ana', address: {city: 'Oslo'}}, tags: ['a', 'b'], none: null}),
    ).to.equal(
      [
        'id                    u1',
        'profile.name          Ana',
        'profile.address.city  Oslo',
        'tags                  a, b',
        'none',
        '',
      ].join('\n'),
    );
  });

  it('keeps empty objects and dates as values', () => {
    expect(renderRecord({settings: {}, at: new Date('2024-01-02T03:04:05Z')})).to.equal(
      'settings  {}\nat        2024-01-02T03:04:05.000Z\n',
    );
  });
});

describe('renderHuman', () => {
  const rows = [
    {id: 1, name: 'Ana'},
    {id: 2, name: 'Bo'},
  ];

  it('renders a list page as a table with the paging note', () => {
    expect(renderHuman({items: rows, total: 5, page: 1, limit: 2})).to.deep.equal({
      text: 'ID  NAME\n1   Ana\n2   Bo\n',
      notes: ['Showing 1-2 of 5; use --page 2 for more.'],
    });
    expect(renderHuman({items: rows, total: 5, page: 2, limit: 2}).notes).to.deep.equal([
      'Showing 3-4 of 5; use --page 3 for more.',
    ]);
  });

  it('does not offer another page on the last one', () => {
    expect(renderHuman({items: [rows[0]!], total: 5, page: 3, limit: 2}).notes).to.deep.equal(['Showing 5-5 of 5.']);
  });

  it('prints nothing for an empty record', () => {
    expect(renderHuman({}).text).to.equal('');
  });

  it('adds no note when the list is complete', () => {
    expect(renderHuman({items: rows, total: 2, page: 1, limit: 50}).notes).to.deep.equal([]);
    expect(renderHuman({items: rows, total: 2, page: 1, limit: null}).notes).to.deep.equal([]);
  });

  it('says "No results." for an empty list and names the page past the end', () => {
    expect(renderHuman({items: [], total: 0, page: 1, limit: 50})).to.deep.equal({text: '', notes: ['No results.']});
    expect(renderHuman({items: [], total: 5, page: 9, limit: 2})).to.deep.equal({
      text: '',
      notes: ['No results on page 9 (5 in all).'],
    });
  });

  it('passes the table options on', () => {
    expect(renderHuman({items: rows, total: 2, page: 1, limit: null}, {columns: ['name']}).text).to.equal(
      'NAME\nAna\nBo\n',
    );
    expect(renderHuman(rows, {columns: ['id']}).text).to.equal('ID\n1\n2\n');
  });

  it('prints text results as they are, ending with one newline', () => {
    expect(renderHuman(textResult('# Title'))).to.deep.equal({text: '# Title\n', notes: []});
    expect(renderHuman(textResult('done\n', {id: 1})).text).to.equal('done\n');
    expect(renderHuman(textResult('')).text).to.equal('');
  });

  it('renders an array of records as a table and an array of scalars one per line', () => {
    expect(renderHuman(rows).text).to.equal('ID  NAME\n1   Ana\n2   Bo\n');
    expect(renderHuman(['alpha', 2, ['x', 'y'], null]).text).to.equal('alpha\n2\nx, y\n\n');
    expect(renderHuman([]).text).to.equal('');
  });

  it('renders a record as key/value lines and a scalar as one line', () => {
    expect(renderHuman({message: 'hello, ana'}).text).to.equal('message  hello, ana\n');
    expect(renderHuman(42).text).to.equal('42\n');
    expect(renderHuman('ok').text).to.equal('ok\n');
  });

  it('renders nothing for no result', () => {
    expect(renderHuman(undefined)).to.deep.equal({text: '', notes: []});
    expect(renderHuman(null)).to.deep.equal({text: '', notes: []});
  });
});

describe('textResult', () => {
  it('holds the text, and the data only when given', () => {
    expect(textResult('hi')).to.deep.equal({$text: 'hi'});
    expect(textResult('hi', {a: 1})).to.deep.equal({$text: 'hi', data: {a: 1}});
    expect(isTextResult(textResult('hi'))).to.equal(true);
    expect(isTextResult({text: 'hi'})).to.equal(false);
    expect(isTextResult(null)).to.equal(false);
  });
});

describe('successEnvelope', () => {
  it('puts the items of a list in data and the paging in meta', () => {
    expect(successEnvelope({items: [{id: 1}, {id: 2}], total: 7, page: 2, limit: 2}, [])).to.deep.equal({
      ok: true,
      data: [{id: 1}, {id: 2}],
      meta: {total: 7, page: 2, limit: 2, count: 2},
    });
  });

  it('adds extra meta to a list', () => {
    expect(successEnvelope({items: [], total: 0, page: 1, limit: null}, [], {dryRun: true}).meta).to.deep.equal({
      total: 0,
      page: 1,
      limit: null,
      count: 0,
      dryRun: true,
    });
  });

  it('uses the data of a text result, or its text when it has none', () => {
    expect(successEnvelope(textResult('# Help', {topics: ['user']}), [])).to.deep.equal({
      ok: true,
      data: {topics: ['user']},
    });
    expect(successEnvelope(textResult('# Help'), [])).to.deep.equal({ok: true, data: '# Help'});
  });

  it('uses any other result as data, and null for none', () => {
    expect(successEnvelope({message: 'hi'}, [])).to.deep.equal({ok: true, data: {message: 'hi'}});
    expect(successEnvelope(undefined, [])).to.deep.equal({ok: true, data: null});
    expect(successEnvelope(0, [])).to.deep.equal({ok: true, data: 0});
  });

  it('adds meta and warnings only when there are some', () => {
    expect(successEnvelope('x', ['config file is world-readable'], {dryRun: true})).to.deep.equal({
      ok: true,
      data: 'x',
      meta: {dryRun: true},
      warnings: ['config file is world-readable'],
    });
  });
});

describe('errorEnvelope', () => {
  it('carries the code, message, hint and details', () => {
    const error = conflict('User ana exists', {
      code: 'USER_EXISTS',
      hint: 'Pick another name.',
      details: {user: 'ana'},
    });
    expect(errorEnvelope(error, ['slow disk'])).to.deep.equal({
      ok: false,
      error: {code: 'USER_EXISTS', message: 'User ana exists', hint: 'Pick another name.', details: {user: 'ana'}},
      warnings: ['slow disk'],
    });
  });

  it('leaves out a missing hint, empty details and no warnings', () => {
    expect(errorEnvelope(invalidInput('bad', {details: {}}), [])).to.deep.equal({
      ok: false,
      error: {code: 'INVALID_INPUT', message: 'bad'},
    });
  });
});

describe('serialize', () => {
  const envelope = successEnvelope(
    {items: [{id: 1, name: 'Ana', tags: ['a'], note: null}], total: 3, page: 1, limit: 1},
    ['careful'],
  );

  it('writes indented JSON ending with a newline', async () => {
    const text = await serialize(envelope, 'json');
    expect(text).to.equal(`${JSON.stringify(envelope, null, 2)}\n`);
    expect(JSON.parse(text)).to.deep.equal(envelope);
  });

  it('writes YAML that parses back to the same envelope', async () => {
    const text = await serialize(envelope, 'yaml');
    expect(text).to.match(/^ok: true\n/);
    expect(parseYaml(text)).to.deep.equal(envelope);
  });

  it('writes an error envelope as YAML', async () => {
    const error = errorEnvelope(conflict('busy', {hint: 'Wait.'}), []);
    expect(parseYaml(await serialize(error, 'yaml'))).to.deep.equal({
      ok: false,
      error: {code: 'CONFLICT', message: 'busy', hint: 'Wait.'},
    });
  });
});
