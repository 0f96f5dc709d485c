import type {CatalogueTool} from './catalogue.js';

/** A tool as the list commands show it. */
export interface ToolRow {
  name: string;
  source: 'module' | 'upstream';
  /** The module, or the upstream server. */
  provider: string;
  permission: string;
  enabled: boolean;
  available: boolean;
  description: string;
}

export const TOOL_FIELDS = ['name', 'source', 'provider', 'permission', 'enabled', 'available', 'description'] as const;

export const toolRow = (tool: CatalogueTool): ToolRow => ({
  name: tool.name,
  source: tool.source,
  provider: tool.provider,
  permission: tool.permission,
  enabled: tool.enabled,
  available: tool.available,
  description: tool.description,
});
