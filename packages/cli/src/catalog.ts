/**
 * What cli:list and cli:help compute, with no oclif or command-base import: the app answers them from
 * its prebuilt command table with these same functions before oclif loads.
 */
export * from './services/command-catalog.js';
export * from './services/command-list.js';
export * from './services/command-help.js';
