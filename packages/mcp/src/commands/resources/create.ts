import {Args, Flags, dryRunFlag} from '@systemprompt/core';
import {McpCommand} from '../../mcp-command.js';
import type {ResourcePreview, ResourceView} from '../../services/resources.js';

export default class ResourcesCreate extends McpCommand<typeof ResourcesCreate> {
  static override summary =
    'Create a resource that MCP clients can list and read by URI: text, or a file of the data directory.';
  static override description = `The URI names it (a scheme, a colon and the rest: docs://guide). Its content is --text, or --file: a path relative to the mcp module's data directory (<data>/modules/mcp, where <data> is the data directory: $SYSTEMPROMPT_HOME/data, or ~/.local/share/systemprompt), which must exist and stay inside that directory (no absolute path, no .., no symbolic link leading out). The MIME type is text/plain for text, or what the file's extension suggests, unless --mime-type says otherwise; text types are served as text, others as base64.

--permission names what a caller must hold to see and read it over MCP (default resources:read); it must be a permission you hold yourself. Takes resources:write. --dry-run checks everything and creates nothing.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> docs://guide --name "User guide" --file guide.md',
    '<%= config.bin %> <%= command.id %> notes://on-call --name "On-call notes" --text "Page the SRE channel first." --permission users:read',
    '<%= config.bin %> <%= command.id %> img://logo --name Logo --file images/logo.png --dry-run --json',
  ];
  static override args = {uri: Args.string({required: true, description: 'The URI, e.g. docs://guide.'})};
  static override flags = {
    name: Flags.string({required: true, description: 'Its name (shown to MCP clients, at most 200 characters).'}),
    text: Flags.string({description: 'The content itself.', exactlyOne: ['text', 'file']}),
    file: Flags.string({description: 'A file relative to the mcp data directory.', exactlyOne: ['text', 'file']}),
    'mime-type': Flags.string({description: 'The MIME type (default text/plain, or guessed from the file extension).'}),
    title: Flags.string({description: 'A human-readable title.'}),
    description: Flags.string({description: 'What it holds.'}),
    permission: Flags.string({
      description: 'What a caller must hold to see and read it over MCP (default resources:read).',
    }),
    ...dryRunFlag,
  };

  async run(): Promise<ResourceView | ResourcePreview> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const {text, file, title, description, permission} = this.flags;
    const mimeType = this.flags['mime-type'];
    const {resources} = await this.mcp();
    return resources.create(
      await this.actor(),
      {
        uri: this.args.uri,
        name: this.flags.name,
        ...(text === undefined ? {} : {text}),
        ...(file === undefined ? {} : {file}),
        ...(mimeType === undefined ? {} : {mimeType}),
        ...(title === undefined ? {} : {title}),
        ...(description === undefined ? {} : {description}),
        ...(permission === undefined ? {} : {permission}),
      },
      {dryRun},
    );
  }
}
