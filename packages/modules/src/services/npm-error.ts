import {readFileSync, readdirSync} from 'node:fs';
import {homedir} from 'node:os';
import {join} from 'node:path';

/** npm's error lines that only qualify the one that says what happened. */
const DETAIL = /^(code|errno|syscall|path|dest|signal|command failed|A complete log)\b/;
const NPM_ERROR = /^npm (error|ERR!) +(.*)$/;
/** How many of npm's newest debug logs are searched for the failed run (npm keeps 10 by default). */
const LOGS_SEARCHED = 10;

/**
 * The line of an npm failure that says what went wrong (npm's own "npm error ..." line), not only its
 * exit code. An npm run by execFile carries its stderr. @oclif/plugin-plugins runs npm with
 * `--loglevel=silent` for plugins:install --silent, and its error says only "<node> <npm-cli.js>
 * install ... exited with code 1": then the line comes from the debug log npm wrote for that run.
 */
export function npmErrorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const stderr = (error as {stderr?: unknown} | undefined)?.stderr;
  const lines = [typeof stderr === 'string' ? stderr : '', message]
    .join('\n')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const fromOutput = meaningful(lines.map((line) => NPM_ERROR.exec(line)?.[2]));
  if (fromOutput) return `npm error ${fromOutput}`;
  const command = /^(.*npm-cli\.js|.*\bnpm) (.*) exited with code (\d+)$/.exec(lines[0] ?? '');
  if (!command) return lines[0] ?? 'npm failed';
  const fromLog = errorLineFromDebugLog(command[2]!.split(' '));
  return fromLog ? `npm error ${fromLog}` : `npm ${command[2]!.split(' ')[0]} exited with code ${command[3]}`;
}

/** The first error line that says what happened, not where or with which code. */
function meaningful(errorLines: Array<string | undefined>): string | undefined {
  return errorLines.find((line): line is string => Boolean(line?.trim()) && !DETAIL.test(line!.trim()))?.trim();
}

/** Where npm writes its debug logs: `logs-dir`, else `_logs` in its cache (from the environment or the default). */
function npmLogsDirectory(): string {
  const env = (name: string) => process.env[`npm_config_${name}`] ?? process.env[`NPM_CONFIG_${name.toUpperCase()}`];
  const cache =
    env('cache') ??
    (process.platform === 'win32' ? join(process.env.LOCALAPPDATA ?? homedir(), 'npm-cache') : join(homedir(), '.npm'));
  return env('logs_dir') ?? join(cache, '_logs');
}

/**
 * The error line in the debug log of the npm run given these arguments: the newest log whose
 * `verbose title npm <command> <specs>` words are all among them (other npm runs may have written
 * logs since).
 */
function errorLineFromDebugLog(args: string[]): string | undefined {
  const given = new Set(args);
  let names: string[];
  try {
    names = readdirSync(npmLogsDirectory())
      .filter((name) => name.endsWith('.log'))
      .sort()
      .reverse()
      .slice(0, LOGS_SEARCHED);
  } catch {
    return undefined;
  }
  for (const name of names) {
    let log: string[];
    try {
      log = readFileSync(join(npmLogsDirectory(), name), 'utf8').split('\n');
    } catch {
      continue;
    }
    const title = log.map((line) => /^\d+ verbose title npm (.*)$/.exec(line)?.[1]).find(Boolean);
    if (!title || !title.split(' ').every((word) => given.has(word))) continue;
    // Lines are "<n> error <text>"; the stack of an error repeats its number, so take each number's first line.
    const seen = new Set<string>();
    const errors = log
      .map((line) => /^(\d+) error (.*)$/.exec(line))
      .filter((match) => match && !seen.has(match[1]!) && seen.add(match[1]!));
    return meaningful(errors.map((match) => match![2]));
  }
  return undefined;
}
