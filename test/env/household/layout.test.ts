import { describe, expect, it } from 'vitest';
import { OBJECT_KINDS, ROOM_KINDS } from '../../../src/env/household/catalog.ts';
import { generateWorld } from '../../../src/env/household/layout.ts';
import { TASK_TYPES, goalHolds } from '../../../src/env/household/tasks.ts';
import type { World } from '../../../src/env/household/world.ts';

/** A plain description of a world, for comparing two of them. */
function describeWorld(world: World) {
  return {
    room: world.room,
    task: world.task,
    receptacles: world.receptacles.map((r) => `${r.name}${r.openable ? (r.isOpen ? ' (open)' : ' (closed)') : ''}: ${r.contents.map((item) => item.name).join(', ')}`),
  };
}

describe('household layouts', () => {
  it('are a pure function of task type and seed', () => {
    for (const taskType of TASK_TYPES) {
      expect(describeWorld(generateWorld({ taskType, seed: 11 }))).toEqual(describeWorld(generateWorld({ taskType, seed: 11 })));
      expect(describeWorld(generateWorld({ taskType, seed: 11 }))).not.toEqual(describeWorld(generateWorld({ taskType, seed: 12 })));
    }
  });

  it('pins one layout, so a change to the generator is a visible change', () => {
    expect(describeWorld(generateWorld({ taskType: 'examine', seed: 3 }))).toEqual({
      room: 'bedroom',
      task: { type: 'examine', objectType: 'bowl', lampType: 'desklamp', goal: 'examine the bowl with the desklamp.' },
      receptacles: expect.arrayContaining(['desk 2: bowl 1, desklamp 1, pen 2, watch 2']),
    });
  });

  it('set each task in a suitable room, with what the task needs, not already done', () => {
    const rooms = new Map<string, Set<string>>();
    for (const taskType of TASK_TYPES) {
      for (let seed = 0; seed < 150; seed++) {
        const world = generateWorld({ taskType, seed });
        const task = world.task;
        rooms.set(taskType, (rooms.get(taskType) ?? new Set()).add(world.room));
        expect(goalHolds(world)).toEqual(false);
        const ofType = world.items.filter((item) => item.type === task.objectType);
        expect(ofType.length).toBeGreaterThanOrEqual(taskType === 'pick_two' ? 2 : 1);
        if (task.type === 'examine') {
          expect(world.items.some((item) => item.type === task.lampType)).toEqual(true);
          continue;
        }
        expect(OBJECT_KINDS.get(task.objectType)?.places).toContain(task.targetType);
        expect(world.receptacles.some((r) => r.type === task.targetType)).toEqual(true);
        expect(ofType.filter((item) => item.location?.type === task.targetType)).toEqual([]);
        const appliance = { heat: 'microwave', cool: 'fridge', clean: 'sinkbasin' }[task.type as string];
        if (appliance !== undefined) expect(world.receptacles.some((r) => r.type === appliance)).toEqual(true);
      }
    }
    expect(Object.fromEntries([...rooms].map(([type, set]) => [type, [...set].sort()]))).toEqual({
      pick: ['bathroom', 'bedroom', 'kitchen', 'livingroom'],
      clean: ['bathroom', 'kitchen'],
      heat: ['kitchen'],
      cool: ['kitchen'],
      examine: ['bedroom', 'livingroom'],
      pick_two: ['bathroom', 'bedroom', 'kitchen', 'livingroom'],
    });
  });

  it('put objects only where they plausibly sit, in rooms that hold them', () => {
    for (const taskType of TASK_TYPES) {
      for (let seed = 0; seed < 50; seed++) {
        const world = generateWorld({ taskType, seed });
        const room = ROOM_KINDS.get(world.room);
        for (const item of world.items) {
          expect(item.kind.places).toContain(item.location?.type);
          expect([...(room?.objects ?? []), ...(room?.lamps ?? [])]).toContain(item.type);
        }
      }
    }
  });

  it('vary the goal phrasing with the seed', () => {
    const goals = new Set<string>();
    for (let seed = 0; seed < 40; seed++) goals.add(generateWorld({ taskType: 'heat', seed }).task.goal.split(' ')[0] as string);
    expect([...goals].sort()).toEqual(['heat', 'put']);
  });
});
