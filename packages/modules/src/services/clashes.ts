import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {conflict} from '@systemprompt/core';
import type {ModuleRecord} from '@systemprompt/core/kernel';
import {installedModulesOf} from './validate-package.js';

/** The command ids a package's oclif manifest lists (none when it has no manifest: validation says so). */
export function manifestCommandIds(root: string): string[] {
  try {
    return Object.keys(
      (JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as {commands?: Record<string, unknown>})
        .commands ?? {},
    );
  } catch {
    return [];
  }
}

/**
 * Refuses (exit 5) a package whose module name is another package's module, or whose commands use a
 * topic another package's commands use: either would shadow or break what is installed. The package
 * itself (an upgrade) does not count.
 */
export function refuseClashes(
  candidate: {packageName: string; moduleName: string | null; namespaces?: readonly string[]; extracted: string},
  records: readonly ModuleRecord[],
  commands: ReadonlyArray<{id: string; pluginName?: string | undefined}>,
): void {
  const taken = installedModulesOf(records, commands, candidate.packageName);
  for (const name of candidate.moduleName ? [candidate.moduleName, ...(candidate.namespaces ?? [])] : []) {
    const owner = taken.modules.get(name);
    if (!owner) continue;
    const core = records.some((record) => record.packageName === owner && record.source === 'core');
    throw conflict(
      `The ${name === candidate.moduleName ? 'module name' : 'namespace'} "${name}" is taken by ${owner}${core ? ' (it comes with the CLI)' : ''}`,
      {
        code: 'MODULE_NAME_TAKEN',
        hint: 'A module package needs a name of its own (module.yaml "name", also its command topic).',
        details: {module: candidate.moduleName, name, takenBy: owner},
      },
    );
  }
  for (const id of manifestCommandIds(candidate.extracted)) {
    const takenBy = taken.topics.get(id.split(':')[0]!);
    if (takenBy) {
      throw conflict(`The command ${id} is in the topic "${id.split(':')[0]}" of ${takenBy}`, {
        code: 'COMMAND_TOPIC_TAKEN',
        hint: `A module's commands are in its own topic (${candidate.moduleName ?? 'its module name'}:...).`,
        details: {command: id, takenBy},
      });
    }
  }
}
