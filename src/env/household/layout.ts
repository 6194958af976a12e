/**
 * The seeded layout generator: a pure function of (task type, seed) to a world with a task that can
 * be done. The same inputs give the same room, objects, doors and goal text on every machine: all
 * randomness comes from one mulberry32 stream, drawn in a fixed order.
 */
import { OBJECT_KINDS, RECEPTACLE_KINDS, ROOM_KINDS, objectKind, type RoomKind, type RoomType } from './catalog.ts';
import { createRandom, hashString, type Random } from './random.ts';
import { goalHolds, phraseGoal, templateCount, type Task, type TaskType } from './tasks.ts';
import { compareNames, newItem, placeItem, type Item, type Receptacle, type World } from './world.ts';

/** The rooms each family is set in: the ones that have what it needs (appliances, lamps). */
const FAMILY_ROOMS: Readonly<Record<TaskType, readonly RoomType[]>> = {
  pick: ['kitchen', 'livingroom', 'bedroom', 'bathroom'],
  pick_two: ['kitchen', 'livingroom', 'bedroom', 'bathroom'],
  clean: ['kitchen', 'bathroom'],
  heat: ['kitchen'],
  cool: ['kitchen'],
  examine: ['livingroom', 'bedroom'],
};

/** Chance that an object type of the room (other than the task's) appears at all. */
const CLUTTER_CHANCE = 0.55;
/** Chance that a door starts open. ALFWorld's doors are almost all closed. */
const OPEN_CHANCE = 0.15;

/** Builds the world for one generated task. */
export function generateWorld({ taskType, seed }: { taskType: TaskType; seed: number }): World {
  const random = createRandom(hashString(`household:${taskType}/${seed}`));
  const room = ROOM_KINDS.get(random.pick(FAMILY_ROOMS[taskType])) as RoomKind;
  const receptacleTypes = drawReceptacleTypes({ room, random });
  const present = new Set(receptacleTypes.keys());
  const lampType = room.lamps.length > 0 ? random.pick(room.lamps) : undefined;
  const task = chooseTask({ taskType, room, present, lampType, random });

  // Where each object instance goes, decided before names are ranked and objects placed.
  const planned: { type: string; number: number; at: string }[] = [];
  const choosePlace = (type: string, avoid: string | undefined): string | undefined => {
    const types = objectKind(type).places.filter((place) => present.has(place) && place !== avoid);
    if (types.length === 0) return undefined;
    const count = receptacleTypes.get(random.pick(types)) as { type: string; count: number };
    return `${count.type} ${random.int(1, count.count)}`;
  };
  for (const type of room.objects) {
    const isTaskObject = type === task.objectType;
    if (!isTaskObject && !random.chance(CLUTTER_CHANCE)) continue;
    const count = random.int(isTaskObject && task.type === 'pick_two' ? 2 : 1, 3);
    const avoid = isTaskObject && task.type !== 'examine' ? task.targetType : undefined;
    let number = 0;
    for (let i = 0; i < count; i++) {
      const at = choosePlace(type, avoid);
      if (at !== undefined) planned.push({ type, number: ++number, at });
    }
  }
  if (lampType !== undefined) {
    const at = choosePlace(lampType, undefined);
    if (at !== undefined) planned.push({ type: lampType, number: 1, at });
  }

  const receptacles = buildReceptacles({ receptacleTypes, random });
  const receptacleByName = new Map(receptacles.map((r) => [r.name, r]));
  planned.sort((a, b) => compareNames(`${a.type} ${a.number}`, `${b.type} ${b.number}`));
  const items: Item[] = planned.map(({ type, number }, rank) => newItem({ name: `${type} ${number}`, type, rank }));
  items.forEach((item, index) => placeItem(item, receptacleByName.get((planned[index] as { at: string }).at) as Receptacle));

  const world: World = {
    room: room.type,
    receptacles,
    items,
    receptacleByName,
    itemByName: new Map(items.map((item) => [item.name, item])),
    agentAt: undefined,
    holding: undefined,
    task,
  };
  if (goalHolds(world)) throw new Error(`Layout ${taskType}/${seed} starts with its goal done.`);
  return world;
}

function drawReceptacleTypes({ room, random }: { room: RoomKind; random: Random }) {
  const types = new Map<string, { type: string; count: number }>();
  for (const { type, min, max } of room.receptacles) {
    const count = random.int(min, max);
    if (count > 0) types.set(type, { type, count });
  }
  return types;
}

function buildReceptacles({
  receptacleTypes,
  random,
}: {
  receptacleTypes: Map<string, { type: string; count: number }>;
  random: Random;
}): Receptacle[] {
  const names: { type: string; name: string }[] = [];
  for (const { type, count } of receptacleTypes.values()) {
    for (let number = 1; number <= count; number++) names.push({ type, name: `${type} ${number}` });
  }
  names.sort((a, b) => compareNames(a.name, b.name));
  return names.map(({ type, name }, rank) => {
    const openable = (RECEPTACLE_KINDS.get(type) as { openable: boolean }).openable;
    return { name, type, openable, isOpen: openable && random.chance(OPEN_CHANCE), rank, contents: [] };
  });
}

/**
 * Picks the task's object and target so that the goal is achievable: the object type can sit in
 * at least one present receptacle type besides the target (where it starts), and the family's
 * appliance or lamp exists in the room.
 */
function chooseTask({
  taskType,
  room,
  present,
  lampType,
  random,
}: {
  taskType: TaskType;
  room: RoomKind;
  present: Set<string>;
  lampType: string | undefined;
  random: Random;
}): Task {
  const template = random.int(0, templateCount(taskType) - 1);
  const placesOf = (type: string) => objectKind(type).places.filter((place) => present.has(place));
  if (taskType === 'examine') {
    if (lampType === undefined) throw new Error(`Room ${room.type} has no lamp for an examine task.`);
    const objectType = random.pick(room.objects.filter((type) => placesOf(type).length > 0));
    return { type: 'examine', objectType, lampType, goal: phraseGoal({ type: taskType, objectType, place: lampType, template }) };
  }
  const fits = (type: string): boolean => {
    const kind = OBJECT_KINDS.get(type);
    if (kind === undefined || !kind.pickupable) return false;
    if (taskType === 'heat') return kind.heatable;
    if (taskType === 'cool') return kind.coolable;
    if (taskType === 'clean') return kind.cleanable;
    return true;
  };
  const candidates = room.objects.filter((type) => fits(type) && placesOf(type).length >= 2);
  const objectType = random.pick(candidates);
  const targetType = random.pick(placesOf(objectType));
  return {
    type: taskType,
    objectType,
    targetType,
    goal: phraseGoal({ type: taskType, objectType, place: targetType, template }),
  };
}
