import {Flags} from '@systemprompt/core';

/** The passphrase of an encrypted backup: from a file or an environment variable, never a flag value. */
export const passphraseFlags = {
  'passphrase-file': Flags.string({
    description: 'Read the passphrase from the first line of this file (at least 8 characters).',
    exclusive: ['passphrase-env'],
  }),
  'passphrase-env': Flags.string({
    description: 'Read the passphrase from this environment variable.',
    exclusive: ['passphrase-file'],
  }),
};

/** Progress lines on a terminal only (silent when piped, with --json or --quiet). */
export const terminalProgress =
  (enabled: boolean) =>
  (message: string): void => {
    if (enabled && process.stderr.isTTY) process.stderr.write(`${message}...\n`);
  };
