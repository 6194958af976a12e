import { describe, expect, it } from 'vitest';
import { collectTrajectories, formatDemonstration, formatDemonstrations, selectDemonstrations } from '../../../src/env/agent/demonstrations.ts';
import type { Policy, Trajectory } from '../../../src/env/policy.ts';
import { expertActions, FakeHousehold } from './fake-environment.ts';

function trajectory(fields: Partial<Trajectory> & { goal: string }): Trajectory {
  return { initialObservation: 'You are in the middle of a room.', steps: [{ action: 'look', observation: 'You see a room.', valid: true }], success: true, ...fields };
}

const TINY: Trajectory = {
  taskId: 'clean/1',
  taskType: 'clean',
  goal: 'put a clean mug in coffeemachine.',
  initialObservation: 'You are in the middle of a room.',
  steps: [
    { action: 'go to cabinet 2', observation: 'On the cabinet 2, you see a mug 1.', valid: true },
    { action: 'take mug 1 from cabinet 2', observation: 'You pick up the mug 1 from the cabinet 2.', valid: true },
    { action: 'go to sinkbasin 1', observation: 'You arrive at sinkbasin 1.', valid: true },
    { action: 'clean mug 1 with sinkbasin 1', observation: 'You clean the mug 1 using the sinkbasin 1.', valid: true },
    { action: 'dance', observation: 'Nothing happens.', valid: false },
    { action: 'go to coffee machine', grounded: 'go to coffeemachine 1', observation: 'You arrive at coffeemachine 1.', valid: true },
    { action: 'put mug 1 in/on coffeemachine 1', observation: 'You put the mug 1 in/on the coffeemachine 1.', valid: true },
  ],
  success: true,
};

describe('selectDemonstrations', () => {
  const pool = [
    trajectory({ taskId: 'heat/1', taskType: 'heat', goal: 'put a hot mug in coffeemachine.' }),
    trajectory({ taskId: 'clean/1', taskType: 'clean', goal: 'put a clean apple in fridge.' }),
    trajectory({ taskId: 'clean/2', taskType: 'clean', goal: 'put a clean mug in coffeemachine.' }),
    trajectory({ taskId: 'clean/3', taskType: 'clean', goal: 'put a clean mug in cabinet.' }),
    trajectory({ taskId: 'clean/4', taskType: 'clean', goal: 'put a clean mug in coffeemachine.', success: false }),
  ];

  it('prefers the same family, excludes the same task and failures, and ranks by similarity', () => {
    const chosen = selectDemonstrations({ pool, task: { goal: 'put a clean mug in coffeemachine.', taskType: 'clean', taskId: 'clean/2' }, k: 3 });
    expect(chosen.map((demo) => demo.taskId)).toEqual(['clean/3', 'clean/1']);
    const two = selectDemonstrations({ pool, task: { goal: 'put a clean mug in coffeemachine.', taskType: 'clean', taskId: 'clean/9' } });
    expect(two.map((demo) => demo.taskId)).toEqual(['clean/2', 'clean/3']);
  });

  it('falls back to every family when the task family has no trajectory', () => {
    const chosen = selectDemonstrations({ pool, task: { goal: 'put a cool mug in coffeemachine.', taskType: 'cool' }, k: 1 });
    expect(chosen.map((demo) => demo.taskId)).toEqual(['clean/2']);
  });

  it('uses the initial observation as a second signal', () => {
    const rooms = [
      trajectory({ taskId: 'a', goal: 'put a mug in cabinet.', initialObservation: 'You see a bed 1 and a desk 1.' }),
      trajectory({ taskId: 'b', goal: 'put a mug in cabinet.', initialObservation: 'You see a fridge 1 and a sinkbasin 1.' }),
    ];
    const chosen = selectDemonstrations({ pool: rooms, task: { goal: 'put a mug in cabinet.', observation: 'You see a fridge 1, a sinkbasin 1.' }, k: 1 });
    expect(chosen.map((demo) => demo.taskId)).toEqual(['b']);
  });

  it('keeps within the token budget, skipping a demonstration that does not fit', () => {
    const long = trajectory({ taskId: 'long', taskType: 'clean', goal: 'put a clean mug in coffeemachine.', initialObservation: 'x'.repeat(4_000) });
    const short = trajectory({ taskId: 'short', taskType: 'clean', goal: 'put a clean cup in cabinet.' });
    const task = { goal: 'put a clean mug in coffeemachine.', taskType: 'clean' };
    expect(selectDemonstrations({ pool: [long, short], task, maxTokens: 500 }).map((demo) => demo.taskId)).toEqual(['short']);
    expect(selectDemonstrations({ pool: [long, short], task, maxTokens: 5_000 }).map((demo) => demo.taskId)).toEqual(['long', 'short']);
    expect(selectDemonstrations({ pool: [long, short], task, maxTokens: 10 })).toEqual([]);
  });
});

