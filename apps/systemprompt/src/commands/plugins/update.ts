import {commands} from '@oclif/plugin-plugins';
import type {ConcreteCommand} from '../../concrete-command.js';

const Update = commands['plugins:update'] as ConcreteCommand;

/** oclif's plugins:update, with the examples every systemprompt command carries. */
export default class PluginsUpdate extends Update {
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --verbose'];
}
