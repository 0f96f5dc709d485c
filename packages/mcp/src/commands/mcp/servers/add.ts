import {Args, Flags, dryRunFlag, invalidInput, splitCommandLine} from '@systemprompt/core';
import {McpCommand} from '../../../mcp-command.js';
import type {AddedUpstream, UpstreamPreview} from '../../../services/upstreams.js';

/** `NAME=VALUE` pairs, split at the first `=`; the value is never echoed (it is a credential). */
function headerPairs(pairs: readonly string[], flag: string): Array<[string, string]> {
  return pairs.map((pair, position) => {
    const index = pair.indexOf('=');
    if (index <= 0)
      throw invalidInput(`--${flag} number ${position + 1} is not NAME=VALUE (it has no name or no =)`, {
        code: 'UPSTREAM_HEADER_INVALID',
        hint: '--header "Authorization=Bearer TOKEN", or --header-env Authorization=VARIABLE to read the value from the environment.',
      });
    return [pair.slice(0, index).trim(), pair.slice(index + 1)];
  });
}

export default class McpServersAdd extends McpCommand<typeof McpServersAdd> {
  static override summary =
    'Add an upstream MCP server (Streamable HTTP or stdio); its tools are served as NAME__tool.';
  static override description = `Takes mcp:write. NAME is a lower-case letter, then up to 30 lower-case letters, digits or hyphens; the server's tools become NAME__tool, each behind the permission mcp:NAME__tool (grant mcp:NAME__* for all of them).

HTTP: --url is the Streamable HTTP endpoint (http or https, without credentials in it). --header NAME=VALUE (repeatable) is sent with every request; --header-env NAME=VARIABLE takes the value from an environment variable instead, so it stays out of your shell history. Header values are stored encrypted with the installation's secret key and never shown again (lists show the header names). The connection negotiates the protocol era (2026-07-28 servers, older ones through initialize).

stdio: --stdio takes the command as one string, split into the program and its arguments as a shell splits words ('single' and "double" quotes, backslash escapes; no variables, globs or pipes). The program runs with a minimal environment (PATH, HOME and the like) in the working directory of whichever process connects (this command, then the server), so give absolute paths; the command line is stored and shown in clear, so pass no secrets in it. Its standard error is kept off this command's output.

The server is contacted once to list its tools. One that cannot be reached is still added, marked unreachable, with a warning; mcp:servers:test NAME or tools:refresh tries again. --dry-run checks the name, the input and your permission and contacts nothing.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> github --url https://api.example.com/mcp --header-env Authorization=GITHUB_MCP_AUTH',
    '<%= config.bin %> <%= command.id %> docs --url http://127.0.0.1:8080/mcp --header "X-Api-Key=abc123"',
    '<%= config.bin %> <%= command.id %> everything --stdio "npx -y @modelcontextprotocol/server-everything"',
    '<%= config.bin %> <%= command.id %> files --stdio "node \'/opt/my servers/files.js\' --root /srv" --dry-run',
  ];
  static override args = {
    name: Args.string({required: true, description: 'The server name (its tools become NAME__tool).'}),
  };
  static override flags = {
    url: Flags.string({
      description: 'The Streamable HTTP endpoint of the server (http or https).',
      exclusive: ['stdio'],
    }),
    header: Flags.string({
      description: 'NAME=VALUE, an HTTP header sent with every request (repeatable; stored encrypted).',
      multiple: true,
      dependsOn: ['url'],
    }),
    'header-env': Flags.string({
      description: 'NAME=VARIABLE, a header whose value is read from the environment variable (repeatable).',
      multiple: true,
      dependsOn: ['url'],
    }),
    stdio: Flags.string({
      description: 'The command that starts a stdio server, as one string split like a shell does.',
      exclusive: ['url'],
    }),
    ...dryRunFlag,
  };

  async run(): Promise<AddedUpstream | UpstreamPreview> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const headers: Record<string, string> = {};
    for (const [name, value] of headerPairs(this.flags.header ?? [], 'header')) headers[name] = value;
    for (const [name, variable] of headerPairs(this.flags['header-env'] ?? [], 'header-env')) {
      const value = process.env[variable.trim()];
      if (value === undefined)
        throw invalidInput(`--header-env ${name}=${variable.trim()}: the environment variable is not set`, {
          code: 'UPSTREAM_HEADER_INVALID',
          hint: `Export it first, e.g. export ${variable.trim()}="Bearer ..."`,
        });
      headers[name] = value;
    }
    const command = this.flags.stdio === undefined ? undefined : splitCommandLine(this.flags.stdio);
    const {upstreams} = await this.mcp();
    const result = await upstreams.add(
      await this.actor(),
      {
        name: this.args.name,
        ...(this.flags.url === undefined ? {} : {url: this.flags.url}),
        ...(Object.keys(headers).length > 0 ? {headers} : {}),
        ...(command === undefined ? {} : {command}),
      },
      {dryRun},
    );
    if ('warning' in result && result.warning) this.warnings.push(result.warning);
    return result;
  }
}
