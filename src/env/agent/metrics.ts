import type { EpisodeResult } from './environment-agent.ts';

/** One episode in a report: the fields every reader needs come first and are always present. */
export type EpisodeReportEntry = Omit<EpisodeResult, 'seed' | 'taskType'> & {
  seed: number | null;
  taskType: string | null;
};

/** Per task family. */
export interface TaskTypeSummary {
  episodes: number;
  successRate: number;
  avgSteps: number;
}

/** What `gantry env` prints: aggregate metrics, then every episode. */
export interface EnvironmentReport {
  episodes: number;
  successRate: number;
  /** Keyed by task type; episodes without one are under `unknown`. */
  byTaskType: Record<string, TaskTypeSummary>;
  /** Environment actions per episode. */
  avgSteps: number;
  /** Invalid actions ÷ all actions, over every episode. */
  invalidActionRate: number;
  tokens: { input: number; output: number; total: number };
  /** Mean executability of the episodes that have one (plan mode). */
  executability?: number;
  results: EpisodeReportEntry[];
}

/** The task type episodes without one are counted under. */
export const UNKNOWN_TASK_TYPE = 'unknown';

/**
 * Aggregates episode results. Rates and means are rounded to four decimals, which is as much as a
 * few hundred episodes can tell apart; an empty list gives zeros.
 */
export function summarizeEpisodes(results: readonly EpisodeResult[]): EnvironmentReport {
  const families = new Map<string, EpisodeResult[]>();
  for (const result of results) {
    const key = result.taskType ?? UNKNOWN_TASK_TYPE;
    families.set(key, [...(families.get(key) ?? []), result]);
  }
  const byTaskType: Record<string, TaskTypeSummary> = {};
  for (const key of [...families.keys()].sort()) {
    const family = families.get(key)!;
    byTaskType[key] = { episodes: family.length, successRate: successRate(family), avgSteps: averageSteps(family) };
  }
  const actions = sum(results.map((result) => result.steps));
  const planned = results.filter((result) => result.executability !== undefined);
  return {
    episodes: results.length,
    successRate: successRate(results),
    byTaskType,
    avgSteps: averageSteps(results),
    invalidActionRate: ratio(sum(results.map((result) => result.invalidActions)), actions),
    tokens: {
      input: sum(results.map((result) => result.tokens.inputTokens)),
      output: sum(results.map((result) => result.tokens.outputTokens)),
      total: sum(results.map((result) => result.tokens.totalTokens)),
    },
    ...(planned.length === 0 ? {} : { executability: ratio(sum(planned.map((result) => result.executability!)), planned.length) }),
    results: results.map(reportEntry),
  };
}

function reportEntry(result: EpisodeResult): EpisodeReportEntry {
  const { seed, taskType, goal, success, steps, actions, ...rest } = result;
  return { seed: seed ?? null, taskType: taskType ?? null, goal, success, steps, actions, ...rest };
}

function successRate(results: readonly EpisodeResult[]): number {
  return ratio(results.filter((result) => result.success).length, results.length);
}

function averageSteps(results: readonly EpisodeResult[]): number {
  return ratio(sum(results.map((result) => result.steps)), results.length);
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : Math.round((numerator / denominator) * 10_000) / 10_000;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
