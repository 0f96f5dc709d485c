import {readFileSync} from 'node:fs';
import {
  ExitCode,
  Flags,
  SystemPromptCommand,
  followResult,
  invalidInput,
  liveServer,
  type Actor,
  type FollowResult,
  type OclifCommand,
} from '@systemprompt/core';
import type {AgentChanges} from './services/agents.js';
import {parseSeconds, type AgentLimits} from './services/settings.js';
import type {LogLine} from './services/views.js';
import type {AgentsApi} from './index.js';
import {AGENTS} from './token.js';

/** The flags that set an agent (agents:create, agents:config). */
export const agentSettingFlags = {
  instructions: Flags.string({char: 'i', description: 'What the agent is for and how it works (its system prompt).'}),
  'instructions-file': Flags.string({
    description: 'Read the instructions from this file.',
    exclusive: ['instructions'],
  }),
  model: Flags.string({
    char: 'm',
    description:
      "PROVIDER/MODEL from the registry (config:model), or a model name registered once (default: the registry's default).",
  }),
  tools: Flags.string({
    char: 't',
    description: 'Tools it may call: names or patterns with * (users_*, github__*, *), repeatable or comma-separated.',
    multiple: true,
    delimiter: ',',
  }),
  'max-steps': Flags.integer({
    description: 'Model calls per task (default: agents.defaultMaxSteps).',
    min: 1,
    max: 1000,
  }),
  'max-tokens': Flags.integer({description: 'Tokens in and out per task, as the provider reports them.', min: 1}),
  timeout: Flags.string({
    description: 'Wall-clock time per task: seconds, or 90s, 10m, 2h (default: agents.defaultTimeoutSeconds).',
  }),
  'max-cost': Flags.string({
    description: 'Cost per task, counted from the prices (needs --price-input and --price-output).',
  }),
  'price-input': Flags.string({description: 'Price per million input tokens (for --max-cost and the cost shown).'}),
  'price-output': Flags.string({description: 'Price per million output tokens.'}),
  as: Flags.string({
    description:
      'The user it acts as (email or id; default: you). Another user takes agents:admin and every permission they hold.',
  }),
  description: Flags.string({char: 'd', description: 'One line on what it does (shown to MCP clients with its tool).'}),
};

type SettingFlags = {
  instructions?: string | undefined;
  'instructions-file'?: string | undefined;
  model?: string | undefined;
  tools?: string[] | undefined;
  'max-steps'?: number | undefined;
  'max-tokens'?: number | undefined;
  timeout?: string | undefined;
  'max-cost'?: string | undefined;
  'price-input'?: string | undefined;
  'price-output'?: string | undefined;
  as?: string | undefined;
  description?: string | undefined;
};

const decimal = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0)
    throw invalidInput(`--${flag} must be a number ≥ 0, e.g. 2.5`, {code: 'AGENT_SETTING_INVALID'});
  return number;
};

/** The changes the flags ask for (only the flags given). */
export function changesFromFlags(flags: SettingFlags): AgentChanges {
  const changes: AgentChanges = {};
  if (flags['instructions-file'] !== undefined) {
    try {
      changes.instructions = readFileSync(flags['instructions-file'], 'utf8');
    } catch (error) {
      throw invalidInput(`--instructions-file: ${(error as Error).message}`, {code: 'AGENT_SETTING_INVALID'});
    }
  } else if (flags.instructions !== undefined) changes.instructions = flags.instructions;
  if (flags.model !== undefined) changes.model = flags.model;
  if (flags.tools !== undefined) changes.tools = flags.tools;
  if (flags.as !== undefined) changes.runAs = flags.as;
  if (flags.description !== undefined) changes.description = flags.description || null;
  const limits: AgentLimits = {};
  if (flags['max-steps'] !== undefined) limits.maxSteps = flags['max-steps'];
  if (flags['max-tokens'] !== undefined) limits.maxTokens = flags['max-tokens'];
  if (flags.timeout !== undefined) limits.timeoutSeconds = parseSeconds('timeout', flags.timeout);
  const money = {maxCost: 'max-cost', priceInput: 'price-input', priceOutput: 'price-output'} as const;
  for (const [key, flag] of Object.entries(money) as Array<[keyof typeof money, (typeof money)[keyof typeof money]]>) {
    const value = decimal(flag, flags[flag]);
    if (value !== undefined) limits[key] = value;
  }
  if (Object.keys(limits).length > 0) changes.limits = limits;
  return changes;
}

/** Base of the agents:* commands. */
export abstract class AgentsCommand<T extends typeof OclifCommand> extends SystemPromptCommand<T> {
  protected agents(): Promise<AgentsApi> {
    return this.service(AGENTS);
  }

  /** Whether this installation's server runs (its workers then run the tasks). */
  protected serverRunningHere(): boolean {
    return liveServer(this.paths.data) !== undefined;
  }

  /**
   * The agents service to assign a task with and then follow it: when this installation's server
   * runs, its workers run the task; when none does and the caller waits, this process does (every
   * enabled module booted, so the agent finds every module's tools).
   */
  protected async runner(wait: boolean): Promise<{api: AgentsApi; server: boolean}> {
    const server = this.serverRunningHere();
    return {
      api: wait && !server ? (await this.kernelWithEnabledModules()).service(AGENTS) : await this.agents(),
      server,
    };
  }

  /** Follows a task to its end (exit 1 unless it completed), working the queue here when no server runs. */
  protected async follow(
    api: AgentsApi,
    actor: Actor,
    taskId: string,
    server: boolean,
  ): Promise<FollowResult<LogLine>> {
    const lines = await api.tasks.follow(actor, taskId, {
      signal: this.stopSignal,
      work: !server,
      onEnd: (ended) => {
        if (ended.status !== 'completed') this.exitAfterOutput(ExitCode.Unexpected);
      },
    });
    return followResult([], lines);
  }
}
