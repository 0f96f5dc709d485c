import {Table, defineMigration} from '@systemprompt/database/schema';

const text = (name: string, nullable = false) => ({name, type: 'text', isNullable: nullable});
const varchar = (name: string, length: number, extra: Record<string, unknown> = {}) => ({
  name,
  type: 'varchar',
  length: String(length),
  ...extra,
});
const stamps = [varchar('created_at', 32), varchar('updated_at', 32), varchar('updated_by', 320)];

// One DDL statement per step: MariaDB commits each, so a failed step is undone by the runner alone.
export default defineMigration({
  name: '20261202160000-create-mcp',
  steps: [
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'mcp_prompts',
            columns: [
              varchar('name', 64, {isPrimary: true}),
              varchar('title', 200, {isNullable: true}),
              text('description'),
              text('arguments'),
              text('template'),
              varchar('permission', 130),
              ...stamps,
            ],
          }),
        ),
      down: (runner) => runner.dropTable('mcp_prompts'),
    },
    {
      // The URI is the key: 500 characters fit MariaDB's 3072-byte index limit in utf8mb4 (4 × 500 = 2000).
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'mcp_resources',
            columns: [
              varchar('uri', 500, {isPrimary: true}),
              varchar('name', 200),
              varchar('title', 200, {isNullable: true}),
              text('description', true),
              varchar('mime_type', 100),
              text('text', true),
              varchar('file', 500, {isNullable: true}),
              varchar('permission', 130),
              ...stamps,
            ],
          }),
        ),
      down: (runner) => runner.dropTable('mcp_resources'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'mcp_servers',
            columns: [
              varchar('name', 32, {isPrimary: true}),
              varchar('transport', 8),
              varchar('url', 2000, {isNullable: true}),
              text('command', true),
              text('headers', true),
              varchar('status', 16),
              text('last_error', true),
              text('tools'),
              varchar('refreshed_at', 32, {isNullable: true}),
              varchar('created_at', 32),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('mcp_servers'),
    },
    {
      up: (runner) =>
        runner.createTable(
          new Table({
            name: 'mcp_tool_settings',
            columns: [
              varchar('name', 100, {isPrimary: true}),
              {name: 'enabled', type: 'boolean'},
              varchar('updated_at', 32),
              varchar('updated_by', 320),
            ],
          }),
        ),
      down: (runner) => runner.dropTable('mcp_tool_settings'),
    },
  ],
});
