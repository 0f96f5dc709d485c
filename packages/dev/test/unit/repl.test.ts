import {expect} from 'chai';
import type {Actor} from '@systemprompt/core';
import {bindActor, evaluateLines, parameterNames, replContext, replScope, unfinished} from '../../src/services/repl.js';

const ana: Actor = {kind: 'user', id: 'u1', label: 'ana@example.com', via: 'session'};
const bo: Actor = {kind: 'user', id: 'u2', label: 'bo@example.com', via: 'session'};

class UserService {
  async list(actor: Actor, query: {page: number; limit: number | null; filters: unknown[]; search?: string}) {
    return {actor: actor.label, query};
  }
  async get(actor: Actor, reference: string) {
    return {actor: actor.label, reference};
  }
  normalize(email: string) {
    return email.toLowerCase();
  }
}
class RoleService {
  names(actor: Actor) {
    return [actor.label];
  }
}

async function* linesOf(...lines: string[]) {
  yield* lines;
}

describe('the REPL scope', () => {
  it('reads parameter names from a method, an arrow function and defaults with brackets', () => {
    expect(parameterNames(UserService.prototype.list)).to.deep.equal(['actor', 'query']);
    expect(
      parameterNames((actor: Actor, {a, b}: {a: number; b: number} = {a: 1, b: 2}) => [actor, a, b]),
    ).to.deep.equal(['actor', '']);
    expect(
      parameterNames(async function named(first = '(', ...rest: string[]) {
        return [first, rest];
      }),
    ).to.deep.equal(['first', 'rest']);
  });

  it('calls methods whose first parameter is the actor as the current user, and fills a missing or partial list query', async () => {
    const users = bindActor(new UserService(), ana) as unknown as {
      list(query?: object): Promise<any>;
      get(reference: string): Promise<any>;
      normalize(email: string): string;
    };
    expect(await users.get('x')).to.deep.equal({actor: 'ana@example.com', reference: 'x'});
    const all = await users.list();
    expect(all.actor).to.equal('ana@example.com');
    expect(all.query).to.include({page: 1, limit: null}).and.have.property('filters').that.deep.equals([]);
    expect((await users.list({search: 'ana', limit: 5})).query).to.include({search: 'ana', limit: 5, page: 1});
    expect(users.normalize('A@B.C')).to.equal('a@b.c');
    // An actor given explicitly is kept.
    expect(await (users as any).get(bo, 'y')).to.deep.equal({actor: 'bo@example.com', reference: 'y'});
  });

  it("puts each module's sub-services in scope by name before the modules' own names", () => {
    const api = {users: new UserService(), roles: new RoleService(), config: {level: 'info'}};
    const kernel = {
      booted: ['database', 'users', 'acme-notes'],
      service<T>(name: string): T {
        if (name === 'database') throw new Error('provides no service');
        return (name === 'users' ? api : new RoleService()) as T;
      },
    };
    const {scope, names} = replScope(kernel, ana);
    expect(names).to.deep.equal(['acmeNotes', 'actor', 'kernel', 'roles', 'services', 'users']);
    expect(scope.users).to.have.property('list');
    expect((scope.services as any).users.config).to.deep.equal({level: 'info'});
    expect((scope.roles as any).names()).to.deep.equal(['ana@example.com']);
    expect((scope.acmeNotes as any).names()).to.deep.equal(['ana@example.com']);
  });
});

describe('evaluateLines', () => {
  it('awaits each input before the next, keeps declarations, continues unfinished input and reports errors', async () => {
    const context = replContext({service: {list: async () => [1, 2, 3]}});
    const results = [];
    for await (const evaluation of evaluateLines(
      linesOf(
        'const items = await service.list()',
        '',
        'items.map((n) =>',
        '  n * 2)',
        'nope()',
        '{a: 1}',
        'let x = 2; x + 1',
      ),
      context,
    ))
      results.push(evaluation);
    expect(results.map(({line, ok, value}) => ({line, ok, value}))).to.deep.equal([
      {line: 1, ok: true, value: undefined},
      {line: 3, ok: true, value: [2, 4, 6]},
      {line: 5, ok: false, value: undefined},
      {line: 6, ok: true, value: {a: 1}},
      {line: 7, ok: true, value: 3},
    ]);
    expect(results[2]!.error).to.include({name: 'ReferenceError', message: 'nope is not defined'});
  });

  it('knows when brackets, a template or a comment are still open', () => {
    expect(unfinished('foo(')).to.equal(true);
    expect(unfinished('foo(")")')).to.equal(false);
    expect(unfinished('`a ${b}')).to.equal(true);
    expect(unfinished('x // (')).to.equal(false);
    expect(unfinished('/* (')).to.equal(true);
  });
});
