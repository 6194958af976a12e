import { describe, expect, it } from 'vitest';
import { EnvironmentError, UserError } from '../../../src/agent/errors.ts';
import { HouseholdEnvironment } from '../../../src/env/household/household-environment.ts';

describe('HouseholdEnvironment', () => {
  it('opens an episode with the room, the goal and the admissible actions', async () => {
    const env = new HouseholdEnvironment();
    const start = await env.reset({ taskId: 'cool/3' });
    expect(start.observation).toEqual(
      '-= Welcome to TextWorld, ALFRED! =-\n\nYou are in the middle of a room. Looking quickly around you, you see a cabinet 9, ' +
        'a cabinet 8, a cabinet 7, a cabinet 6, a cabinet 5, a cabinet 4, a cabinet 3, a cabinet 2, a cabinet 1, a coffeemachine 1, ' +
        'a countertop 3, a countertop 2, a countertop 1, a diningtable 1, a drawer 4, a drawer 3, a drawer 2, a drawer 1, a fridge 1, ' +
        'a garbagecan 1, a microwave 1, a sinkbasin 1, a stoveburner 2, a stoveburner 1, and a toaster 1.\n\n' +
        'Your task is to: cool some mug and put it in fridge.',
    );
    expect(start.goal).toEqual('cool some mug and put it in fridge.');
    expect(start.info).toEqual({ taskId: 'cool/3', taskType: 'cool', won: false, steps: 0 });
    expect(start.admissibleActions.slice(-4)).toEqual(['go to stoveburner 2', 'go to toaster 1', 'inventory', 'look']);
    expect(start.admissibleActions).toHaveLength(27);
  });

  it('is deterministic: the same task id gives the same episode, different seeds differ', async () => {
    const first = await new HouseholdEnvironment().reset({ taskId: 'heat/17' });
    const second = await new HouseholdEnvironment().reset({ taskId: 'heat', seed: 17 });
    expect(second).toEqual(first);
    const env = new HouseholdEnvironment();
    const observations = new Set<string>();
    for (let seed = 0; seed < 40; seed++) observations.add((await env.reset({ taskId: `pick/${seed}` })).observation);
    expect(observations.size).toEqual(40);
  });

  it('names tasks from the id, the seed, or neither', async () => {
    const env = new HouseholdEnvironment();
    const ids = [];
    for (const options of [{}, { seed: 7 }, { seed: 6 }, { taskId: 'HEAT' }, { taskId: 'pick_heat_then_place_in_recep/4' }, { taskId: 'look_at_obj_in_light', seed: 2 }]) {
      const { info } = await env.reset(options);
      ids.push(`${info.taskId} ${info.taskType}`);
    }
    expect(ids).toEqual(['pick/0 pick', 'clean/7 clean', 'pick/6 pick', 'heat/0 heat', 'heat/4 heat', 'examine/2 examine']);
    expect(HouseholdEnvironment.taskTypes()).toEqual(['pick', 'clean', 'heat', 'cool', 'examine', 'pick_two']);
  });

  it('rejects unknown task ids and bad seeds with a UserError', async () => {
    const env = new HouseholdEnvironment();
    await expect(env.reset({ taskId: 'boil/3' })).rejects.toThrowErrorMatchingInlineSnapshot(
      `[UserError: Unknown household task "boil/3". Use TYPE or TYPE/SEED, where TYPE is one of pick, clean, heat, cool, examine, pick_two (or ALFWorld's names, such as pick_heat_then_place_in_recep) and SEED a non-negative integer.]`,
    );
    await expect(env.reset({ taskId: 'heat/x' })).rejects.toThrowErrorMatchingInlineSnapshot(
      `[UserError: The seed in task id "heat/x" must be a non-negative integer.]`,
    );
    await expect(env.reset({ taskId: 'heat/3', seed: 4 })).rejects.toThrowErrorMatchingInlineSnapshot(
      `[UserError: The task id "heat/3" names seed 3 but the seed option is 4; give one of them.]`,
    );
    await expect(env.reset({ seed: -1 })).rejects.toBeInstanceOf(UserError);
    expect(() => new HouseholdEnvironment({ maxSteps: 0 })).toThrow(UserError);
  });

  it('reports each step: validity, steps, reward and the win', async () => {
    const env = new HouseholdEnvironment();
    await env.reset({ taskId: 'examine/3' });
    const results = [];
    for (const action of ['dance', 'go to desk 2', 'take bowl 1 from desk 2', 'use desklamp 1']) {
      const { observation, reward, terminated, truncated, info } = await env.step(action);
      results.push({ observation, reward, terminated, truncated, info });
    }
    const info = (steps: number, valid: boolean, won = false) => ({ taskId: 'examine/3', taskType: 'examine', won, steps, valid });
    expect(results).toEqual([
      { observation: 'Nothing happens.', reward: 0, terminated: false, truncated: false, info: info(1, false) },
      { observation: 'You arrive at desk 2. On the desk 2, you see a bowl 1, a desklamp 1, a pen 2, and a watch 2.', reward: 0, terminated: false, truncated: false, info: info(2, true) },
      { observation: 'You pick up the bowl 1 from the desk 2.', reward: 0, terminated: false, truncated: false, info: info(3, true) },
      { observation: 'You turn on the desklamp 1.', reward: 1, terminated: true, truncated: false, info: info(4, true, true) },
    ]);
    await expect(env.step('look')).rejects.toBeInstanceOf(EnvironmentError);
  });

  it('truncates at the step cap, unless the last step wins', async () => {
    const env = new HouseholdEnvironment({ maxSteps: 3 });
    await env.reset({ taskId: 'examine/3' });
    const flags = [];
    for (const action of ['look', 'inventory', 'look']) {
      const { terminated, truncated } = await env.step(action);
      flags.push([terminated, truncated]);
    }
    expect(flags).toEqual([[false, false], [false, false], [false, true]]);
    await expect(env.step('look')).rejects.toThrowErrorMatchingInlineSnapshot(
      `[EnvironmentError: The episode examine/3 has ended; call reset() to start another.]`,
    );

    await env.reset({ taskId: 'examine/3' });
    await env.step('go to desk 2');
    await env.step('take bowl 1 from desk 2');
    expect(await env.step('use desklamp 1')).toMatchObject({ terminated: true, truncated: false, reward: 1 });
    expect(new HouseholdEnvironment().maxSteps).toEqual(50);
  });

  it('refuses to step or show its state before reset', async () => {
    const env = new HouseholdEnvironment();
    await expect(env.step('look')).rejects.toThrowErrorMatchingInlineSnapshot(
      `[EnvironmentError: step() was called before reset(); call reset() to start an episode.]`,
    );
    expect(() => env.state).toThrow(EnvironmentError);
    await env.reset({ taskId: 'pick/1' });
    await env.close();
    await env.close();
    await expect(env.step('look')).rejects.toBeInstanceOf(EnvironmentError);
  });

  it('gives a snapshot that can be changed without touching the episode', async () => {
    const env = new HouseholdEnvironment();
    await env.reset({ taskId: 'pick/3' });
    const copy = env.snapshot();
    copy.agentAt = copy.receptacleByName.get('desk 1');
    copy.receptacleByName.get('desk 1')?.contents.splice(0);
    expect(env.state.agentAt).toEqual(undefined);
    const desk = env.state.receptacles.find((r) => r.name === 'desk 1');
    expect(desk?.contents.map((item) => item.name)).toEqual(['desklamp 1', 'mug 1', 'mug 2', 'mug 3', 'pen 1']);
    expect(env.state.task).toEqual({ type: 'pick', objectType: 'mug', targetType: 'shelf', goal: 'put some mug on shelf.' });
  });
});
