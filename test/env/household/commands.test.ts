import { describe, expect, it } from 'vitest';
import { executeCommand, parseCommand } from '../../../src/env/household/commands.ts';
import { describeStart } from '../../../src/env/household/text.ts';
import type { World } from '../../../src/env/household/world.ts';
import { buildWorld } from './world-fixture.ts';

function kitchen(): World {
  return buildWorld({
    receptacles: {
      'countertop 1': ['apple 1', 'bread 1', 'knife 1'],
      'countertop 2': [],
      'fridge 1': { open: false, contents: ['egg 1', 'potato 2'] },
      'cabinet 2': { open: true, contents: [] },
      'cabinet 10': { open: false, contents: ['plate 1'] },
      'microwave 1': { open: false, contents: [] },
      'sinkbasin 1': ['mug 1'],
      'sidetable 1': ['book 1', 'desklamp 1'],
    },
  });
}

/** Runs commands in order and returns each one's feedback, marked when it did not apply. */
function run(world: World, ...commands: string[]): string[] {
  return commands.map((command) => {
    const { observation, valid } = executeCommand({ world, command });
    return valid ? observation : `(invalid) ${observation}`;
  });
}

describe('household commands', () => {
  it('opens with the welcome, the room (highest numbers first) and the task', () => {
    expect(describeStart(kitchen())).toEqual(
      '-= Welcome to TextWorld, ALFRED! =-\n\n' +
        'You are in the middle of a room. Looking quickly around you, you see a cabinet 10, a cabinet 2, ' +
        'a countertop 2, a countertop 1, a fridge 1, a microwave 1, a sidetable 1, and a sinkbasin 1.\n\n' +
        'Your task is to: put a apple in fridge.',
    );
  });

  it('goes to receptacles and describes them', () => {
    const world = kitchen();
    expect(run(world, 'go to fridge 1', 'go to countertop 1', 'go to cabinet 2', 'go to countertop 2', 'go to sinkbasin 1')).toEqual([
      'You arrive at fridge 1. The fridge 1 is closed.',
      'You arrive at countertop 1. On the countertop 1, you see a apple 1, a bread 1, and a knife 1.',
      'You arrive at cabinet 2. The cabinet 2 is open. In it, you see nothing.',
      'You arrive at countertop 2. On the countertop 2, you see nothing.',
      'You arrive at sinkbasin 1. On the sinkbasin 1, you see a mug 1.',
    ]);
    expect(run(world, 'go to sinkbasin 1', 'go to fridge 7', 'go to apple 1')).toEqual([
      '(invalid) Nothing happens.',
      '(invalid) Nothing happens.',
      '(invalid) Nothing happens.',
    ]);
    expect(world.agentAt?.name).toEqual('sinkbasin 1');
  });

  it('opens and closes only the receptacle the agent is at, and only when that changes something', () => {
    const world = kitchen();
    expect(run(world, 'open fridge 1', 'go to fridge 1', 'close fridge 1', 'open fridge 1', 'open fridge 1', 'close fridge 1', 'close fridge 1')).toEqual([
      '(invalid) Nothing happens.',
      'You arrive at fridge 1. The fridge 1 is closed.',
      '(invalid) Nothing happens.',
      'You open the fridge 1. The fridge 1 is open. In it, you see a egg 1, and a potato 2.',
      '(invalid) Nothing happens.',
      'You close the fridge 1.',
      '(invalid) Nothing happens.',
    ]);
    expect(run(world, 'go to countertop 1', 'open countertop 1', 'go to microwave 1', 'open microwave 1')).toEqual([
      'You arrive at countertop 1. On the countertop 1, you see a apple 1, a bread 1, and a knife 1.',
      '(invalid) Nothing happens.',
      'You arrive at microwave 1. The microwave 1 is closed.',
      'You open the microwave 1. The microwave 1 is open. In it, you see nothing.',
    ]);
  });

  it('takes one visible object at a time from where the agent stands', () => {
    const world = kitchen();
    expect(
      run(
        world,
        'take apple 1 from countertop 1',
        'go to countertop 1',
        'take apple 1 from fridge 1',
        'take egg 1 from countertop 1',
        'take apple 1 from countertop 1',
        'take bread 1 from countertop 1',
        'go to fridge 1',
        'put apple 1 in/on fridge 1',
      ),
    ).toEqual([
      '(invalid) Nothing happens.',
      'You arrive at countertop 1. On the countertop 1, you see a apple 1, a bread 1, and a knife 1.',
      '(invalid) Nothing happens.',
      '(invalid) Nothing happens.',
      'You pick up the apple 1 from the countertop 1.',
      '(invalid) Nothing happens.',
      'You arrive at fridge 1. The fridge 1 is closed.',
      '(invalid) Nothing happens.',
    ]);
    expect(run(world, 'open fridge 1', 'take egg 1 from fridge 1', 'put apple 1 in fridge 1', 'take egg 1 from fridge 1')).toEqual([
      'You open the fridge 1. The fridge 1 is open. In it, you see a egg 1, and a potato 2.',
      '(invalid) Nothing happens.',
      'You put the apple 1 in/on the fridge 1.',
      'You pick up the egg 1 from the fridge 1.',
    ]);
  });

  it('cannot take a lamp, and cannot see into a closed receptacle', () => {
    const world = kitchen();
    expect(run(world, 'go to sidetable 1', 'take desklamp 1 from sidetable 1', 'go to cabinet 10', 'take plate 1 from cabinet 10', 'examine plate 1')).toEqual([
      'You arrive at sidetable 1. On the sidetable 1, you see a book 1, and a desklamp 1.',
      '(invalid) Nothing happens.',
      'You arrive at cabinet 10. The cabinet 10 is closed.',
      '(invalid) Nothing happens.',
      '(invalid) Nothing happens.',
    ]);
  });

  it('puts with in/on, in, on, or move … to, only where the agent is', () => {
    for (const command of ['put apple 1 in/on countertop 2', 'put apple 1 in countertop 2', 'put apple 1 on countertop 2', 'move apple 1 to countertop 2']) {
      const world = kitchen();
      expect(run(world, 'go to countertop 1', 'take apple 1 from countertop 1', 'put apple 1 on countertop 2', 'go to countertop 2', command)).toEqual([
        'You arrive at countertop 1. On the countertop 1, you see a apple 1, a bread 1, and a knife 1.',
        'You pick up the apple 1 from the countertop 1.',
        '(invalid) Nothing happens.',
        'You arrive at countertop 2. On the countertop 2, you see nothing.',
        'You put the apple 1 in/on the countertop 2.',
      ]);
    }
    const world = kitchen();
    expect(run(world, 'go to countertop 2', 'put apple 1 in/on countertop 2')).toEqual([
      'You arrive at countertop 2. On the countertop 2, you see nothing.',
      '(invalid) Nothing happens.',
    ]);
  });

  it('heats at a microwave, cools at a fridge, cleans at a sinkbasin, and examine reports the state', () => {
    const world = kitchen();
    expect(
      run(
        world,
        'go to countertop 1',
        'take apple 1 from countertop 1',
        'heat apple 1 with countertop 1',
        'go to microwave 1',
        'heat bread 1 with microwave 1',
        'cool apple 1 with microwave 1',
        'examine apple 1',
        'heat apple 1 with microwave 1',
        'examine apple 1',
        'go to fridge 1',
        'cool apple 1 with fridge 1',
        'examine apple 1',
        'go to sinkbasin 1',
        'clean apple 1 with sinkbasin 1',
        'examine apple 1',
      ),
    ).toEqual([
      'You arrive at countertop 1. On the countertop 1, you see a apple 1, a bread 1, and a knife 1.',
      'You pick up the apple 1 from the countertop 1.',
      '(invalid) Nothing happens.',
      'You arrive at microwave 1. The microwave 1 is closed.',
      '(invalid) Nothing happens.',
      '(invalid) Nothing happens.',
      "There's nothing special about apple 1.",
      'You heat the apple 1 using the microwave 1.',
      'This is a hot apple 1.',
      'You arrive at fridge 1. The fridge 1 is closed.',
      'You cool the apple 1 using the fridge 1.',
      'This is a cool apple 1.',
      'You arrive at sinkbasin 1. On the sinkbasin 1, you see a mug 1.',
      'You clean the apple 1 using the sinkbasin 1.',
      'This is a cool, clean apple 1.',
    ]);
  });

  it('refuses to heat, cool or clean what the catalog does not allow, or what is not in hand', () => {
    const world = kitchen();
    expect(run(world, 'go to sidetable 1', 'take book 1 from sidetable 1', 'go to microwave 1', 'heat book 1 with microwave 1', 'go to sinkbasin 1', 'clean mug 1 with sinkbasin 1', 'clean book 1 with sinkbasin 1')).toEqual([
      'You arrive at sidetable 1. On the sidetable 1, you see a book 1, and a desklamp 1.',
      'You pick up the book 1 from the sidetable 1.',
      'You arrive at microwave 1. The microwave 1 is closed.',
      '(invalid) Nothing happens.',
      'You arrive at sinkbasin 1. On the sinkbasin 1, you see a mug 1.',
      '(invalid) Nothing happens.',
      '(invalid) Nothing happens.',
    ]);
  });

  it('slices with a knife in hand, once', () => {
    const world = kitchen();
    expect(
      run(
        world,
        'go to countertop 1',
        'slice apple 1 with knife 1',
        'take knife 1 from countertop 1',
        'slice egg 1 with knife 1',
        'slice apple 1 with knife 1',
        'slice apple 1 with knife 1',
        'examine apple 1',
      ),
    ).toEqual([
      'You arrive at countertop 1. On the countertop 1, you see a apple 1, a bread 1, and a knife 1.',
      '(invalid) Nothing happens.',
      'You pick up the knife 1 from the countertop 1.',
      '(invalid) Nothing happens.',
      'You slice the apple 1 using the knife 1.',
      '(invalid) Nothing happens.',
      'This is a sliced apple 1.',
    ]);
  });

  it('toggles a lamp where the agent is', () => {
    const world = kitchen();
    expect(run(world, 'use desklamp 1', 'go to sidetable 1', 'examine desklamp 1', 'use desklamp 1', 'examine desklamp 1', 'use desklamp 1', 'use book 1')).toEqual([
      '(invalid) Nothing happens.',
      'You arrive at sidetable 1. On the sidetable 1, you see a book 1, and a desklamp 1.',
      'The desklamp 1 is off.',
      'You turn on the desklamp 1.',
      'The desklamp 1 is on.',
      'You turn off the desklamp 1.',
      '(invalid) Nothing happens.',
    ]);
  });

  it('answers inventory, look and examine', () => {
    const world = kitchen();
    expect(
      run(
        world,
        'inventory',
        'look',
        'examine countertop 1',
        'go to countertop 1',
        'look',
        'examine countertop 1',
        'examine fridge 1',
        'examine bread 1',
        'take bread 1 from countertop 1',
        'inventory',
        'go to fridge 1',
        'examine fridge 1',
        'examine bread 1',
        'examine apple 1',
      ),
    ).toEqual([
      'You are not carrying anything.',
      'You are in the middle of a room. Looking quickly around you, you see a cabinet 10, a cabinet 2, a countertop 2, a countertop 1, a fridge 1, a microwave 1, a sidetable 1, and a sinkbasin 1.',
      '(invalid) Nothing happens.',
      'You arrive at countertop 1. On the countertop 1, you see a apple 1, a bread 1, and a knife 1.',
      'You are facing the countertop 1. Next to it, you see nothing.',
      'On the countertop 1, you see a apple 1, a bread 1, and a knife 1.',
      '(invalid) Nothing happens.',
      "There's nothing special about bread 1.",
      'You pick up the bread 1 from the countertop 1.',
      'You are carrying: a bread 1.',
      'You arrive at fridge 1. The fridge 1 is closed.',
      'The fridge 1 is closed.',
      "There's nothing special about bread 1.",
      '(invalid) Nothing happens.',
    ]);
  });

  it('tolerates case and extra whitespace, and rejects what is not in the grammar', () => {
    const world = kitchen();
    expect(run(world, '  GO   TO  Fridge 1 ', 'Open fridge 1', 'dance', 'go to', 'take egg 1', 'put egg 1 under fridge 1', '')).toEqual([
      'You arrive at fridge 1. The fridge 1 is closed.',
      'You open the fridge 1. The fridge 1 is open. In it, you see a egg 1, and a potato 2.',
      '(invalid) Nothing happens.',
      '(invalid) Nothing happens.',
      '(invalid) Nothing happens.',
      '(invalid) Nothing happens.',
      '(invalid) Nothing happens.',
    ]);
    expect(parseCommand('put  Apple 1   in/on fridge 1')).toEqual({ verb: 'put', object: 'apple 1', receptacle: 'fridge 1' });
    expect(parseCommand('move apple 1 to fridge 1')).toEqual({ verb: 'put', object: 'apple 1', receptacle: 'fridge 1' });
    expect(parseCommand('slice apple 1 with knife 1')).toEqual({ verb: 'slice', object: 'apple 1', receptacle: 'knife 1' });
  });
});
