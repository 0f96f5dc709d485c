/** The line of an npm failure that says what went wrong (npm's own "npm error ..." line), not only its exit code. */
export function npmErrorLine(error: unknown): string {
  const text = [(error as {stderr?: unknown}).stderr, error instanceof Error ? error.message : String(error)].filter((part): part is string => typeof part === 'string').join('\n');
  const lines = text.split('\n').map((line) => line.trim()).filter(Boolean);
  return lines.find((line) => /^npm (error|ERR!)/.test(line) && !/A complete log|npm (error|ERR!) *$/.test(line)) ?? lines[0] ?? 'npm failed';
}
