import type { StepRecord, StopReason } from './records.ts';
import type { Usage } from './usage.ts';

/** What a stop condition can look at, between steps. */
export interface RunState {
  steps: readonly StepRecord[];
  usage: Usage;
  elapsedMs: number;
}

/**
 * A composable reason to stop, checked before each model call. Budgets are stop conditions too,
 * so custom ones sit beside them: `stopWhen: [hasToolCall('submit')]`.
 */
export interface StopCondition {
  reason: StopReason;
  /** Says which limit was reached, for the run result. */
  describe(state: RunState): string;
  isMet(state: RunState): boolean;
}

export function stepCountIs(maxSteps: number): StopCondition {
  return {
    reason: 'max_steps',
    describe: () => `The run reached its limit of ${maxSteps} steps without a final answer.`,
    isMet: ({ steps }) => steps.length >= maxSteps,
  };
}

export function tokenCountIs(maxTokens: number): StopCondition {
  return {
    reason: 'max_tokens',
    describe: ({ usage }) => `The run used ${usage.totalTokens} tokens, reaching its limit of ${maxTokens}.`,
    isMet: ({ usage }) => usage.totalTokens >= maxTokens,
  };
}

export function costIs(maxCostUsd: number): StopCondition {
  return {
    reason: 'max_cost',
    describe: ({ usage }) => `The run cost $${(usage.costUsd ?? 0).toFixed(6)}, reaching its limit of $${maxCostUsd}.`,
    isMet: ({ usage }) => (usage.costUsd ?? 0) >= maxCostUsd,
  };
}

/** Stops (as `final`) once the model has called the named tool, e.g. a `submit` tool. */
export function hasToolCall(name: string): StopCondition {
  return {
    reason: 'final',
    describe: () => `The model called "${name}".`,
    isMet: ({ steps }) => steps.at(-1)?.toolCalls.some((call) => call.name === name && call.error === undefined) ?? false,
  };
}
