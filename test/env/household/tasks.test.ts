import { describe, expect, it } from 'vitest';
import { HouseholdEnvironment } from '../../../src/env/household/household-environment.ts';
import { TASK_TYPE_ALIASES, phraseGoal, resolveTaskType } from '../../../src/env/household/tasks.ts';

/** Plays a hand-written sequence and returns, per step, whether the action applied and the episode was won. */
async function play(taskId: string, actions: string[]): Promise<{ goal: string; outcomes: string[] }> {
  const env = new HouseholdEnvironment();
  const { goal } = await env.reset({ taskId });
  const outcomes: string[] = [];
  for (const action of actions) {
    const result = await env.step(action);
    outcomes.push(`${result.info.valid === true ? 'ok' : 'invalid'}${result.info.won === true ? ' won' : ''}`);
  }
  return { goal, outcomes };
}

describe('household task families', () => {
  it('resolves short names and ALFWorld names', () => {
    expect(Object.keys(TASK_TYPE_ALIASES).map(resolveTaskType)).toEqual(['pick', 'clean', 'heat', 'cool', 'examine', 'pick_two']);
    expect([resolveTaskType(' Heat '), resolveTaskType('pick_two'), resolveTaskType('boil')]).toEqual(['heat', 'pick_two', undefined]);
  });

  it("phrases goals with ALFWorld's templates", () => {
    const phrase = (type: 'pick' | 'clean' | 'heat' | 'cool' | 'examine' | 'pick_two', objectType: string, place: string) =>
      [0, 1].map((template) => phraseGoal({ type, objectType, place, template }));
    expect(phrase('pick', 'spraybottle', 'toilet')).toEqual(['put a spraybottle in toilet.', 'put some spraybottle on toilet.']);
    expect(phrase('clean', 'mug', 'coffeemachine')).toEqual(['put a clean mug in coffeemachine.', 'clean some mug and put it in coffeemachine.']);
    expect(phrase('heat', 'egg', 'diningtable')).toEqual(['put a hot egg in diningtable.', 'heat some egg and put it in diningtable.']);
    expect(phrase('cool', 'pan', 'stoveburner')).toEqual(['put a cool pan in stoveburner.', 'cool some pan and put it in stoveburner.']);
    expect(phrase('examine', 'book', 'desklamp')).toEqual(['look at book under the desklamp.', 'examine the book with the desklamp.']);
    expect(phrase('pick_two', 'pillow', 'bed')).toEqual(['put two pillow in bed.', 'find two pillow and put them in bed.']);
  });

  it('pick: an object of the type in a receptacle of the target type', async () => {
    expect(await play('pick/3', ['go to desk 1', 'take mug 2 from desk 1', 'go to bed 1', 'put mug 2 in/on bed 1', 'take mug 2 from bed 1', 'go to shelf 3', 'put mug 2 in/on shelf 3'])).toEqual({
      goal: 'put some mug on shelf.',
      outcomes: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok won'],
    });
  });

  it('clean: only a cleaned object counts', async () => {
    expect(await play('clean/3', ['go to cabinet 4', 'take cloth 1 from cabinet 4', 'go to sinkbasin 1', 'put cloth 1 in/on sinkbasin 1', 'take cloth 1 from sinkbasin 1', 'clean cloth 1 with sinkbasin 1', 'put cloth 1 in/on sinkbasin 1'])).toEqual({
      goal: 'clean some cloth and put it in sinkbasin.',
      outcomes: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok won'],
    });
  });

  it('heat: an un-heated egg in the target does not count, a heated one does', async () => {
    expect(
      await play('heat/3', [
        'go to garbagecan 1',
        'take egg 1 from garbagecan 1',
        'go to sinkbasin 1',
        'put egg 1 in/on sinkbasin 1',
        'take egg 1 from sinkbasin 1',
        'go to microwave 1',
        'heat egg 1 with microwave 1',
        'go to sinkbasin 1',
        'put egg 1 in/on sinkbasin 1',
      ]),
    ).toEqual({
      goal: 'put a hot egg in sinkbasin.',
      outcomes: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok won'],
    });
  });

  it('cool: a mug put in the fridge is not cooled by it; cooling it there is', async () => {
    expect(
      await play('cool/3', [
        'go to coffeemachine 1',
        'take mug 1 from coffeemachine 1',
        'go to fridge 1',
        'open fridge 1',
        'put mug 1 in/on fridge 1',
        'take mug 1 from fridge 1',
        'cool mug 1 with fridge 1',
        'put mug 1 in/on fridge 1',
      ]),
    ).toEqual({
      goal: 'cool some mug and put it in fridge.',
      outcomes: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok won'],
    });
  });

  it('examine: holding the object where the lamp is on, not holding something else', async () => {
    expect(
      await play('examine/3', ['go to desk 2', 'use desklamp 1', 'take pen 2 from desk 2', 'put pen 2 in/on desk 2', 'take bowl 1 from desk 2']),
    ).toEqual({
      goal: 'examine the bowl with the desklamp.',
      outcomes: ['ok', 'ok', 'ok', 'ok', 'ok won'],
    });
    expect(await play('examine/3', ['go to desk 2', 'take bowl 1 from desk 2', 'go to sidetable 2', 'go to desk 2', 'use desklamp 1'])).toEqual({
      goal: 'examine the bowl with the desklamp.',
      outcomes: ['ok', 'ok', 'ok', 'ok', 'ok won'],
    });
  });

  it('pick_two: one object in the target is not enough', async () => {
    expect(
      await play('pick_two/3', [
        'go to sinkbasin 1',
        'take soapbar 1 from sinkbasin 1',
        'go to countertop 1',
        'put soapbar 1 in/on countertop 1',
        'go to cabinet 2',
        'open cabinet 2',
        'take soapbar 2 from cabinet 2',
        'go to countertop 1',
        'put soapbar 2 in/on countertop 1',
      ]),
    ).toEqual({
      goal: 'find two soapbar and put them in countertop.',
      outcomes: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok won'],
    });
  });
});
