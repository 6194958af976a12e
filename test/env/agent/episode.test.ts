import { describe, expect, it } from 'vitest';
import { EnvironmentEpisode, episodeEnded } from '../../../src/env/agent/episode.ts';
import { FakeHousehold } from './fake-environment.ts';

const state = { steps: [], usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 }, elapsedMs: 0 };

describe('EnvironmentEpisode', () => {
  it('runs overlapping steps one at a time, in order', async () => {
    const environment = new FakeHousehold();
    const episode = new EnvironmentEpisode({ environment });
    await episode.reset({ taskId: 'pick', seed: 0 });
    const results = await Promise.all([episode.step('go to cabinet 2'), episode.step('take mug 1 from cabinet 2')]);
    expect(results.map((step) => step.record.valid)).toEqual([true, true]);
    expect(environment.sent).toEqual(['go to cabinet 2', 'take mug 1 from cabinet 2']);
    expect(episode.actions).toEqual(['go to cabinet 2', 'take mug 1 from cabinet 2']);
  });

  it('refuses to step before reset and after the end', async () => {
    const episode = new EnvironmentEpisode({ environment: new FakeHousehold({ maxSteps: 1 }) });
    await expect(episode.step('look')).rejects.toThrow('The episode has not started: call reset() first.');
    await episode.reset();
    await episode.step('look');
    await expect(episode.step('look')).rejects.toThrow('The episode is over (the step limit was reached); no more actions can be taken.');
  });

  it('is the stop condition that ends the run, as final, once the episode is over', async () => {
    const episode = new EnvironmentEpisode({ environment: new FakeHousehold({ maxSteps: 1 }) });
    const condition = episodeEnded(episode);
    await episode.reset();
    expect({ reason: condition.reason, met: condition.isMet(state) }).toEqual({ reason: 'final', met: false });
    await episode.step('look');
    expect({ met: condition.isMet(state), description: condition.describe(state) }).toEqual({
      met: true,
      description: 'The episode is over: the step limit was reached.',
    });
  });

  it('starts afresh on reset', async () => {
    const episode = new EnvironmentEpisode({ environment: new FakeHousehold() });
    await episode.reset();
    await episode.step('dance');
    await episode.reset({ seed: 1 });
    expect({ steps: episode.steps, invalid: episode.invalidActions, actions: episode.actions, taskId: episode.trajectory.taskId }).toEqual({
      steps: 0,
      invalid: 0,
      actions: [],
      taskId: 'clean/1',
    });
  });
});
