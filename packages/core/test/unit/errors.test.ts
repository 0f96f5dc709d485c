import {expect} from 'chai';
import {
  ExitCode,
  SystemPromptError,
  conflict,
  invalidInput,
  isSystemPromptError,
  notFound,
  permissionDenied,
  toSystemPromptError,
  unavailable,
} from '../../src/errors.js';

describe('errors', () => {
  describe('ExitCode', () => {
    it('defines one exit code per kind of failure', () => {
      expect(ExitCode).to.deep.equal({
        Ok: 0,
        Unexpected: 1,
        InvalidInput: 2,
        NotFound: 3,
        PermissionDenied: 4,
        Conflict: 5,
        Unavailable: 6,
      });
    });
  });

  describe('helpers', () => {
    const cases = [
      {helper: invalidInput, exitCode: 2, code: 'INVALID_INPUT'},
      {helper: notFound, exitCode: 3, code: 'NOT_FOUND'},
      {helper: permissionDenied, exitCode: 4, code: 'PERMISSION_DENIED'},
      {helper: conflict, exitCode: 5, code: 'CONFLICT'},
      {helper: unavailable, exitCode: 6, code: 'UNAVAILABLE'},
    ];

    for (const {helper, exitCode, code} of cases) {
      it(`gives exit code ${exitCode} and the default code ${code}`, () => {
        const error = helper('it went wrong');
        expect(error).to.be.instanceOf(SystemPromptError);
        expect(error).to.be.instanceOf(Error);
        expect(error.name).to.equal('SystemPromptError');
        expect(error.message).to.equal('it went wrong');
        expect(error.exitCode).to.equal(exitCode);
        expect(error.code).to.equal(code);
        expect(error.hint).to.equal(undefined);
        expect(error.details).to.equal(undefined);
      });
    }

    it('keeps a custom code, the hint, the details and the cause, but never a custom exit code', () => {
      const cause = new Error('socket closed');
      const error = notFound('User ana not found', {
        code: 'USER_NOT_FOUND',
        hint: 'List users with "user:list".',
        details: {user: 'ana'},
        cause,
      });
      expect(error.code).to.equal('USER_NOT_FOUND');
      expect(error.exitCode).to.equal(3);
      expect(error.hint).to.equal('List users with "user:list".');
      expect(error.details).to.deep.equal({user: 'ana'});
      expect(error.cause).to.equal(cause);
    });

    it('sets no cause when none is given', () => {
      expect('cause' in conflict('busy')).to.equal(false);
    });
  });

  describe('isSystemPromptError', () => {
    it('recognises a SystemPromptError', () => {
      expect(isSystemPromptError(unavailable('down'))).to.equal(true);
    });

    it('recognises a look-alike error from another copy of core', () => {
      class ForeignSystemPromptError extends Error {
        readonly code = 'FOREIGN';
        readonly exitCode = 4;
      }
      expect(isSystemPromptError(new ForeignSystemPromptError('denied'))).to.equal(true);
    });

    it('rejects plain errors, non-errors and shapes with the wrong types', () => {
      expect(isSystemPromptError(new Error('plain'))).to.equal(false);
      expect(isSystemPromptError({code: 'X', exitCode: 2, message: 'not an Error'})).to.equal(false);
      expect(isSystemPromptError(Object.assign(new Error('x'), {code: 'X', exitCode: '2'}))).to.equal(false);
      expect(isSystemPromptError(Object.assign(new Error('x'), {code: 42, exitCode: 2}))).to.equal(false);
      expect(isSystemPromptError(null)).to.equal(false);
      expect(isSystemPromptError('error')).to.equal(false);
    });
  });

  describe('toSystemPromptError', () => {
    it('returns a SystemPromptError unchanged', () => {
      const error = permissionDenied('no');
      expect(toSystemPromptError(error)).to.equal(error);
    });

    it('returns a look-alike from another copy of core unchanged', () => {
      const foreign = Object.assign(new Error('busy'), {code: 'LOCKED', exitCode: 5});
      expect(toSystemPromptError(foreign)).to.equal(foreign);
    });

    it('turns a plain error into exit 1 with code UNEXPECTED, keeping its message and cause', () => {
      const original = new TypeError('x is not a function');
      const error = toSystemPromptError(original);
      expect(error).to.be.instanceOf(SystemPromptError);
      expect(error.exitCode).to.equal(1);
      expect(error.code).to.equal('UNEXPECTED');
      expect(error.message).to.equal('x is not a function');
      expect(error.cause).to.equal(original);
    });

    it('turns a thrown non-error into exit 1 with its text as the message', () => {
      const error = toSystemPromptError('disk full');
      expect(error.exitCode).to.equal(1);
      expect(error.code).to.equal('UNEXPECTED');
      expect(error.message).to.equal('disk full');
    });

    it('says "Unexpected error" when there is no message', () => {
      expect(toSystemPromptError(new Error('')).message).to.equal('Unexpected error');
      expect(toSystemPromptError('').message).to.equal('Unexpected error');
    });
  });
});
