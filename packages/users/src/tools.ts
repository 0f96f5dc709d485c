/**
 * The users module's MCP tools. Each handler calls the UserService method the matching users:*
 * command calls, with the same arguments and defaults, passing the caller as the actor: the service's
 * own permission check decides, and each tool's `permission` is the one that method checks first.
 */
import {parseListQuery, type JsonSchema, type ModuleTools} from '@systemprompt/core';
import {USER_LIST_FIELDS, type UserService} from './services/users.js';

/** users:list's default page size; a tool returns at most MAX_LIMIT users at a time. */
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100;

const USER_REFERENCE: JsonSchema = {type: 'string', minLength: 1, description: 'User id or email.'};
const ROLE_NAMES = (description: string): JsonSchema => ({
  type: 'array',
  items: {type: 'string', minLength: 1},
  description,
});

/** A user as users:get shows it (UserView): never a password or its hash, only whether one is set. */
const USER: JsonSchema = {
  type: 'object',
  properties: {
    id: {type: 'string', description: 'The user id.'},
    email: {type: 'string', description: 'The sign-in name, normalized.'},
    name: {type: ['string', 'null'], description: 'Display name.'},
    status: {type: 'string', enum: ['enabled', 'disabled']},
    roles: {type: 'array', items: {type: 'string'}, description: 'Role names, sorted.'},
    hasPassword: {type: 'boolean', description: 'Whether the user can sign in with a password.'},
    createdAt: {type: 'string', description: 'ISO 8601 time.'},
    updatedAt: {type: 'string', description: 'ISO 8601 time.'},
    lastLoginAt: {type: ['string', 'null'], description: 'ISO 8601 time of the last sign-in, if any.'},
  },
  required: ['id', 'email', 'name', 'status', 'roles', 'hasPassword', 'createdAt', 'updatedAt', 'lastLoginAt'],
};

interface ListInput {
  search?: string;
  status?: 'enabled' | 'disabled';
  sort?: string;
  order?: 'asc' | 'desc';
  page?: number;
  limit?: number;
}

interface CreateInput {
  email: string;
  name?: string;
  roles?: string[];
  password?: string;
}

interface UpdateInput {
  user: string;
  name?: string;
  email?: string;
  addRoles?: string[];
  removeRoles?: string[];
}

