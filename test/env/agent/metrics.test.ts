import { describe, expect, it } from 'vitest';
import type { EpisodeResult } from '../../../src/env/agent/environment-agent.ts';
import { summarizeEpisodes } from '../../../src/env/agent/metrics.ts';

function result(fields: Partial<EpisodeResult>): EpisodeResult {
  return {
    goal: 'put a mug in coffeemachine.',
    success: false,
    steps: 0,
    invalidActions: 0,
    actions: [],
    groundings: [],
    tokens: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    ...fields,
  };
}

describe('summarizeEpisodes', () => {
  it('aggregates success, steps, invalid actions and tokens, overall and per task type', () => {
    const results = [
      result({ seed: 1, taskType: 'pick', success: true, steps: 4, invalidActions: 1, actions: ['a', 'b', 'c', 'd'], tokens: { inputTokens: 100, outputTokens: 10, totalTokens: 110 } }),
      result({ seed: 2, taskType: 'pick', success: false, steps: 10, invalidActions: 5, tokens: { inputTokens: 300, outputTokens: 20, totalTokens: 320 } }),
      result({ seed: 3, taskType: 'clean', success: true, steps: 6, invalidActions: 0 }),
      result({ steps: 0 }),
    ];
    const report = summarizeEpisodes(results);
    expect({ ...report, results: undefined }).toEqual({
      episodes: 4,
      successRate: 0.5,
      byTaskType: {
        clean: { episodes: 1, successRate: 1, avgSteps: 6 },
        pick: { episodes: 2, successRate: 0.5, avgSteps: 7 },
        unknown: { episodes: 1, successRate: 0, avgSteps: 0 },
      },
      avgSteps: 5,
      invalidActionRate: 0.3,
      tokens: { input: 400, output: 30, total: 430 },
      results: undefined,
    });
    expect(report.results[0]).toEqual({
      seed: 1,
      taskType: 'pick',
      goal: 'put a mug in coffeemachine.',
      success: true,
      steps: 4,
      actions: ['a', 'b', 'c', 'd'],
      invalidActions: 1,
      groundings: [],
      tokens: { inputTokens: 100, outputTokens: 10, totalTokens: 110 },
    });
    expect(Object.keys(report.results[3]!).slice(0, 6)).toEqual(['seed', 'taskType', 'goal', 'success', 'steps', 'actions']);
    expect({ seed: report.results[3]!.seed, taskType: report.results[3]!.taskType }).toEqual({ seed: null, taskType: null });
  });

  it('averages executability over plan-mode episodes and rounds rates', () => {
    const report = summarizeEpisodes([
      result({ taskType: 'pick', success: true, steps: 3, invalidActions: 1, executability: 2 / 3 }),
      result({ taskType: 'pick', steps: 3, executability: 1 }),
      result({ taskType: 'pick', steps: 3 }),
    ]);
    expect({ successRate: report.successRate, invalidActionRate: report.invalidActionRate, executability: report.executability }).toEqual({
      successRate: 0.3333,
      invalidActionRate: 0.1111,
      executability: 0.8333,
    });
  });

  it('gives zeros for no episodes', () => {
    expect(summarizeEpisodes([])).toEqual({
      episodes: 0,
      successRate: 0,
      byTaskType: {},
      avgSteps: 0,
      invalidActionRate: 0,
      tokens: { input: 0, output: 0, total: 0 },
      results: [],
    });
  });
});