describe('formatDemonstration', () => {
  it('writes ReAct ALFWorld transcripts with template thoughts', () => {
    expect(formatDemonstration(TINY, { style: 'react' })).toBe(
      [
        'You are in the middle of a room.',
        'Your task is to: put a clean mug in coffeemachine.',
        '> think: To solve the task, I need to find and take a mug, then clean it with sinkbasin, then put it in coffeemachine.',
        'OK.',
        '> go to cabinet 2',
        'On the cabinet 2, you see a mug 1.',
        '> take mug 1 from cabinet 2',
        'You pick up the mug 1 from the cabinet 2.',
        '> think: Now I take a mug. Next, I need to go to sinkbasin 1 and clean it.',
        'OK.',
        '> go to sinkbasin 1',
        'You arrive at sinkbasin 1.',
        '> clean mug 1 with sinkbasin 1',
        'You clean the mug 1 using the sinkbasin 1.',
        '> dance',
        'Nothing happens.',
        '> go to coffeemachine 1',
        'You arrive at coffeemachine 1.',
        '> think: Now I put the mug in coffeemachine 1 to finish the task.',
        'OK.',
        '> put mug 1 in/on coffeemachine 1',
        'You put the mug 1 in/on the coffeemachine 1.',
      ].join('\n'),
    );
  });

  it('does not repeat the goal when the observation states it', () => {
    const stated = { ...TINY, initialObservation: 'A room.\n\nYour task is to: put a clean mug in coffeemachine.', steps: TINY.steps.slice(4, 5) };
    expect(formatDemonstration(stated, { style: 'tool' })).toBe('A room.\n\nYour task is to: put a clean mug in coffeemachine.\ndance → Nothing happens.');
    expect(formatDemonstration(stated, { style: 'react' }).split('\n').slice(0, 4)).toEqual([
      'A room.',
      '',
      'Your task is to: put a clean mug in coffeemachine.',
      '> think: To solve the task, I need to do this: put a clean mug in coffeemachine.',
    ]);
  });

  it('writes tool transcripts and plans', () => {
    const short = { ...TINY, steps: TINY.steps.slice(3, 6) };
    expect(formatDemonstration(short, { style: 'tool' })).toBe(
      'You are in the middle of a room.\nYour task is to: put a clean mug in coffeemachine.\n' +
        'clean mug 1 with sinkbasin 1 → You clean the mug 1 using the sinkbasin 1.\n' +
        'dance → Nothing happens.\n' +
        'go to coffeemachine 1 → You arrive at coffeemachine 1.',
    );
    expect(formatDemonstration(short, { style: 'plan' })).toBe(
      'Your task is to: put a clean mug in coffeemachine.\n1. clean mug 1 with sinkbasin 1\n2. go to coffeemachine 1',
    );
    expect(formatDemonstrations([short], { style: 'plan' })).toBe(`Here is an example.\n\n${formatDemonstration(short, { style: 'plan' })}`);
    expect(formatDemonstrations([], { style: 'plan' })).toBe('');
  });
});

describe('collectTrajectories', () => {
  it('plays a fresh policy for each reset', async () => {
    const scripted = (): Policy => {
      let actions: string[] = [];
      return {
        name: 'scripted',
        begin: (start) => {
          actions = expertActions({ type: start.info.taskType!, seed: Number(start.info.taskId!.split('/')[1]) });
        },
        next: () => actions.shift(),
      };
    };
    const environment = new FakeHousehold();
    const pool = await collectTrajectories({ environment, policyFor: scripted, resets: [{ taskId: 'pick', seed: 1 }, { taskId: 'clean', seed: 2 }] });
    expect(pool.map(({ taskId, success, steps }) => ({ taskId, success, steps: steps.length }))).toEqual([
      { taskId: 'pick/1', success: true, steps: 4 },
      { taskId: 'clean/2', success: true, steps: 6 },
    ]);
  });
});
