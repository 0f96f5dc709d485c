import {commands} from '@oclif/plugin-plugins';
import type {ConcreteCommand} from '../../concrete-command.js';

const Reset = commands['plugins:reset'] as ConcreteCommand;

/** oclif's plugins:reset, with the examples every systemprompt command carries. */
export default class PluginsReset extends Reset {
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --reinstall'];
}
