import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {writeFileAtomic} from '../fs-atomic.js';
import type {ModuleManifest} from '../generated/module-manifest.js';

/**
 * Parsed manifests keyed by file identity (path, size, mtime, package version). Parsing YAML costs
 * more than a whole command's start-up budget, so every command after the first reads this JSON file
 * instead; a changed module.yaml misses the cache and is parsed and validated again.
 */
export interface ManifestCacheEntry {
  key: string;
  manifest?: ModuleManifest;
  error?: {message: string; problems?: string[]};
}

const FILE = 'manifests.json';
const FORMAT = 1;

export class ManifestCache {
  private entries: Record<string, ManifestCacheEntry> = {};
  private dirty = false;

  constructor(private readonly directory: string | undefined) {
    if (!directory) return;
    try {
      const stored = JSON.parse(readFileSync(join(directory, FILE), 'utf8')) as {
        format?: number;
        entries?: Record<string, ManifestCacheEntry>;
      };
      if (stored.format === FORMAT && stored.entries) this.entries = stored.entries;
    } catch {
      // No cache yet, or an unreadable one: it is rebuilt from the manifests.
    }
  }

  get(root: string, key: string): ManifestCacheEntry | undefined {
    const entry = this.entries[root];
    return entry?.key === key ? entry : undefined;
  }

  set(root: string, entry: ManifestCacheEntry): void {
    this.entries[root] = entry;
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.directory || !this.dirty) return;
    this.dirty = false;
    try {
      await writeFileAtomic(join(this.directory, FILE), JSON.stringify({format: FORMAT, entries: this.entries}));
    } catch {
      // A read-only cache directory only costs speed.
    }
  }
}
