import type {Counter, Histogram, ModuleMetrics} from '@systemprompt/core';

export interface ToolCallMetrics {
  /** systemprompt_mcp_tool_calls_total{tool, outcome}. */
  calls: Counter;
  /** systemprompt_mcp_tool_call_duration_seconds{tool}. */
  duration: Histogram;
}

/** The figures of MCP tool calls, per tool and outcome (ok, error, denied, invalid, limited, unknown). */
export function toolCallMetrics(metrics: ModuleMetrics): ToolCallMetrics {
  return {
    calls: metrics.counter({
      name: 'tool_calls_total',
      help: 'MCP tool calls by tool and outcome (ok, error, denied, invalid, limited, unknown).',
      labelNames: ['tool', 'outcome'],
    }),
    duration: metrics.histogram({
      name: 'tool_call_duration_seconds',
      help: 'Duration of MCP tool calls, by tool.',
      labelNames: ['tool'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
  };
}
