import { describe, expect, it } from 'vitest';
import { HouseholdEnvironment } from '../../../src/env/household/household-environment.ts';
import { createRandomPolicy } from '../../../src/env/household/random-policy.ts';
import { playEpisode } from '../../../src/env/policy.ts';

describe('the household random policy', () => {
  it('only takes valid actions and rarely succeeds', async () => {
    const env = new HouseholdEnvironment();
    let successes = 0;
    let steps = 0;
    const invalid: string[] = [];
    const episodes = 120;
    for (let episode = 0; episode < episodes; episode++) {
      const taskType = HouseholdEnvironment.taskTypes()[episode % 6] as string;
      const trajectory = await playEpisode({ environment: env, policy: createRandomPolicy({ seed: episode }), reset: { taskId: `${taskType}/${episode}` } });
      if (trajectory.success) successes++;
      steps += trajectory.steps.length;
      for (const step of trajectory.steps) if (!step.valid) invalid.push(step.action);
    }
    expect(invalid).toEqual([]);
    expect(successes / episodes).toBeLessThan(0.1);
    expect(steps).toBeGreaterThan(episodes * 40);
  });

  it('repeats itself for the same seed', async () => {
    const env = new HouseholdEnvironment();
    const actions = async (seed: number) =>
      (await playEpisode({ environment: env, policy: createRandomPolicy({ seed }), reset: { taskId: 'pick/5' } })).steps.map((s) => s.action);
    expect(await actions(9)).toEqual(await actions(9));
    expect(await actions(9)).not.toEqual(await actions(10));
  });
});
