import {invalidInput} from '../errors.js';

export interface ConfirmationInput {
  /** What will happen, as a question: "Delete user ana@example.com?" */
  question: string;
  confirmed: boolean;
  /** Machine output (JSON/YAML) must not be mixed with a prompt. */
  machineOutput: boolean;
  interactiveTerminal: boolean;
}

export type ConfirmationDecision = 'proceed' | 'ask' | 'refuse';

/**
 * Dangerous actions need consent: --confirm gives it; otherwise a person at a terminal is asked,
 * and anything else (a script, a pipe, JSON output) is refused.
 */
export function confirmationDecision(input: Omit<ConfirmationInput, 'question'>): ConfirmationDecision {
  if (input.confirmed) return 'proceed';
  if (input.interactiveTerminal && !input.machineOutput) return 'ask';
  return 'refuse';
}

export async function confirmOrThrow(input: ConfirmationInput): Promise<void> {
  const decision = confirmationDecision(input);
  if (decision === 'proceed') return;
  if (decision === 'refuse') {
    throw invalidInput(`Not confirmed: ${input.question.replace(/\?$/, '')}`, {
      code: 'CONFIRMATION_REQUIRED',
      hint: 'Add --confirm (or -y) to do it without a terminal.',
    });
  }
  const {confirm} = await import('@inquirer/prompts');
  const yes = await confirm({message: input.question, default: false});
  if (!yes) throw invalidInput('Cancelled; nothing was changed.', {code: 'CANCELLED'});
}
