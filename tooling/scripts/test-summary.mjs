#!/usr/bin/env node
// Sums mocha's "N passing / N failing / N pending" lines of a whole run into one closing line.
import {readFileSync} from 'node:fs';

const text = readFileSync(process.argv[2], 'utf8').replace(/\u001B\[[0-9;]*m/g, '');
const sum = (word) =>
  [...text.matchAll(new RegExp(`^.*?(\\d+) ${word}\\b`, 'gm'))].reduce((total, match) => total + Number(match[1]), 0);
const passed = sum('passing');
const failed = sum('failing');
const skipped = sum('pending');
console.log(`\nTests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
