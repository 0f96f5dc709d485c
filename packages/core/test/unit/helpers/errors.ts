import {expect} from 'chai';
import {SystemPromptError} from '../../../src/errors.js';

/** The SystemPromptError that `fn` throws; fails the test when it returns or throws something else. */
export function caught(fn: () => unknown): SystemPromptError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(SystemPromptError);
    return error as SystemPromptError;
  }
  expect.fail('expected a SystemPromptError to be thrown');
}

/** The SystemPromptError that `promise` rejects with; fails the test when it resolves or rejects with something else. */
export async function rejected(promise: Promise<unknown>): Promise<SystemPromptError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(SystemPromptError);
    return error as SystemPromptError;
  }
  expect.fail('expected a SystemPromptError rejection');
}
