import {BaseModule, packageVersionOf, type HealthStatus, type ModuleContext} from '@systemprompt/core';
import type {LoggerProvider} from '@systemprompt/core/kernel';
import {createLogging, type Logging} from './logging.js';
import {pruneRotatedFiles} from './rotating-file.js';
import type {LoggerConfig} from './generated/config.js';

export {createLogging, logFileDirectory, type Logging, type LoggingOptions} from './logging.js';
export type {LoggerConfig} from './generated/config.js';
export {
  followLogRecords,
  readLogRecords,
  type FollowLogOptions,
  type LogRecord,
  type ReadLogOptions,
} from './read-logs.js';

/** The logger module: every other module's context logger is a child of the logger it builds. */
export class LoggerModule extends BaseModule<LoggerConfig> {
  readonly name = 'logger';
  readonly version = packageVersionOf(import.meta.url);
  readonly type = 'core' as const;
  private logging: Logging | undefined;

  override async initialize(context: ModuleContext<LoggerConfig>): Promise<void> {
    await super.initialize(context);
    const config = context.config;
    this.logging = await createLogging({
      dataDirectory: context.paths.data,
      level: config.level,
      consoleLevel: config.consoleLevel,
      maxSize: config.maxSize,
      maxFiles: config.maxFiles,
    });
    const file = this.logging.file;
    context.retention.add({
      name: 'logs',
      description: 'Rotated log files (the current file stays)',
      keepDays: config.retentionDays,
      setting: 'logger.retentionDays',
      prune: async (before, options) => pruneRotatedFiles(file, before, options),
    });
    const provider: LoggerProvider = {forModule: (name) => this.logging!.root.child({module: name})};
    context.provide(provider);
  }

  override async stop(): Promise<void> {
    await this.logging?.close();
    this.logging = undefined;
  }

  override async healthCheck(): Promise<HealthStatus> {
    return this.logging ? {healthy: true, message: this.logging.file} : {healthy: false, message: 'not initialized'};
  }
}

export default (): LoggerModule => new LoggerModule();
