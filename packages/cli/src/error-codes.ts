import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The cli module's error codes. */
export default defineErrorCodes({
  COMMAND_NOT_FOUND: {
    exit: ExitCode.NotFound,
    meaning: 'No command has that id.',
    hint: 'Find it with cli:list --search WORD.',
  },
});
