import { describe, expect, it } from 'vitest';
import { createActionTool, createThinkTool, formatAdmissible } from '../../../src/env/agent/action-tool.ts';
import { EnvironmentEpisode } from '../../../src/env/agent/episode.ts';
import { FakeHousehold } from './fake-environment.ts';

const callOptions = { toolCallId: 'call_1', runId: 'run_1', signal: new AbortController().signal, context: undefined };

async function startedEpisode(maxSteps?: number) {
  const environment = new FakeHousehold(maxSteps === undefined ? {} : { maxSteps });
  const episode = new EnvironmentEpisode({ environment });
  await episode.reset({ taskId: 'pick', seed: 0 });
  return { environment, episode };
}

describe('the act tool', () => {
  it('returns the observation and the admissible actions of the new state', async () => {
    const { episode } = await startedEpisode();
    const act = createActionTool({ episode });
    expect(await act.execute({ action: 'go to cabinet 2' }, callOptions)).toBe(
      'You arrive at cabinet 2. On the cabinet 2, you see a mug 1.\n' +
        'Admissible actions: go to cabinet 1, go to coffeemachine 1, go to countertop 1, go to fridge 1, go to sinkbasin 1, ' +
        'take mug 1 from cabinet 2, inventory, look',
    );
  });

  it('says first how a command was interpreted, and records the grounding in the trajectory', async () => {
    const { episode, environment } = await startedEpisode();
    const act = createActionTool({ episode, showAdmissible: false });
    expect(await act.execute({ action: 'go to the fridge' }, callOptions)).toBe(
      '(Interpreted "go to the fridge" as "go to fridge 1" (similarity).)\nYou arrive at fridge 1. On the fridge 1, you see nothing.',
    );
    expect(await act.execute({ action: 'Go to Cabinet 2.' }, callOptions)).toBe(
      '(Interpreted "Go to Cabinet 2." as "go to cabinet 2" (normalized).)\nYou arrive at cabinet 2. On the cabinet 2, you see a mug 1.',
    );
    expect(await act.execute({ action: 'fly to the moon' }, callOptions)).toBe('Nothing happens.');
    expect(environment.sent).toEqual(['go to fridge 1', 'go to cabinet 2', 'fly to the moon']);
    expect(episode.trajectory.steps).toEqual([
      { action: 'go to the fridge', grounded: 'go to fridge 1', observation: 'You arrive at fridge 1. On the fridge 1, you see nothing.', valid: true },
      { action: 'Go to Cabinet 2.', grounded: 'go to cabinet 2', observation: 'You arrive at cabinet 2. On the cabinet 2, you see a mug 1.', valid: true },
      { action: 'fly to the moon', observation: 'Nothing happens.', valid: false },
    ]);
    expect(episode.invalidActions).toBe(1);
    expect(episode.groundings.map((grounding) => grounding.method)).toEqual(['similarity', 'normalized']);
  });

  it('says when the task is done, and fails calls after the end', async () => {
    const { episode } = await startedEpisode();
    const act = createActionTool({ episode });
    for (const action of ['go to cabinet 2', 'take mug 1 from cabinet 2', 'go to coffeemachine 1']) await act.execute({ action }, callOptions);
    expect(await act.execute({ action: 'put mug 1 in/on coffeemachine 1' }, callOptions)).toBe(
      'You put the mug 1 in/on the coffeemachine 1.\nThe episode is over: the task is done.',
    );
    expect(episode.done).toBe(true);
    expect(episode.success).toBe(true);
    expect(episode.trajectory.success).toBe(true);
    expect(await act.execute({ action: 'look' }, callOptions)).toEqual({
      ok: false,
      error: 'The episode is over (the task is done); no more actions can be taken.',
    });
  });

  it('says when the step limit was reached', async () => {
    const { episode } = await startedEpisode(2);
    const act = createActionTool({ episode });
    await act.execute({ action: 'look' }, callOptions);
    expect(await act.execute({ action: 'look' }, callOptions)).toBe('You are facing the middle of the room.\nThe episode is over: the step limit was reached.');
    expect({ done: episode.done, success: episode.success, steps: episode.steps }).toEqual({ done: true, success: false, steps: 2 });
  });
});

describe('formatAdmissible', () => {
  it('cuts the list at a whole action and counts the rest', () => {
    expect(formatAdmissible({ actions: ['go to a', 'go to b', 'go to c'], maxChars: 18 })).toBe('go to a, go to b, … (1 more)');
    expect(formatAdmissible({ actions: ['go to a', 'go to b'], maxChars: 100 })).toBe('go to a, go to b');
  });
});

describe('the think tool', () => {
  it('answers OK.', async () => {
    expect(await createThinkTool().execute({ thought: 'First I need a mug.' }, callOptions)).toBe('OK.');
  });
});
