import type {Logger} from './module.js';

const noop = () => {};

/** A logger that drops everything: for code that runs before (or without) the logger module. */
export const silentLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => silentLogger,
};
