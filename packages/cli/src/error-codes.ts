import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The cli module's error codes. */
export default defineErrorCodes({
  COMMAND_NOT_FOUND: {
    exit: ExitCode.NotFound,
    meaning: 'No command has that id.',
    hint: 'Find it with cli:list --search WORD.',
  },
  MCP_ARGS_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'cli:mcp:call --args is not a JSON object.',
    hint: `Give a JSON object, e.g. --args '{"text": "hello"}'.`,
  },
  MCP_STDIO_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The --stdio command is empty or has an unclosed quote.',
    hint: 'E.g. --stdio "npx -y @modelcontextprotocol/server-everything".',
  },
  MCP_URL_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: '--url is not an http or https URL.',
    hint: 'Give the full endpoint, e.g. --url http://127.0.0.1:3000/mcp.',
  },
  MCP_SERVER_NOT_RUNNING: {
    exit: ExitCode.Unavailable,
    meaning: "cli:mcp:* talk to this installation's server by default, and none is running.",
    hint: 'Start it with system:start, or name another server with --url or --stdio.',
  },
  MCP_UNAUTHORIZED: {
    exit: ExitCode.PermissionDenied,
    meaning: 'The MCP server refused the credentials (HTTP 401 or 403).',
    hint: 'Give a valid --token, or for the local server sign in (auth:login) or set SYSTEMPROMPT_API_KEY.',
  },
  MCP_UNREACHABLE: {
    exit: ExitCode.Unavailable,
    meaning:
      'The MCP server cannot be reached, or the connection to it failed (or it speaks no protocol era in common).',
  },
  MCP_TIMEOUT: {exit: ExitCode.Unavailable, meaning: 'The MCP server did not answer in time.'},
  MCP_REQUEST_REJECTED: {
    exit: ExitCode.InvalidInput,
    meaning: 'The MCP server refused the request (an unknown tool, or arguments it rejects at the protocol level).',
    hint: 'See the tools and their input schemas with cli:mcp:list --json.',
  },
  MCP_TOOL_ERROR: {
    exit: ExitCode.Unexpected,
    meaning: 'The tool ran and reported an error (an isError result); its text is the message.',
  },
});
