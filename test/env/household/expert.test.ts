import { describe, expect, it } from 'vitest';
import { createExpertPolicy } from '../../../src/env/household/expert.ts';
import { HouseholdEnvironment } from '../../../src/env/household/household-environment.ts';
import { playEpisode } from '../../../src/env/policy.ts';

const SEEDS_PER_FAMILY = 200;

describe('the household expert', () => {
  it(`solves every generated task (${SEEDS_PER_FAMILY} seeds per family) with valid actions only`, async () => {
    const env = new HouseholdEnvironment();
    const failures: string[] = [];
    const longest: Record<string, number> = {};
    for (const taskType of HouseholdEnvironment.taskTypes()) {
      for (let seed = 0; seed < SEEDS_PER_FAMILY; seed++) {
        const trajectory = await playEpisode({ environment: env, policy: createExpertPolicy(env), reset: { taskId: `${taskType}/${seed}` } });
        if (!trajectory.success || trajectory.steps.some((step) => !step.valid)) failures.push(`${taskType}/${seed}`);
        longest[taskType] = Math.max(longest[taskType] ?? 0, trajectory.steps.length);
      }
    }
    expect(failures).toEqual([]);
    for (const steps of Object.values(longest)) expect(steps).toBeLessThanOrEqual(14);
  });

  it('writes the plan an ALFWorld expert would', async () => {
    const env = new HouseholdEnvironment();
    const trajectory = await playEpisode({ environment: env, policy: createExpertPolicy(env), reset: { taskId: 'pick_two/3' } });
    expect(trajectory.steps.map((step) => step.action)).toEqual([
      'go to sinkbasin 1',
      'take soapbar 1 from sinkbasin 1',
      'go to countertop 1',
      'put soapbar 1 in/on countertop 1',
      'go to cabinet 2',
      'open cabinet 2',
      'take soapbar 2 from cabinet 2',
      'go to countertop 1',
      'put soapbar 2 in/on countertop 1',
    ]);
    expect(trajectory).toMatchObject({ taskId: 'pick_two/3', taskType: 'pick_two', success: true });
  });

  it('finishes from a state it did not make: holding an unrelated object', async () => {
    const env = new HouseholdEnvironment();
    await env.reset({ taskId: 'heat/3' });
    await env.step('go to countertop 3');
    let last = await env.step('take mug 1 from countertop 3');
    const policy = createExpertPolicy(env);
    for (let i = 0; i < 20 && !last.terminated; i++) last = await env.step((await policy.next(last)) as string);
    const won = last.info.won;
    expect(won).toEqual(true);
  });
});
