import {invalidInput} from '../errors.js';

/**
 * A secret piped on standard input (`--password-stdin`, `--api-key-stdin`), trimmed. Refused on a
 * terminal (it would echo) and when empty.
 */
export async function readSecretFromStdin(what: string): Promise<string> {
  if (process.stdin.isTTY)
    throw invalidInput(
      `Pipe the ${what} on standard input (e.g. from a password manager); it is not read from a terminal`,
      {code: 'STDIN_IS_TERMINAL'},
    );
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  const value = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
    .trim();
  if (value === '') throw invalidInput(`No ${what} on standard input`, {code: 'STDIN_EMPTY'});
  return value;
}
