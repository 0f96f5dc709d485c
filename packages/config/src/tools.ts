/**
 * The config module's MCP tools: config_get and config_list call ConfigService.get and .list, as
 * config:get and config:list do, with the caller as the actor (the service checks config:read and
 * masks secrets exactly as those commands show them).
 */
import {applyListQuery, parseListQuery, type ModuleTools, type ModuleContext} from '@systemprompt/core';
import type {ConfigModuleApi} from './index.js';
import {configService} from './services/open.js';

const MODULE_NAME = {type: 'string', minLength: 1, description: 'The module, e.g. logger.'};

/** What config:list sorts, filters and searches by. */
const SETTING_FIELDS = ['key', 'value', 'source', 'type', 'secret', 'description'];

/**
 * config_get and config_list. The settings are those of the installed modules' schemas: `modules` gives
 * the installed modules (the context's `modules()`), read at each call as config:get and config:list do.
 */
export function addConfigTools(tools: ModuleTools, api: ConfigModuleApi, modules: ModuleContext['modules']): void {
  const service = () => configService(api, modules());

  tools.add({
    name: 'config_get',
    title: 'Show configuration',
    description:
      "A module's configuration, or one of its settings, as modules get it: defaults < config.yaml < environment < runtime settings (as config:get). Secrets are masked. Needs config:read.",
    permission: 'config:read',
    inputSchema: {
      type: 'object',
      properties: {
        module: MODULE_NAME,
        key: {
          type: 'string',
          minLength: 1,
          description: 'A setting of the module (e.g. level); its whole configuration when omitted.',
        },
      },
      required: ['module'],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: {
        key: {type: 'string', description: 'module or module.key.'},
        value: {description: 'The value (secrets masked); for a module, an object of its settings.'},
        source: {
          type: 'string',
          enum: ['default', 'file', 'env', 'runtime', 'unset'],
          description: 'Where the value of one setting comes from.',
        },
      },
      required: ['key'],
    },
    annotations: {readOnlyHint: true, destructiveHint: false, idempotentHint: true},
    handler: async (input, {actor}) => {
      const {module, key} = input as {module: string; key?: string};
      return service().get(actor, key ? `${module}.${key}` : module);
    },
  });

  tools.add({
    name: 'config_list',
    title: 'List settings',
    description:
      'Every setting of every module (or of one) with its value, where it comes from, its type and description (as config:list). Secrets are masked. Needs config:read.',
    permission: 'config:read',
    inputSchema: {
      type: 'object',
      properties: {
        module: {...MODULE_NAME, description: "Only this module's settings."},
        search: {type: 'string', description: 'Text to look for in key, description and source.'},
      },
      required: [],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: {
        items: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              key: {type: 'string', description: 'module.key'},
              value: {description: 'The value (secrets masked); absent when unset.'},
              source: {type: 'string', enum: ['default', 'file', 'env', 'runtime', 'unset']},
              type: {type: 'string'},
              secret: {type: 'boolean'},
              description: {type: 'string'},
            },
            required: ['key', 'source', 'type', 'secret', 'description'],
          },
        },
        total: {type: 'integer'},
      },
      required: ['items', 'total'],
    },
    annotations: {readOnlyHint: true, destructiveHint: false, idempotentHint: true},
    handler: async (input, {actor}) => {
      const {module, search} = input as {module?: string; search?: string};
      const rows = (await service().list(actor)).filter((row) => !module || row.key.startsWith(`${module}.`));
      const query = parseListQuery(
        {...(search ? {search} : {})},
        {fields: SETTING_FIELDS, defaultLimit: null, defaultSort: 'key'},
      );
      const {items, total} = applyListQuery(rows, query, {searchable: ['key', 'description', 'source']});
      return {items, total};
    },
  });
}
