import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The oauth module's error codes (the authorization server, its clients and grants). */
export default defineErrorCodes({
  OAUTH_NO_SIGNING_KEY: {
    exit: ExitCode.Unavailable,
    meaning: 'The authorization server cannot sign tokens: this host has no signing key.',
    hint: 'Generate one with auth:generatekey.',
  },
  OAUTH_HOST_NOT_ALLOWED: {
    exit: ExitCode.PermissionDenied,
    meaning: 'A request named a host the authorization server does not answer for.',
    hint: 'Add the name to mcp.allowedHosts, or set mcp.publicUrl.',
  },
  OAUTH_FORM_INVALID: {exit: ExitCode.InvalidInput, meaning: 'A sign-in or consent form was not a form or too large.'},
  OAUTH_CLIENT_NOT_FOUND: {
    exit: ExitCode.NotFound,
    meaning: 'No registered OAuth client has that id.',
    hint: 'See auth:clients.',
  },
  OAUTH_GRANT_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'No grant has that id.', hint: 'See auth:grants.'},
  OAUTH_USER_REQUIRED: {
    exit: ExitCode.InvalidInput,
    meaning: 'auth:grants lists the grants of a user: sign in, or name one with --user (or --all).',
  },
});
