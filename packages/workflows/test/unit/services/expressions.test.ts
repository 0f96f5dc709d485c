import {expect} from 'chai';
import {
  compileProblem,
  evaluate,
  render,
  templateParts,
  templatesIn,
  truthy,
  type ExpressionContext,
} from '../../../src/services/expressions.js';

const context: ExpressionContext = {
  inputs: {name: 'ana', n: 3, tags: ['a', 'b']},
  steps: {fetch: {output: {status: 200, body: {items: [{id: 1}, {id: 2}]}}, status: 'completed'}},
  item: {id: 7},
  index: 2,
  run: {id: 'r1', workflow: 'w'},
};

describe('expressions', () => {
  it('a string that is exactly {{ expr }} becomes the value, of any type', async () => {
    expect(await render('{{ inputs.n * 2 }}', context)).to.equal(6);
    expect(await render(' {{ inputs.tags }} ', context)).to.deep.equal(['a', 'b']);
    expect(await render('{{ steps.fetch.output.body.items.id }}', context)).to.deep.equal([1, 2]);
    expect(await render('{{ steps.nothing.output }}', context)).to.equal(null);
  });

  it('text with {{ expr }} inside gets each value as text (objects as JSON, nothing as empty)', async () => {
    expect(await render('hello {{ inputs.name }} #{{ index }}', context)).to.equal('hello ana #2');
    expect(await render('item {{ item }} {{ steps.nothing }}.', context)).to.equal('item {"id":7} .');
  });

  it('fills lists and objects throughout, keys as written', async () => {
    expect(await render({a: ['{{ run.id }}', 1, null], '{{ b }}': {c: '{{ inputs.n > 2 }}'}}, context)).to.deep.equal({
      a: ['r1', 1, null],
      '{{ b }}': {c: true},
    });
  });

  it('splits templates into parts, and finds each one with its place', () => {
    expect(templateParts('a {{x}} b {{ y }}')).to.deep.equal(['a ', {expression: 'x'}, ' b ', {expression: 'y'}]);
    expect(templateParts('  {{ x }}\n')).to.deep.equal([{expression: 'x'}]);
    expect(templateParts('no templates')).to.deep.equal(['no templates']);
    expect(
      templatesIn({url: 'http://x/{{ a }}', list: ['{{ b }}'], 'odd key': '{{ c }}'}, 'steps[0].args'),
    ).to.deep.equal([
      {path: 'steps[0].args.url', expression: 'a'},
      {path: 'steps[0].args.list[0]', expression: 'b'},
      {path: 'steps[0].args["odd key"]', expression: 'c'},
    ]);
  });

  it('evaluates JSONata, never JavaScript: host globals are not reachable', async () => {
    expect(await evaluate('$sum(steps.fetch.output.body.items.id)', context)).to.equal(3);
    expect(await evaluate('{{ inputs.name }}', context)).to.equal('ana');
    expect(await evaluate('process', context)).to.equal(null);
    expect(await evaluate('constructor', context)).to.equal(null);
    expect(await evaluate('$process.exit(1)', context)).to.equal(null);
    // $eval is JSONata evaluating JSONata, over the same data.
    expect(await evaluate('$eval("inputs.n + 1")', context)).to.equal(4);
  });

  it('stops an expression that loops past its time limit', async () => {
    try {
      await evaluate('($f := function($n) { $f($n + 1) }; $f(0))', context);
      expect.fail('the recursion was not stopped');
    } catch (error) {
      expect((error as Error).message).to.match(/stack|timeout|recursion/i);
    }
  });

  it('says where an expression does not compile', async () => {
    expect(await compileProblem('inputs.name')).to.equal(undefined);
    expect(await compileProblem('{{ inputs.( }}')).to.match(
      /^expression "\{\{ inputs\.\( \}\}" does not compile at character \d+: /,
    );
  });

  it('takes false, null, 0, empty text and empty lists as false', () => {
    for (const value of [false, null, 0, '', []]) expect(truthy(value), JSON.stringify(value)).to.equal(false);
    for (const value of [true, 1, 'x', [0], {}]) expect(truthy(value), JSON.stringify(value)).to.equal(true);
  });
});
