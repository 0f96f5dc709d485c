import {EntitySchema} from '@systemprompt/database/schema';

export interface ConfigValueRow {
  module: string;
  key: string;
  valueJson: string;
  updatedAt: string;
  updatedBy: string;
}

export interface ConfigHistoryRow {
  id: number;
  module: string;
  key: string;
  oldValueJson: string | null;
  newValueJson: string | null;
  action: 'set' | 'unset' | 'import' | 'rollback';
  actor: string;
  changedAt: string;
}

export interface ProviderRow {
  id: number;
  name: string;
  kind: 'openai' | 'anthropic';
  baseUrl: string;
  apiKeyEnv: string | null;
  apiKeySecret: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ModelRow {
  id: number;
  providerId: number;
  name: string;
  isDefault: boolean;
  createdAt: string;
}

export const ConfigValue = new EntitySchema<ConfigValueRow>({
  name: 'ConfigValue',
  tableName: 'config_values',
  columns: {
    module: {type: 'varchar', length: 64, primary: true},
    key: {name: 'config_key', type: 'varchar', length: 200, primary: true},
    valueJson: {name: 'value_json', type: 'text'},
    updatedAt: {name: 'updated_at', type: 'varchar', length: 32},
    updatedBy: {name: 'updated_by', type: 'varchar', length: 200},
  },
});

export const ConfigHistory = new EntitySchema<ConfigHistoryRow>({
  name: 'ConfigHistory',
  tableName: 'config_history',
  columns: {
    id: {type: 'integer', primary: true, generated: 'increment'},
    module: {type: 'varchar', length: 64},
    key: {name: 'config_key', type: 'varchar', length: 200},
    oldValueJson: {name: 'old_value_json', type: 'text', nullable: true},
    newValueJson: {name: 'new_value_json', type: 'text', nullable: true},
    action: {type: 'varchar', length: 16},
    actor: {type: 'varchar', length: 200},
    changedAt: {name: 'changed_at', type: 'varchar', length: 32},
  },
});

export const Provider = new EntitySchema<ProviderRow>({
  name: 'Provider',
  tableName: 'config_providers',
  columns: {
    id: {type: 'integer', primary: true, generated: 'increment'},
    name: {type: 'varchar', length: 64, unique: true},
    kind: {type: 'varchar', length: 16},
    baseUrl: {name: 'base_url', type: 'varchar', length: 500},
    apiKeyEnv: {name: 'api_key_env', type: 'varchar', length: 128, nullable: true},
    apiKeySecret: {name: 'api_key_secret', type: 'text', nullable: true},
    createdAt: {name: 'created_at', type: 'varchar', length: 32},
    updatedAt: {name: 'updated_at', type: 'varchar', length: 32},
  },
});

export const Model = new EntitySchema<ModelRow>({
  name: 'Model',
  tableName: 'config_models',
  columns: {
    id: {type: 'integer', primary: true, generated: 'increment'},
    providerId: {name: 'provider_id', type: 'integer'},
    name: {type: 'varchar', length: 200},
    isDefault: {name: 'is_default', type: 'boolean', default: false},
    createdAt: {name: 'created_at', type: 'varchar', length: 32},
  },
});

export const CONFIG_ENTITIES = [ConfigValue, ConfigHistory, Provider, Model];
