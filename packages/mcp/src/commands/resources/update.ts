import {Args, Flags, dryRunFlag} from '@systemprompt/core';
import {McpCommand} from '../../mcp-command.js';
import type {ResourcePreview, ResourceView} from '../../services/resources.js';

export default class ResourcesUpdate extends McpCommand<typeof ResourcesUpdate> {
  static override summary = "Change a resource's name, title, description, MIME type, content or permission.";
  static override description = `--text replaces a file and --file replaces text (a new file takes the MIME type its extension suggests unless --mime-type is given); the file is checked as in resources:create. --title "" and --description "" remove them.

Takes resources:write, and you must hold the resource's permission (and the new one, with --permission). --dry-run shows the resource as it would be and changes nothing.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> docs://guide --file guide-v2.md',
    '<%= config.bin %> <%= command.id %> notes://on-call --text "Page the SRE channel, then the lead."',
    '<%= config.bin %> <%= command.id %> docs://guide --permission users:read --dry-run',
  ];
  static override args = {uri: Args.string({required: true, description: 'The URI.'})};
  static override flags = {
    name: Flags.string({description: 'A new name.'}),
    text: Flags.string({description: 'New content (replaces a file).', exclusive: ['file']}),
    file: Flags.string({
      description: 'A file relative to the mcp data directory (replaces text).',
      exclusive: ['text'],
    }),
    'mime-type': Flags.string({description: 'A new MIME type.'}),
    title: Flags.string({description: 'A new title ("" removes it).'}),
    description: Flags.string({description: 'A new description ("" removes it).'}),
    permission: Flags.string({description: 'What a caller must hold to see and read it over MCP.'}),
    ...dryRunFlag,
  };

  async run(): Promise<ResourceView | ResourcePreview> {
    const dryRun = this.flags['dry-run'];
    if (dryRun) this.meta.dryRun = true;
    const {name, text, file, title, description, permission} = this.flags;
    const mimeType = this.flags['mime-type'];
    const {resources} = await this.mcp();
    return resources.update(
      await this.actor(),
      this.args.uri,
      {
        ...(name === undefined ? {} : {name}),
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
