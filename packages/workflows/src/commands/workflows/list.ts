import {SystemPromptCommand, listFlags, type ListResult} from '@systemprompt/core';
import {DEFINITION_LIST_FIELDS, type DefinitionSummary} from '../../services/definitions.js';
import {WORKFLOWS} from '../../token.js';

export default class WorkflowsList extends SystemPromptCommand<typeof WorkflowsList> {
  static override summary = 'List the workflows with their version and number of steps.';
  static override description =
    'Takes workflows:read. --filter and --sort take name, description, version, createdAt, updatedAt (milliseconds since the epoch), createdBy and updatedBy; --search looks in name and description.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --search report --json',
    '<%= config.bin %> <%= command.id %> --sort updatedAt --order desc --limit 10',
  ];
  static override flags = {...listFlags};
  static override columns = ['name', 'version', 'steps', 'description', 'updatedAt', 'updatedBy'];

  async run(): Promise<ListResult<DefinitionSummary>> {
    const query = this.listQuery({fields: DEFINITION_LIST_FIELDS, defaultLimit: 50});
    const {definitions} = await this.service(WORKFLOWS);
    return definitions.list(await this.actor(), query);
  }
}
