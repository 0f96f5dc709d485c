import {invalidInput} from '../errors.js';

/**
 * Splits a command line (a `--stdio "node server.js --flag"` value) into words as a POSIX shell
 * does, without expansions: 'single quotes' keep everything, "double quotes" take \" \\ \$ \`
 * escapes, a backslash outside quotes escapes the next character. An unclosed quote is exit 2.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index]!;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === '\\' && /["\\$`]/.test(line[index + 1] ?? '')) word += line[(index += 1)];
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\') {
      if (index + 1 < line.length) word += line[(index += 1)];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote)
    throw invalidInput(`The command line has an unclosed ${quote === '"' ? 'double' : 'single'} quote`, {
      code: 'COMMAND_LINE_INVALID',
      hint: 'Quote arguments with spaces, e.g. --stdio "node \'my server.js\'".',
    });
  if (inWord) words.push(word);
  return words;
}
