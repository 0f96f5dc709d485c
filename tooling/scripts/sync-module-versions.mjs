#!/usr/bin/env node
// After `changeset version` bumps package.json versions, make each module.yaml say the same version.
import {readFileSync, writeFileSync, existsSync, readdirSync} from 'node:fs';
import {join} from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const manifest = join(root, group, name, 'module.yaml');
    if (!existsSync(manifest)) continue;
    const {version} = JSON.parse(readFileSync(join(root, group, name, 'package.json'), 'utf8'));
    const text = readFileSync(manifest, 'utf8');
    const updated = text.replace(/^version:.*$/m, `version: ${version}`);
    if (updated !== text) {
      writeFileSync(manifest, updated);
      console.log(`${group}/${name}/module.yaml -> ${version}`);
    }
  }
}
