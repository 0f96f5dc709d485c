// The pending changesets (.changeset/*.md): which packages they bump, and how far.
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';

const RANK = {patch: 1, minor: 2, major: 3};

/** `{[package]: 'patch' | 'minor' | 'major'}`, the highest bump any pending changeset gives each package. */
export function pendingBumps(dir) {
  const bumps = {};
  if (!existsSync(dir)) return bumps;
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.md') || name.toLowerCase() === 'readme.md') continue;
    const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readFileSync(join(dir, name), 'utf8'));
    if (!front) continue;
    for (const line of front[1].split(/\r?\n/)) {
      const match = /^\s*(["']?)([^"'\s][^"']*?)\1\s*:\s*(["']?)(patch|minor|major)\3\s*$/.exec(line);
      if (!match) continue;
      const [, , pkg, , bump] = match;
      if ((RANK[bump] ?? 0) > (RANK[bumps[pkg]] ?? 0)) bumps[pkg] = bump;
    }
  }
  return bumps;
}
