import {invalidInput} from '@systemprompt/core';

/** What bounds one task; absent fields take the module's defaults (steps, time) or do not apply. */
export interface AgentLimits {
  /** Model calls per task. */
  maxSteps?: number;
  /** Tokens in and out per task, as the provider reports them. */
  maxTokens?: number;
  /** Wall-clock seconds per task, from its first start. */
  timeoutSeconds?: number;
  /** Cost per task, in the currency of the prices (needs both prices). */
  maxCost?: number;
  /** Price per million input tokens. */
  priceInput?: number;
  /** Price per million output tokens. */
  priceOutput?: number;
}

export const AGENT_NAME = /^[a-z][a-z0-9_-]{0,39}$/;
export const MAX_INSTRUCTIONS = 100_000;
export const MAX_TASK_TEXT = 100_000;
/** A tool name or a pattern with `*` (any run of characters): `users_*`, `github__*`, `*`. */
const TOOL_PATTERN = /^[A-Za-z0-9_*-]{1,64}$/;

const settingError = (message: string, hint?: string) =>
  invalidInput(message, {code: 'AGENT_SETTING_INVALID', ...(hint ? {hint} : {})});

export function checkAgentName(name: string): string {
  if (!AGENT_NAME.test(name))
    throw invalidInput(`Invalid agent name ${JSON.stringify(name)}`, {
      code: 'AGENT_NAME_INVALID',
      hint: 'Lower-case letters, digits, _ and - (at most 40), starting with a letter; it becomes the MCP tool agents_run_NAME.',
    });
  return name;
}

export function checkInstructions(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) throw settingError('--instructions is empty', 'Say what the agent is for and how it should work.');
  if (trimmed.length > MAX_INSTRUCTIONS)
    throw settingError(`--instructions is longer than ${MAX_INSTRUCTIONS} characters`);
  return trimmed;
}

export function checkToolPatterns(patterns: readonly string[]): string[] {
  const unique = [...new Set(patterns.map((pattern) => pattern.trim()).filter(Boolean))];
  for (const pattern of unique)
    if (!TOOL_PATTERN.test(pattern))
      throw settingError(
        `--tools: ${JSON.stringify(pattern)} is not a tool name or pattern`,
        'Tool names (users_list), patterns with * (users_*, github__*), or * for every tool the agent’s user may use.',
      );
  if (unique.length > 200) throw settingError('--tools: at most 200 names or patterns');
  return unique.sort();
}

/** Whether `name` is one of the allowed tools. */
export function toolAllowed(patterns: readonly string[], name: string): boolean {
  return patterns.some((pattern) =>
    pattern.includes('*')
      ? new RegExp(`^${pattern.replace(/[-_]/g, (c) => `\\${c}`).replace(/\*/g, '.*')}$`).test(name)
      : pattern === name,
  );
}

const whole = (flag: string, value: number | undefined, max: number) => {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw settingError(`--${flag} must be a whole number from 1 to ${max}`);
};
const positive = (flag: string, value: number | undefined) => {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < 0 || value > 1e9) throw settingError(`--${flag} must be a number ≥ 0`);
};

/** Checks limits (merged over the stored ones by the caller): ranges, and a budget only with prices. */
export function checkLimits(limits: AgentLimits): AgentLimits {
  whole('max-steps', limits.maxSteps, 1000);
  whole('max-tokens', limits.maxTokens, 100_000_000);
  whole('timeout', limits.timeoutSeconds, 604_800);
  positive('max-cost', limits.maxCost);
  positive('price-input', limits.priceInput);
  positive('price-output', limits.priceOutput);
  if (limits.maxCost !== undefined && (limits.priceInput === undefined || limits.priceOutput === undefined))
    throw settingError(
      '--max-cost needs --price-input and --price-output',
      'Give the prices per million input and output tokens, so the cost of the tokens the provider reports can be counted.',
    );
  const clean: AgentLimits = {};
  for (const key of ['maxSteps', 'maxTokens', 'timeoutSeconds', 'maxCost', 'priceInput', 'priceOutput'] as const)
    if (limits[key] !== undefined) clean[key] = limits[key];
  return clean;
}

/** Cost in micro-units of the price currency for the given tokens (0 without prices). */
export function costMicros(limits: AgentLimits, tokensIn: number, tokensOut: number): number {
  if (limits.priceInput === undefined || limits.priceOutput === undefined) return 0;
  return Math.round(tokensIn * limits.priceInput + tokensOut * limits.priceOutput);
}

/** `--timeout` values: seconds, or a number with s, m or h. */
export function parseSeconds(flag: string, value: string): number {
  const match = /^(\d+)\s*(s|m|h)?$/.exec(value.trim());
  if (!match) throw settingError(`--${flag} takes seconds, or a number with s, m or h (e.g. 90, 10m)`);
  const unit = match[2] === 'h' ? 3600 : match[2] === 'm' ? 60 : 1;
  return Number(match[1]) * unit;
}
