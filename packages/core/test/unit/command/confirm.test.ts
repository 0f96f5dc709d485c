import {expect} from 'chai';
import {confirmationDecision, confirmOrThrow} from '../../../src/command/confirm.js';
import {rejected} from '../helpers/errors.js';

describe('confirmationDecision', () => {
  const cases: Array<[confirmed: boolean, interactiveTerminal: boolean, machineOutput: boolean, decision: string]> = [
    [true, true, true, 'proceed'],
    [true, true, false, 'proceed'],
    [true, false, true, 'proceed'],
    [true, false, false, 'proceed'],
    [false, true, false, 'ask'],
    [false, true, true, 'refuse'],
    [false, false, false, 'refuse'],
    [false, false, true, 'refuse'],
  ];

  for (const [confirmed, interactiveTerminal, machineOutput, decision] of cases) {
    it(`decides "${decision}" when confirmed=${confirmed}, terminal=${interactiveTerminal}, machine output=${machineOutput}`, () => {
      expect(confirmationDecision({confirmed, interactiveTerminal, machineOutput})).to.equal(decision);
    });
  }
});

describe('confirmOrThrow', () => {
  it('proceeds without asking when confirmed', async () => {
    const outcome = await confirmOrThrow({
      question: 'Delete user ana?',
      confirmed: true,
      machineOutput: false,
      interactiveTerminal: false,
    }).then(
      () => 'proceeded',
      (error: unknown) => error,
    );
    expect(outcome).to.equal('proceeded');
  });

  it('refuses without a terminal with CONFIRMATION_REQUIRED (exit 2), restating the action and hinting at --confirm', async () => {
    const error = await rejected(
      confirmOrThrow({
        question: 'Delete user ana?',
        confirmed: false,
        machineOutput: false,
        interactiveTerminal: false,
      }),
    );
    expect(error.code).to.equal('CONFIRMATION_REQUIRED');
    expect(error.exitCode).to.equal(2);
    expect(error.message).to.equal('Not confirmed: Delete user ana');
    expect(error.hint).to.include('--confirm');
  });

  it('refuses at a terminal when the output is JSON or YAML, rather than mixing in a prompt', async () => {
    const error = await rejected(
      confirmOrThrow({
        question: 'Drop the database?',
        confirmed: false,
        machineOutput: true,
        interactiveTerminal: true,
      }),
    );
    expect(error.code).to.equal('CONFIRMATION_REQUIRED');
    expect(error.exitCode).to.equal(2);
  });
});
