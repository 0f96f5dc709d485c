import {invalidInput} from '../errors.js';

export interface PromptField {
  name: string;
  message: string;
  kind?: 'input' | 'password' | 'confirm' | 'select';
  choices?: readonly string[];
  default?: string;
  /** Returns an error message for an invalid answer, or undefined. */
  validate?: (value: string) => string | undefined;
}

export const isInteractiveTerminal = (): boolean => Boolean(process.stdin.isTTY && process.stdout.isTTY);

/** Asks for each field on the terminal (guided creation with --interactive). */
export async function promptFields(fields: readonly PromptField[]): Promise<Record<string, string | boolean>> {
  if (!isInteractiveTerminal())
    throw invalidInput('--interactive needs a terminal', {
      code: 'NO_TERMINAL',
      hint: 'Pass the values as flags instead.',
    });
  const prompts = await import('@inquirer/prompts');
  const answers: Record<string, string | boolean> = {};
  for (const field of fields) {
    const validate = (value: string) => field.validate?.(value) ?? true;
    switch (field.kind ?? 'input') {
      case 'password':
        answers[field.name] = await prompts.password({message: field.message, mask: true, validate});
        break;
      case 'confirm':
        answers[field.name] = await prompts.confirm({message: field.message, default: field.default === 'true'});
        break;
      case 'select':
        answers[field.name] = await prompts.select({
          message: field.message,
          choices: (field.choices ?? []).map((value) => ({value})),
          ...(field.default ? {default: field.default} : {}),
        });
        break;
      default:
        answers[field.name] = await prompts.input({
          message: field.message,
          validate,
          ...(field.default ? {default: field.default} : {}),
        });
    }
  }
  return answers;
}
