/**
 * The permissions module's MCP tools. Each handler calls the PermissionService method the matching
 * permissions:* command calls, with the caller as the actor; every method checks permissions:read
 * first, so that is each tool's permission.
 */
import {
  applyListQuery,
  parseListQuery,
  type JsonSchema,
  type ModuleTools,
  type ModuleContext,
} from '@systemprompt/core';
import {declaredPermissions} from './services/catalog.js';
import type {PermissionService} from './services/permissions.js';

/** What permissions:list sorts and filters by. */
const PERMISSION_FIELDS = ['name', 'module', 'description', 'roles'];

const ROLE: JsonSchema = {
  type: 'object',
  properties: {
    name: {type: 'string'},
    description: {type: 'string'},
    builtin: {type: 'boolean', description: 'admin, operator and viewer cannot be deleted.'},
    permissions: {
      type: 'array',
      items: {type: 'string'},
      description: 'Permissions the role grants (wildcards included).',
    },
  },
  required: ['name', 'description', 'builtin', 'permissions'],
};

const PERMISSION_ROW: JsonSchema = {
  type: 'object',
  properties: {
    name: {type: 'string', description: 'resource:action'},
    module: {type: 'string', description: 'The module that declares it.'},
    description: {type: 'string'},
    roles: {type: 'array', items: {type: 'string'}, description: 'Roles whose permissions cover it.'},
  },
  required: ['name', 'module', 'description', 'roles'],
};

/**
 * permissions_check, permissions_roles_list and permissions_list. `modules` gives the installed modules
 * (the context's `modules()`), whose manifests declare the permissions permissions_list shows; it is
 * read at each call, as permissions:list reads them at each run.
 */
export function addPermissionsTools(
  tools: ModuleTools,
  permissions: PermissionService,
  modules: ModuleContext['modules'],
): void {
  tools.add({
    name: 'permissions_check',
    title: 'Check a permission',
    description:
      'Whether a user holds a permission, and through what: a direct grant, a role, or a wildcard (as permissions:check). A denial is an answer (allowed: false), not an error. Needs permissions:read.',
    permission: 'permissions:read',
    inputSchema: {
      type: 'object',
      properties: {
        user: {type: 'string', minLength: 1, description: 'User id or email.'},
        permission: {
          type: 'string',
          minLength: 1,
          description: 'The permission, e.g. users:read (or a wildcard: users:*).',
        },
      },
      required: ['user', 'permission'],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: {
        user: {type: 'string', description: "The user's email."},
        permission: {type: 'string'},
        allowed: {type: 'boolean'},
        path: {type: 'string', description: 'How it is granted (direct, via role ...), or why not.'},
      },
      required: ['user', 'permission', 'allowed', 'path'],
    },
    annotations: {readOnlyHint: true, destructiveHint: false, idempotentHint: true},
    handler: async (input, {actor}) => {
      const {user, permission} = input as {user: string; permission: string};
      return permissions.check(actor, user, permission);
    },
  });

  tools.add({
    name: 'permissions_roles_list',
    title: 'List roles',
    description: 'Every role with the permissions it grants (as permissions:list --roles). Needs permissions:read.',
    permission: 'permissions:read',
    inputSchema: {type: 'object', properties: {}, required: [], additionalProperties: false},
    outputSchema: {
      type: 'object',
      properties: {items: {type: 'array', items: ROLE}, total: {type: 'integer'}},
      required: ['items', 'total'],
    },
    annotations: {readOnlyHint: true, destructiveHint: false, idempotentHint: true},
    handler: async (_input, {actor}) => {
      const items = await permissions.roles(actor);
      return {items, total: items.length};
    },
  });

  tools.add({
    name: 'permissions_list',
    title: 'List permissions',
    description:
      'Every permission the installed modules declare, with the module and the roles that cover it (as permissions:list). Needs permissions:read.',
    permission: 'permissions:read',
    inputSchema: {
      type: 'object',
      properties: {
        module: {type: 'string', minLength: 1, description: "Only this module's permissions."},
        search: {type: 'string', description: 'Text to look for in name, module and description.'},
      },
      required: [],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: {items: {type: 'array', items: PERMISSION_ROW}, total: {type: 'integer'}},
      required: ['items', 'total'],
    },
    annotations: {readOnlyHint: true, destructiveHint: false, idempotentHint: true},
    handler: async (input, {actor}) => {
      const {module, search} = input as {module?: string; search?: string};
      const rows = await permissions.list(actor, declaredPermissions(modules()));
      const query = parseListQuery(
        {...(search ? {search} : {}), ...(module ? {filter: [`module=${module}`]} : {})},
        {fields: PERMISSION_FIELDS, defaultLimit: null, defaultSort: 'name'},
      );
      const {items, total} = applyListQuery(rows, query, {searchable: ['name', 'module', 'description']});
      return {items, total};
    },
  });
}
