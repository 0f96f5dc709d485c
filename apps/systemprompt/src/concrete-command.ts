import type {Command, Config} from '@oclif/core';

/**
 * A command class whose instances can run. Re-exported oclif plugin commands are typed through
 * their own package's internal files, which TypeScript will not name in this package.
 */
export type ConcreteCommand = (new (argv: string[], config: Config) => Command & {run(): Promise<unknown>}) &
  Omit<typeof Command, 'prototype'>;