/** users_list, users_get, users_create, users_update, users_enable, users_disable. */
export function addUsersTools(tools: ModuleTools, users: UserService): void {
  tools.add({
    name: 'users_list',
    title: 'List users',
    description:
      'List users with their roles and status, a page at a time (as users:list). Search looks in email and name. Needs users:read.',
    permission: 'users:read',
    inputSchema: {
      type: 'object',
      properties: {
        search: {type: 'string', description: 'Text to look for in email and name.'},
        status: {type: 'string', enum: ['enabled', 'disabled'], description: 'Only users with this status.'},
        sort: {type: 'string', enum: [...USER_LIST_FIELDS], description: 'Field to sort by (default email).'},
        order: {type: 'string', enum: ['asc', 'desc'], description: 'Sort order (default asc).'},
        page: {type: 'integer', minimum: 1, description: 'Page number, from 1.'},
        limit: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_LIMIT,
          description: `Users per page (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}).`,
        },
      },
      required: [],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: {
        items: {type: 'array', items: USER},
        total: {type: 'integer', description: 'How many users match, on every page.'},
        page: {type: 'integer'},
        limit: {type: ['integer', 'null']},
      },
      required: ['items', 'total', 'page', 'limit'],
    },
    annotations: {readOnlyHint: true, destructiveHint: false, idempotentHint: true},
    handler: async (input, {actor}) => {
      const {search, status, sort, order, page, limit} = input as ListInput;
      const query = parseListQuery(
        {
          limit: Math.min(Math.max(limit ?? DEFAULT_LIMIT, 1), MAX_LIMIT),
          ...(page !== undefined ? {page} : {}),
          ...(search ? {search} : {}),
          ...(status ? {filter: [`status=${status}`]} : {}),
          ...(sort ? {sort} : {}),
          ...(order ? {order} : {}),
        },
        {fields: USER_LIST_FIELDS, defaultLimit: DEFAULT_LIMIT, defaultSort: 'email'},
      );
      return users.list(actor, query);
    },
  });

  tools.add({
    name: 'users_get',
    title: 'Show a user',
    description:
      'One user, by id or email, with roles and status (as users:get). Unknown: not found. Needs users:read.',
    permission: 'users:read',
    inputSchema: {
      type: 'object',
      properties: {user: USER_REFERENCE},
      required: ['user'],
      additionalProperties: false,
    },
    outputSchema: USER,
    annotations: {readOnlyHint: true, destructiveHint: false, idempotentHint: true},
    handler: async (input, {actor}) => users.get(actor, (input as {user: string}).user),
  });

  tools.add({
    name: 'users_create',
    title: 'Create a user',
    description:
      'Create a user (as users:create). The email must be new (else a conflict); roles must exist and the caller must hold every permission of each role given. Needs users:create.',
    permission: 'users:create',
    inputSchema: {
      type: 'object',
      properties: {
        email: {type: 'string', minLength: 1, description: 'Email address, the sign-in name (unique).'},
        name: {type: 'string', description: 'Display name (at most 200 characters).'},
        roles: ROLE_NAMES('Roles to give, e.g. ["viewer"].'),
        password: {
          type: 'string',
          description: 'A password (8 to 1024 characters), stored as an argon2id hash; never logged.',
          secret: true,
          writeOnly: true,
        },
      },
      required: ['email'],
      additionalProperties: false,
    },
    outputSchema: USER,
    annotations: {readOnlyHint: false, destructiveHint: false, idempotentHint: false},
    handler: async (input, {actor}) => {
      const {email, name, roles, password} = input as unknown as CreateInput;
      // Without dryRun the service returns the created user (UserView), never a preview.
      return users.create(actor, {
        email,
        ...(name === undefined ? {} : {name}),
        roles: roles ?? [],
        ...(password === undefined ? {} : {password}),
      });
    },
  });

  tools.add({
    name: 'users_update',
    title: 'Change a user',
    description:
      "Change a user's name or email, add or remove roles (as users:update). Added roles must exist and the caller must hold every permission they give. Needs users:update.",
    permission: 'users:update',
    inputSchema: {
      type: 'object',
      properties: {
        user: USER_REFERENCE,
        name: {type: 'string', description: 'New display name.'},
        email: {type: 'string', minLength: 1, description: 'New email address.'},
        addRoles: ROLE_NAMES('Roles to add.'),
        removeRoles: ROLE_NAMES('Roles to remove.'),
      },
      required: ['user'],
      additionalProperties: false,
    },
    outputSchema: USER,
    annotations: {readOnlyHint: false, destructiveHint: true, idempotentHint: true},
    handler: async (input, {actor}) => {
      const {user, name, email, addRoles, removeRoles} = input as unknown as UpdateInput;
      return users.update(actor, user, {
        ...(name === undefined ? {} : {name}),
        ...(email === undefined ? {} : {email}),
        addRoles: addRoles ?? [],
        removeRoles: removeRoles ?? [],
      });
    },
  });

  tools.add({
    name: 'users_disable',
    title: 'Disable a user',
    description:
      'Disable a user (as users:disable): they cannot sign in, their sessions are revoked and their API keys stop working. Needs users:update.',
    permission: 'users:update',
    inputSchema: {type: 'object', properties: {user: USER_REFERENCE}, required: ['user'], additionalProperties: false},
    outputSchema: USER,
    annotations: {readOnlyHint: false, destructiveHint: true, idempotentHint: true},
    handler: async (input, {actor}) => users.setStatus(actor, (input as {user: string}).user, 'disabled'),
  });

  tools.add({
    name: 'users_enable',
    title: 'Enable a user',
    description:
      'Enable a user again (as users:enable); sessions revoked when they were disabled stay revoked. Needs users:update.',
    permission: 'users:update',
    inputSchema: {type: 'object', properties: {user: USER_REFERENCE}, required: ['user'], additionalProperties: false},
    outputSchema: USER,
    annotations: {readOnlyHint: false, destructiveHint: false, idempotentHint: true},
    handler: async (input, {actor}) => users.setStatus(actor, (input as {user: string}).user, 'enabled'),
  });
}
