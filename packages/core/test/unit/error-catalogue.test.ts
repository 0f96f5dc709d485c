import {expect} from 'chai';
import {ExitCode, SystemPromptError, errorFactories, toSystemPromptError} from '../../src/errors.js';
import {defineErrorCodes, readErrorCatalogue} from '../../src/error-catalogue.js';
import coreCodes from '../../src/error-codes.js';

const failure = (run: () => unknown): SystemPromptError => {
  try {
    run();
  } catch (error) {
    return error as SystemPromptError;
  }
  throw new Error('expected a failure');
};

describe('error catalogue', () => {
  const codes = defineErrorCodes({
    NOTE_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'No note has that id.', hint: 'See notes:list.'},
    NOTE_TOO_LONG: {exit: ExitCode.InvalidInput, meaning: 'A note has at most 1000 characters.'},
  });

  describe('defineErrorCodes', () => {
    it('gives each code its name, exit code, meaning and hint', () => {
      expect({...codes.NOTE_NOT_FOUND}).to.deep.include({
        code: 'NOTE_NOT_FOUND',
        exit: 3,
        meaning: 'No note has that id.',
        hint: 'See notes:list.',
      });
      expect(Object.isFrozen(codes)).to.equal(true);
    });

    it("creates the error with the catalogue's code and exit code, and its hint unless the call gives one", () => {
      const error = codes.NOTE_NOT_FOUND.error('No note 42', {details: {id: 42}});
      expect(error).to.be.instanceOf(SystemPromptError);
      expect(error).to.include({message: 'No note 42', code: 'NOTE_NOT_FOUND', exitCode: 3, hint: 'See notes:list.'});
      expect(error.details).to.deep.equal({id: 42});
      expect(codes.NOTE_NOT_FOUND.error('No note 42', {hint: 'Try 41.'}).hint).to.equal('Try 41.');
    });

    it('uses the meaning as the message when none is given', () => {
      expect(codes.NOTE_TOO_LONG.error()).to.include({
        message: 'A note has at most 1000 characters.',
        exitCode: 2,
        hint: undefined,
      });
    });
  });

  describe('readErrorCatalogue', () => {
    it('lists the entries of a loaded catalogue module, sorted by code', () => {
      expect(readErrorCatalogue({default: codes}, 'acme/error-codes.js')).to.deep.equal([
        {code: 'NOTE_NOT_FOUND', exitCode: 3, meaning: 'No note has that id.', hint: 'See notes:list.'},
        {code: 'NOTE_TOO_LONG', exitCode: 2, meaning: 'A note has at most 1000 characters.'},
      ]);
    });

    it('refuses a module without a default export with exit 2, naming it', () => {
      const error = failure(() => readErrorCatalogue({codes}, 'acme/error-codes.js'));
      expect(error).to.include({
        code: 'ERROR_CATALOGUE_INVALID',
        exitCode: 2,
        message: 'acme/error-codes.js has no default export of error codes',
      });
    });

    it('refuses a malformed catalogue with every problem in one message', () => {
      const error = failure(() =>
        readErrorCatalogue(
          {
            default: {
              noteMissing: {exit: 3, meaning: 'x'},
              NOTE_OK: {exit: 0, meaning: 'x'},
              NOTE_EMPTY: {exit: 2, meaning: ''},
              NOTE_TWO_LINES: {exit: 2, meaning: 'a\nb'},
              NOTE_HINT: {exit: 2, meaning: 'x', hint: 3},
            },
          },
          'acme/error-codes.js',
        ),
      );
      expect(error).to.include({code: 'ERROR_CATALOGUE_INVALID', exitCode: 2});
      expect(error.message).to.equal(
        'acme/error-codes.js: noteMissing: not an error code (SCREAMING_SNAKE_CASE); NOTE_OK: exit must be one of 1, 2, 3, 4, 5, 6; NOTE_EMPTY: meaning must be one line of text; NOTE_TWO_LINES: meaning must be one line of text; NOTE_HINT: hint must be text',
      );
    });
  });

  describe("core's catalogue", () => {
    it('is a valid catalogue', () => {
      expect(readErrorCatalogue({default: coreCodes}, '@systemprompt/core/error-codes').length).to.be.greaterThan(20);
    });

    it('declares the default code of every error factory, and UNEXPECTED, with the exit code they give', () => {
      for (const [name, make] of Object.entries(errorFactories)) {
        const error = make('x');
        expect(coreCodes[error.code as keyof typeof coreCodes]?.exit, `${name}() gives ${error.code}`).to.equal(
          error.exitCode,
        );
      }
      const unexpected = toSystemPromptError(new Error('boom'));
      expect(coreCodes.UNEXPECTED.exit).to.equal(unexpected.exitCode);
    });
  });
});
