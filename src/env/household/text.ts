/**
 * The simulator's sentences, worded exactly as ALFWorld's TextWorld feedback ("a apple 1" included:
 * ALFWorld never says "an").
 */
import { isVisible, type Item, type Receptacle, type World } from './world.ts';

/** The reply to any command that does not apply. */
export const NOTHING_HAPPENS = 'Nothing happens.';

/** "a apple 1", "a egg 1, and a potato 2", "a a 1, a b 1, and a c 1"; "nothing" for none. */
export function listThings(names: readonly string[]): string {
  if (names.length === 0) return 'nothing';
  if (names.length === 1) return `a ${names[0]}`;
  const head = names.slice(0, -1).map((name) => `a ${name}`);
  return `${head.join(', ')}, and a ${names[names.length - 1]}`;
}

function contentsOf(receptacle: Receptacle): string {
  return listThings(receptacle.contents.map((item) => item.name));
}

/** What you see at a receptacle: its door, or what is in or on it. */
export function describeReceptacle(receptacle: Receptacle): string {
  if (!receptacle.openable) return `On the ${receptacle.name}, you see ${contentsOf(receptacle)}.`;
  if (!isVisible(receptacle)) return `The ${receptacle.name} is closed.`;
  return `The ${receptacle.name} is open. In it, you see ${contentsOf(receptacle)}.`;
}

/** The view from the middle of the room: receptacles by type, highest number first, as ALFWorld lists them. */
export function describeRoom(world: World): string {
  const names = [...world.receptacles]
    .sort((a, b) => (a.type === b.type ? b.rank - a.rank : a.rank - b.rank))
    .map((receptacle) => receptacle.name);
  return `You are in the middle of a room. Looking quickly around you, you see ${listThings(names)}.`;
}

/** The opening observation of an episode. */
export function describeStart(world: World): string {
  return `-= Welcome to TextWorld, ALFRED! =-\n\n${describeRoom(world)}\n\nYour task is to: ${world.task.goal}`;
}

/**
 * What `examine` says about an object. ALFWorld answers "There's nothing special about X." for
 * everything; Gantry names the states it tracks, since they decide the clean/heat/cool tasks.
 */
export function describeItem(item: Item): string {
  if (item.kind.lamp) return `The ${item.name} is ${item.isOn ? 'on' : 'off'}.`;
  const states: string[] = [];
  if (item.isHot) states.push('hot');
  if (item.isCool) states.push('cool');
  if (item.isClean) states.push('clean');
  if (item.isSliced) states.push('sliced');
  if (states.length === 0) return `There's nothing special about ${item.name}.`;
  return `This is a ${states.join(', ')} ${item.name}.`;
}
