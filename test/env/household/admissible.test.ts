import { describe, expect, it } from 'vitest';
import { GoToCache, admissibleActions, compareActions } from '../../../src/env/household/admissible.ts';
import { executeCommand } from '../../../src/env/household/commands.ts';
import { generateWorld } from '../../../src/env/household/layout.ts';
import { createRandom } from '../../../src/env/household/random.ts';
import { TASK_TYPES } from '../../../src/env/household/tasks.ts';
import { cloneWorld, type World } from '../../../src/env/household/world.ts';
import { buildWorld } from './world-fixture.ts';

const admissible = (world: World) => admissibleActions({ world, goTo: new GoToCache(world) });

/**
 * Commands the grammar can form from the world's names: every form for the objects and receptacles
 * near the agent, and a fixed sample of the rest (the full cross product is too slow to step).
 */
function candidateCommands(world: World): string[] {
  const here = world.agentAt;
  const near = new Set(world.items.filter((item) => item.location === here || item === world.holding));
  for (let i = 0; i < world.items.length; i += 7) near.add(world.items[i] as (typeof world.items)[number]);
  const places = new Set([here, ...world.receptacles.filter((_, index) => index % 5 === 0)].filter((r) => r !== undefined));
  const knives = new Set([world.holding, ...world.items.filter((item) => item.kind.slicer)].filter((item) => item !== undefined));
  const commands = new Set<string>(['inventory', 'look']);
  for (const r of world.receptacles) {
    commands.add(`go to ${r.name}`).add(`open ${r.name}`).add(`close ${r.name}`).add(`examine ${r.name}`);
    for (const item of near) for (const verb of ['heat', 'cool', 'clean']) commands.add(`${verb} ${item.name} with ${r.name}`);
  }
  for (const item of world.items) commands.add(`examine ${item.name}`).add(`use ${item.name}`);
  for (const item of near) {
    for (const r of places) commands.add(`take ${item.name} from ${r.name}`).add(`put ${item.name} in/on ${r.name}`);
    for (const knife of knives) commands.add(`slice ${item.name} with ${knife.name}`);
  }
  return [...commands];
}

describe('admissible actions', () => {
  it('lists exactly what applies, in order, for a hand-written kitchen', () => {
    const world = buildWorld({
      receptacles: {
        'countertop 1': ['apple 1', 'knife 1'],
        'fridge 1': { open: false, contents: ['egg 1'] },
        'microwave 1': { open: true, contents: [] },
        'sidetable 1': ['desklamp 1'],
      },
    });
    expect(admissible(world)).toEqual(['go to countertop 1', 'go to fridge 1', 'go to microwave 1', 'go to sidetable 1', 'inventory', 'look']);
    executeCommand({ world, command: 'go to countertop 1' });
    expect(admissible(world)).toEqual([
      'examine apple 1',
      'examine countertop 1',
      'examine knife 1',
      'go to fridge 1',
      'go to microwave 1',
      'go to sidetable 1',
      'inventory',
      'look',
      'take apple 1 from countertop 1',
      'take knife 1 from countertop 1',
    ]);
    executeCommand({ world, command: 'take knife 1 from countertop 1' });
    expect(admissible(world)).toEqual([
      'examine apple 1',
      'examine countertop 1',
      'examine knife 1',
      'go to fridge 1',
      'go to microwave 1',
      'go to sidetable 1',
      'inventory',
      'look',
      'put knife 1 in/on countertop 1',
      'slice apple 1 with knife 1',
    ]);
    executeCommand({ world, command: 'slice apple 1 with knife 1' });
    expect(admissible(world).filter((action) => action.startsWith('slice'))).toEqual([]);
    executeCommand({ world, command: 'put knife 1 in/on countertop 1' });
    executeCommand({ world, command: 'take apple 1 from countertop 1' });
    executeCommand({ world, command: 'go to microwave 1' });
    expect(admissible(world)).toEqual([
      'close microwave 1',
      'examine apple 1',
      'examine microwave 1',
      'go to countertop 1',
      'go to fridge 1',
      'go to sidetable 1',
      'heat apple 1 with microwave 1',
      'inventory',
      'look',
      'put apple 1 in/on microwave 1',
    ]);
    executeCommand({ world, command: 'go to fridge 1' });
    expect(admissible(world)).toEqual([
      'cool apple 1 with fridge 1',
      'examine apple 1',
      'examine fridge 1',
      'go to countertop 1',
      'go to microwave 1',
      'go to sidetable 1',
      'inventory',
      'look',
      'open fridge 1',
    ]);
    executeCommand({ world, command: 'go to sidetable 1' });
    expect(admissible(world)).toContain('use desklamp 1');
  });

  it('are exactly the valid commands along random walks through generated worlds', () => {
    let checkedStates = 0;
    let invalidSeen = 0;
    for (const taskType of TASK_TYPES) {
      for (const seed of [1, 2]) {
        const world = generateWorld({ taskType, seed });
        const goTo = new GoToCache(world);
        const random = createRandom(seed * 31 + taskType.length);
        for (let step = 0; step < 25; step++) {
          const actions = admissibleActions({ world, goTo });
          expect([...actions].sort(compareActions)).toEqual(actions);
          expect(new Set(actions).size).toEqual(actions.length);
          const allowed = new Set(actions);
          const candidates = candidateCommands(world);
          const mismatches: string[] = [];
          for (const command of candidates) {
            const { valid, observation } = executeCommand({ world: cloneWorld(world), command });
            if (valid !== allowed.has(command)) mismatches.push(`${command}: ${observation}`);
            if (!valid && observation !== 'Nothing happens.') mismatches.push(`${command}: ${observation}`);
            if (!valid) invalidSeen++;
          }
          expect(mismatches).toEqual([]);
          expect(actions.filter((action) => !candidates.includes(action))).toEqual([]);
          checkedStates++;
          expect(executeCommand({ world, command: random.pick(actions) }).valid).toEqual(true);
        }
      }
    }
    expect(checkedStates).toEqual(300);
    expect(invalidSeen).toBeGreaterThan(10_000);
  });

  it('orders numbers as numbers', () => {
    expect(['go to cabinet 10', 'go to cabinet 9', 'examine pencil 1', 'examine pen 2'].sort(compareActions)).toEqual([
      'examine pen 2',
      'examine pencil 1',
      'go to cabinet 9',
      'go to cabinet 10',
    ]);
  });
});
