import {conflict, SystemPromptError, ExitCode, type Actor, type Logger, type RegisteredTool} from '@systemprompt/core';
import {Agent} from '../entities.js';
import type {AgentService} from './agents.js';
import {FINAL, type TaskStore} from './task-store.js';
import type {TaskService} from './tasks.js';
import {taskView, type TaskView} from './views.js';

/** How long the list of agents' tools is reused before the agents table is read again. */
const TTL_MS = 2000;

export const agentToolName = (agent: string): string => `agents_run_${agent}`;

const INPUT_SCHEMA = {
  type: 'object',
  properties: {
    task: {type: 'string', minLength: 1, maxLength: 100_000, description: 'What the agent should do.'},
    input: {type: 'object', description: 'Data for the task (JSON object), given to the agent with the text.'},
  },
  required: ['task'],
  additionalProperties: false,
} as const;

/**
 * Every agent as an MCP tool of the OS, `agents_run_NAME`: an MCP client delegates a task to it and
 * gets its answer. Calling it takes agents:execute and the right to act as the agent's user (the
 * same checks as agents:assign); the task runs on the server's workers like any other, recorded.
 */
export class AgentTools {
  private cached: {at: number; signature: string; tools: readonly RegisteredTool[]} | undefined;

  constructor(
    private readonly store: TaskStore,
    private readonly agents: AgentService,
    private readonly tasks: TaskService,
    private readonly settings: {pollMs: number},
    private readonly logger: Logger,
  ) {}

  /** The catalogue's source: the same array while the agents are the same. */
  readonly source = async (): Promise<readonly RegisteredTool[]> => {
    const now = Date.now();
    if (this.cached && now - this.cached.at < TTL_MS) return this.cached.tools;
    let rows: Array<{name: string; description: string | null}>;
    try {
      rows = await this.store.db
        .repository(Agent)
        .find({select: {name: true, description: true}, order: {name: 'ASC'}});
    } catch (error) {
      // The table may not exist yet (modules booted before migrations ran): no agent tools then.
      this.logger.debug({err: error}, 'agent tools not listed');
      rows = [];
    }
    const signature = JSON.stringify(rows);
    if (this.cached?.signature !== signature)
      this.cached = {at: now, signature, tools: rows.map((row) => this.toolOf(row.name, row.description))};
    else this.cached.at = now;
    return this.cached.tools;
  };

  private toolOf(name: string, description: string | null): RegisteredTool {
    return {
      module: 'agents',
      name: agentToolName(name),
      title: `Agent ${name}`,
      description: `Delegate a task to the agent ${name}${description ? ` (${description})` : ''} and get its answer. It works with its own user's permissions; every step is recorded (agents:logs).`,
      permission: 'agents:execute',
      inputSchema: INPUT_SCHEMA,
      handler: (input, {actor, signal}) => this.run(actor, name, input, signal),
    };
  }

  private async run(
    actor: Actor,
    name: string,
    input: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<TaskView> {
    const agent = await this.agents.require(name);
    if (agent.state !== 'started')
      throw conflict(`The agent ${name} is stopped`, {
        code: 'AGENT_STOPPED',
        hint: `Start it with agents:start ${name}.`,
      });
    const task = await this.tasks.assign(actor, name, String(input.task ?? ''), {
      ...(input.input && typeof input.input === 'object' ? {input: input.input as Record<string, unknown>} : {}),
      trigger: 'mcp',
    });
    for (;;) {
      const row = await this.store.find(task.id);
      if (!row)
        throw new SystemPromptError(`The task ${task.id} was deleted`, {
          code: 'TASK_NOT_FOUND',
          exitCode: ExitCode.NotFound,
        });
      if (FINAL.has(row.status)) {
        const view = taskView(row);
        if (row.status === 'completed') return view;
        throw new SystemPromptError(`The agent's task ${row.id} ended ${row.status}: ${row.error ?? ''}`.trim(), {
          code: 'TASK_STATE',
          exitCode: ExitCode.Conflict,
          details: {task: row.id},
        });
      }
      if (signal.aborted) return taskView(row);
      await new Promise((resolve) => setTimeout(resolve, this.settings.pollMs));
    }
  }
}
