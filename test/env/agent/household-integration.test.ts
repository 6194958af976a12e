import { describe, expect, it } from 'vitest';
import { collectTrajectories, selectDemonstrations } from '../../../src/env/agent/demonstrations.ts';
import { runEnvironmentEpisode } from '../../../src/env/agent/environment-agent.ts';
import { summarizeEpisodes } from '../../../src/env/agent/metrics.ts';
import { createExpertPolicy } from '../../../src/env/household/expert.ts';
import { HouseholdEnvironment } from '../../../src/env/household/household-environment.ts';
import { playEpisode } from '../../../src/env/policy.ts';
import { ScriptedChatModel } from '../../../src/testing/index.ts';

const expertOf = (environment: unknown) => createExpertPolicy(environment as HouseholdEnvironment);

describe('the environment agent on the household simulator', () => {
  it('solves a task when the model replays the expert, in tools and react modes', async () => {
    const environment = new HouseholdEnvironment();
    const reset = { taskId: 'heat', seed: 11 };
    const expert = await playEpisode({ environment, policy: expertOf(environment), reset });
    expect(expert.success).toBe(true);
    const actions = expert.steps.map((step) => step.action);

    const pool = await collectTrajectories({ environment, policyFor: expertOf, resets: [1, 2, 3].map((seed) => ({ taskId: 'heat', seed })) });
    const demonstrations = selectDemonstrations({ pool, task: { goal: expert.goal, taskType: 'heat', taskId: expert.taskId }, k: 1 });
    expect(demonstrations).toHaveLength(1);

    const tools = new ScriptedChatModel({ replies: actions.map((action) => ({ toolCalls: [{ name: 'act', args: { action } }] })) });
    const viaTools = await runEnvironmentEpisode({ model: tools, environment, reset, demonstrations });
    const react = new ScriptedChatModel({ toolCalling: false, replies: ['think: I need to heat it first.', ...actions.map((action) => `> ${action}`)] });
    const viaReact = await runEnvironmentEpisode({ model: react, environment, reset, mode: 'react', demonstrations });

    for (const result of [viaTools, viaReact]) {
      expect({ success: result.success, steps: result.steps, invalidActions: result.invalidActions, actions: result.actions, stopReason: result.stopReason }).toEqual({
        success: true,
        steps: actions.length,
        invalidActions: 0,
        actions,
        stopReason: 'final',
      });
    }
    expect(react.requests[0]!.messages[0]!.text).toContain('> think: To solve the task, I need to find and take');
    const report = summarizeEpisodes([viaTools, viaReact]);
    expect({ episodes: report.episodes, successRate: report.successRate, byTaskType: report.byTaskType }).toEqual({
      episodes: 2,
      successRate: 1,
      byTaskType: { heat: { episodes: 2, successRate: 1, avgSteps: actions.length } },
    });
  });
});
