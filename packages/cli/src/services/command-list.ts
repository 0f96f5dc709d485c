import {applyListQuery, type ListQuery, type ListResult, type ListSpec} from '@systemprompt/core/output';
import type {CommandRow} from './command-catalog.js';

/** What cli:list sorts, filters and searches by. */
export const COMMAND_LIST_SPEC = {
  fields: ['id', 'topic', 'summary', 'aliases', 'plugin'],
  searchable: ['id', 'summary', 'aliases'],
  defaultLimit: null,
  defaultSort: 'id',
} as const satisfies ListSpec;

/** The columns of cli:list's table. */
export const COMMAND_LIST_COLUMNS = ['id', 'summary', 'aliases'] as const;

/** One page of cli:list: the commands of one topic (a topic is matched with its subtopics), or all. */
export function listCommands(
  rows: readonly CommandRow[],
  topic: string | undefined,
  query: ListQuery,
): ListResult<CommandRow> {
  const inTopic = rows.filter((row) => !topic || row.id === topic || row.id.startsWith(`${topic}:`));
  return applyListQuery(inTopic, query, {searchable: COMMAND_LIST_SPEC.searchable});
}
