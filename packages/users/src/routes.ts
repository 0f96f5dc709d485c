import {httpReply, invalidInput, parseListQuery, type HttpRoutes} from '@systemprompt/core';
import {USER_LIST_FIELDS, type UserService} from './services/users.js';

const MAX_PAGE = 1000;

function integer(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw invalidInput(`${name} must be a whole number from 1`, {code: 'QUERY_PARAMETER_INVALID'});
  return number;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The users module's HTTP API: the same service methods as users:list, users:get and users:create. */
export function addUserRoutes(http: HttpRoutes, users: UserService): void {
  http.add({
    method: 'GET',
    path: '/',
    permission: 'users:read',
    summary: 'List users (page, limit, search, sort, order).',
    handler: async ({actor, query}) => {
      const limit = Math.min(integer(query.limit, 'limit') ?? 50, MAX_PAGE);
      const order = text(query.order);
      if (order !== undefined && order !== 'asc' && order !== 'desc')
        throw invalidInput('order must be asc or desc', {code: 'QUERY_PARAMETER_INVALID'});
      const page = integer(query.page, 'page');
      const search = text(query.search);
      const sort = text(query.sort);
      return users.list(
        actor,
        parseListQuery(
          {
            limit,
            ...(page ? {page} : {}),
            ...(search ? {search} : {}),
            ...(sort ? {sort} : {}),
            ...(order ? {order} : {}),
          },
          {fields: USER_LIST_FIELDS},
        ),
      );
    },
  });
  http.add({
    method: 'GET',
    path: '/:user',
    permission: 'users:read',
    summary: 'One user, by id or email.',
    handler: async ({actor, params}) => users.get(actor, params.user!),
  });
  http.add({
    method: 'POST',
    path: '/',
    permission: 'users:create',
    summary: 'Create a user ({email, name?, roles?}).',
    handler: async ({actor, body}) => {
      const input = (body ?? {}) as {email?: unknown; name?: unknown; roles?: unknown};
      if (typeof input.email !== 'string') throw invalidInput('email is required', {code: 'QUERY_PARAMETER_INVALID'});
      if (input.name !== undefined && typeof input.name !== 'string')
        throw invalidInput('name must be a string', {code: 'QUERY_PARAMETER_INVALID'});
      if (input.roles !== undefined && !(Array.isArray(input.roles) && input.roles.every((r) => typeof r === 'string')))
        throw invalidInput('roles must be a list of role names', {code: 'QUERY_PARAMETER_INVALID'});
      const created = await users.create(actor, {
        email: input.email,
        ...(input.name !== undefined ? {name: input.name} : {}),
        ...(input.roles !== undefined ? {roles: input.roles} : {}),
      });
      return httpReply(201, created);
    },
  });
}
