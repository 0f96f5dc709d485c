import {ExitCode, defineErrorCodes} from '@systemprompt/core/error-catalogue';

/** The mcp module's error codes (tools, prompts, resources and upstream servers). */
export default defineErrorCodes({
  TOOL_NOT_FOUND: {
    exit: ExitCode.NotFound,
    meaning: 'No tool of a module or an upstream server has that name.',
    hint: 'See tools:list (every tool) or mcp:tools:list (the tools you may call).',
  },
  TOOL_ARGUMENTS_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: "The arguments do not match the tool's input schema (or are not a JSON object).",
    hint: 'See the schema with tools:info TOOL.',
  },
  TOOL_FAILED: {
    exit: ExitCode.Unexpected,
    meaning: 'The tool answered with an error result.',
  },
  MCP_TRANSPORT_MISSING: {
    exit: ExitCode.InvalidInput,
    meaning: 'mcp:serve was run without --stdio (HTTP is served at /mcp by system:start).',
    hint: 'Run mcp:serve --stdio.',
  },
  MCP_RATE_LIMITED: {
    exit: ExitCode.Unavailable,
    meaning: "The caller's API key or role reached its rate limit.",
    hint: 'Retry after the number of seconds given; see api:limits.',
  },
  PROMPT_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'No prompt has that name.', hint: 'See prompts:list.'},
  PROMPT_EXISTS: {
    exit: ExitCode.Conflict,
    meaning: 'A prompt of that name already exists.',
    hint: 'Change it with prompts:update, or choose another name.',
  },
  PROMPT_NAME_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'A prompt name is 1 to 64 lower-case letters, digits, _ and -, starting with a letter or digit.',
  },
  PROMPT_TEXT_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning:
      "A prompt's title, description or template is empty where it is required, too long (200 characters for a title, 64 KiB otherwise), or has control or bidirectional override characters.",
  },
  PROMPT_TEMPLATE_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: "The template's {{placeholders}} and the declared arguments differ: each must have the other.",
    hint: 'Declare each placeholder with --argument NAME:DESCRIPTION (NAME?:DESCRIPTION when optional).',
  },
  PROMPT_TEMPLATE_FILE_UNREADABLE: {exit: ExitCode.InvalidInput, meaning: 'The --template-file cannot be read.'},
  PROMPT_ARGUMENTS_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning:
      "A prompt's argument is not NAME (letters, digits, _ and -), is declared twice, has a description over 500 characters, or there are more than 50.",
  },
  PROMPT_ARGUMENT_MISSING: {exit: ExitCode.InvalidInput, meaning: 'A required argument of the prompt was not given.'},
  PROMPT_ARGUMENT_UNKNOWN: {
    exit: ExitCode.InvalidInput,
    meaning: 'An argument was given that the prompt does not declare.',
    hint: 'See its arguments with prompts:get NAME.',
  },
  PROMPT_ARGUMENT_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'An argument value is not text, is longer than 100,000 characters, or --arg is not NAME=VALUE.',
  },
  PROMPT_PERMISSION_NOT_HELD: {
    exit: ExitCode.PermissionDenied,
    meaning: 'Nobody guards a prompt with, or changes one guarded by, a permission they do not hold.',
    hint: 'Choose a permission you hold (see permissions:check).',
  },
  RESOURCE_NOT_FOUND: {exit: ExitCode.NotFound, meaning: 'No resource has that URI.', hint: 'See resources:list.'},
  RESOURCE_EXISTS: {
    exit: ExitCode.Conflict,
    meaning: 'A resource with that URI (or one that differs only in letter case) already exists.',
    hint: 'Change it with resources:update, or choose another URI.',
  },
  RESOURCE_URI_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning:
      'A resource URI is a scheme, a colon and the rest: printable ASCII without spaces, at most 500 characters.',
  },
  RESOURCE_TEXT_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning:
      "A resource's name, title, description or text is empty where it is required, too long, or has control or bidirectional override characters.",
  },
  RESOURCE_CONTENT_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'A resource has its text or a file: exactly one of them.',
    hint: 'Give --text TEXT or --file PATH.',
  },
  RESOURCE_MIME_TYPE_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'Not a MIME type (type/subtype), or a binary one for a resource given as text.',
  },
  RESOURCE_FILE_OUTSIDE: {
    exit: ExitCode.InvalidInput,
    meaning:
      "A resource's file must be a path relative to the mcp data directory that stays inside it: no absolute path, no .., no symbolic link leading out.",
  },
  RESOURCE_FILE_MISSING: {
    exit: ExitCode.NotFound,
    meaning: "The resource's file does not exist in the mcp data directory.",
    hint: 'Put the file back, or point the resource at another with resources:update --file.',
  },
  RESOURCE_FILE_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: "A resource's file is not a regular file, is larger than 10 MiB, or cannot be opened.",
  },
  RESOURCE_PERMISSION_NOT_HELD: {
    exit: ExitCode.PermissionDenied,
    meaning: 'Nobody guards a resource with, or changes one guarded by, a permission they do not hold.',
    hint: 'Choose a permission you hold (see permissions:check).',
  },
  UPSTREAM_NAME_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'An upstream server name is a lower-case letter, then up to 30 lower-case letters, digits or hyphens.',
    hint: 'Its tools are served as NAME__tool, so the name keeps to these characters.',
  },
  UPSTREAM_TARGET_REQUIRED: {
    exit: ExitCode.InvalidInput,
    meaning: 'An upstream server needs exactly one of a URL (HTTP) and a command (stdio).',
    hint: 'HTTP: --url https://host/mcp [--header K=V]...; stdio: --stdio "program args...".',
  },
  UPSTREAM_URL_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The URL is not an http or https URL, is too long, or holds a user name or password.',
    hint: 'Credentials go in a header: --header "Authorization=Bearer TOKEN".',
  },
  UPSTREAM_HEADER_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning:
      'A header is not NAME=VALUE with an HTTP header name, is one the transport sets itself, is given twice, or is given for a stdio server.',
  },
  UPSTREAM_COMMAND_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The stdio command is empty, too long, or its quoting is not closed.',
    hint: 'E.g. --stdio "npx -y @modelcontextprotocol/server-everything".',
  },
  UPSTREAM_EXISTS: {
    exit: ExitCode.Conflict,
    meaning: 'An upstream MCP server of that name already exists.',
    hint: 'Choose another name, or remove it first (mcp:servers:remove NAME).',
  },
  UPSTREAM_NOT_FOUND: {
    exit: ExitCode.NotFound,
    meaning: 'No upstream MCP server has that name.',
    hint: 'See mcp:servers:list.',
  },
  UPSTREAM_UNREACHABLE: {
    exit: ExitCode.Unavailable,
    meaning:
      'The upstream MCP server cannot be reached (connection refused, HTTP error, a command that does not start an MCP server); it is marked unreachable.',
    hint: 'Check it with mcp:servers:test NAME.',
  },
  UPSTREAM_TIMEOUT: {
    exit: ExitCode.Unavailable,
    meaning: 'The upstream MCP server did not answer within mcp.upstreamTimeoutMs.',
    hint: 'Raise mcp.upstreamTimeoutMs (config:set) if the tool is slow, or check the server with mcp:servers:test.',
  },
  UPSTREAM_CALL_FAILED: {
    exit: ExitCode.Unavailable,
    meaning: 'The upstream MCP server answered a tool call with a protocol error or an unusable result.',
  },
  UPSTREAM_ARGUMENTS_INVALID: {
    exit: ExitCode.InvalidInput,
    meaning: 'The upstream MCP server refused the arguments of a call (or no longer has the tool).',
    hint: 'See the input schema with tools:info NAME__tool; tools:refresh reads the tools again.',
  },
  UPSTREAM_CANCELLED: {
    exit: ExitCode.Unavailable,
    meaning: 'A call to an upstream MCP server was cancelled (the client went away or the server stops).',
  },
});
