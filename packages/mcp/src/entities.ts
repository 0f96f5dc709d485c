import {EntitySchema} from '@systemprompt/database/schema';

/** A prompt template served to MCP clients (`prompts/get` fills `{{argument}}` placeholders). */
export interface PromptRow {
  name: string;
  title: string | null;
  description: string;
  /** JSON array of {name, description, required}. */
  arguments: string;
  template: string;
  /** What a caller must hold to see and get it. */
  permission: string;
  createdAt: string;
  updatedAt: string;
  /** The actor label of the last change. */
  updatedBy: string;
}

/** A resource served by URI: its own text, or a file of the data directory. */
export interface ResourceRow {
  uri: string;
  name: string;
  title: string | null;
  description: string | null;
  mimeType: string;
  text: string | null;
  /** Relative to the mcp module's data directory (never outside it). */
  file: string | null;
  permission: string;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

/** An upstream MCP server whose tools the OS serves as `NAME__tool`. */
export interface UpstreamServerRow {
  name: string;
  transport: 'http' | 'stdio';
  url: string | null;
  /** JSON array: the command and its arguments (stdio). */
  command: string | null;
  /** Encrypted JSON object of HTTP headers (credentials), or null. */
  headers: string | null;
  /** `ok`, or `unreachable` after the last attempt failed. */
  status: string;
  lastError: string | null;
  /** JSON array of the upstream's tools as last listed ({name, title, description, inputSchema, outputSchema}). */
  tools: string;
  refreshedAt: string | null;
  createdAt: string;
}

/** A tool switched off (or on again) by an administrator; absent: enabled. */
export interface ToolSettingRow {
  name: string;
  enabled: boolean;
  updatedAt: string;
  updatedBy: string;
}

const varchar = (length: number, extra: Record<string, unknown> = {}) => ({type: 'varchar' as const, length, ...extra});

export const Prompt = new EntitySchema<PromptRow>({
  name: 'McpPrompt',
  tableName: 'mcp_prompts',
  columns: {
    name: {...varchar(64), primary: true},
    title: varchar(200, {nullable: true}),
    description: {type: 'text'},
    arguments: {type: 'text'},
    template: {type: 'text'},
    permission: varchar(130),
    createdAt: varchar(32, {name: 'created_at'}),
    updatedAt: varchar(32, {name: 'updated_at'}),
    updatedBy: varchar(320, {name: 'updated_by'}),
  },
});

export const Resource = new EntitySchema<ResourceRow>({
  name: 'McpResource',
  tableName: 'mcp_resources',
  columns: {
    uri: {...varchar(500), primary: true},
    name: varchar(200),
    title: varchar(200, {nullable: true}),
    description: {type: 'text', nullable: true},
    mimeType: varchar(100, {name: 'mime_type'}),
    text: {type: 'text', nullable: true},
    file: varchar(500, {nullable: true}),
    permission: varchar(130),
    createdAt: varchar(32, {name: 'created_at'}),
    updatedAt: varchar(32, {name: 'updated_at'}),
    updatedBy: varchar(320, {name: 'updated_by'}),
  },
});

export const UpstreamServer = new EntitySchema<UpstreamServerRow>({
  name: 'McpUpstreamServer',
  tableName: 'mcp_servers',
  columns: {
    name: {...varchar(32), primary: true},
    transport: varchar(8),
    url: varchar(2000, {nullable: true}),
    command: {type: 'text', nullable: true},
    headers: {type: 'text', nullable: true},
    status: varchar(16),
    lastError: {type: 'text', name: 'last_error', nullable: true},
    tools: {type: 'text'},
    refreshedAt: varchar(32, {name: 'refreshed_at', nullable: true}),
    createdAt: varchar(32, {name: 'created_at'}),
  },
});

export const ToolSetting = new EntitySchema<ToolSettingRow>({
  name: 'McpToolSetting',
  tableName: 'mcp_tool_settings',
  columns: {
    name: {...varchar(100), primary: true},
    enabled: {type: 'boolean'},
    updatedAt: varchar(32, {name: 'updated_at'}),
    updatedBy: varchar(320, {name: 'updated_by'}),
  },
});

export const MCP_ENTITIES = [Prompt, Resource, UpstreamServer, ToolSetting];
