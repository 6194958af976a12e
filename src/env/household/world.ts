/**
 * The simulator's state: receptacles, objects, where the agent stands and what it holds. Entities
 * are mutable records linked by reference, so commands update them in place and stay fast; the
 * environment hands out the world only through a read-only view, and `cloneWorld` copies it for
 * look-ahead.
 */
import { objectKind, type ObjectKind, type RoomType } from './catalog.ts';
import type { Task } from './tasks.ts';

export interface Receptacle {
  /** The name the agent uses, such as `cabinet 3`. */
  readonly name: string;
  readonly type: string;
  readonly openable: boolean;
  isOpen: boolean;
  /** Position in the natural order of receptacle names (type, then number). */
  readonly rank: number;
  /** The objects in or on it, kept in natural order (`rank`). */
  contents: Item[];
}

export interface Item {
  /** The name the agent uses, such as `apple 1`. */
  readonly name: string;
  readonly type: string;
  readonly kind: ObjectKind;
  /** Position in the natural order of object names (type, then number). */
  readonly rank: number;
  /** Where it is; `undefined` while the agent holds it. */
  location: Receptacle | undefined;
  isHot: boolean;
  isCool: boolean;
  isClean: boolean;
  isSliced: boolean;
  /** Whether a lamp is on; always false for anything else. */
  isOn: boolean;
}

export interface World {
  readonly room: RoomType;
  /** Every receptacle, in natural order. */
  readonly receptacles: Receptacle[];
  /** Every object, in natural order. */
  readonly items: Item[];
  readonly receptacleByName: Map<string, Receptacle>;
  readonly itemByName: Map<string, Item>;
  /** The receptacle the agent stands at; `undefined` in the middle of the room, before moving. */
  agentAt: Receptacle | undefined;
  holding: Item | undefined;
  readonly task: Task;
}

/** A read-only view of a world, for policies that read the true state (the expert). */
export type WorldView = {
  readonly room: RoomType;
  readonly receptacles: readonly Readonly<Omit<Receptacle, 'contents'> & { contents: readonly ReadonlyItem[] }>[];
  readonly items: readonly ReadonlyItem[];
  readonly agentAt: { readonly name: string } | undefined;
  readonly holding: ReadonlyItem | undefined;
  readonly task: Task;
};

export type ReadonlyItem = Readonly<Omit<Item, 'location'>> & { readonly location: { readonly name: string } | undefined };

/** Compares `type N` names by type, then by number, so `cabinet 10` follows `cabinet 9`. */
export function compareNames(a: string, b: string): number {
  const aSpace = a.lastIndexOf(' ');
  const bSpace = b.lastIndexOf(' ');
  const aType = a.slice(0, aSpace);
  const bType = b.slice(0, bSpace);
  if (aType !== bType) return aType < bType ? -1 : 1;
  return Number(a.slice(aSpace + 1)) - Number(b.slice(bSpace + 1));
}

/** Puts an object into a receptacle, keeping the contents in natural order. */
/** A fresh object, in no receptacle yet and in no state: neither hot, cool, clean, sliced nor on. */
export function newItem({ name, type, rank }: { name: string; type: string; rank: number }): Item {
  return { name, type, kind: objectKind(type), rank, location: undefined, isHot: false, isCool: false, isClean: false, isSliced: false, isOn: false };
}

export function placeItem(item: Item, receptacle: Receptacle): void {
  const contents = receptacle.contents;
  let index = contents.length;
  while (index > 0 && (contents[index - 1] as Item).rank > item.rank) index--;
  contents.splice(index, 0, item);
  item.location = receptacle;
}

/** Takes an object out of wherever it is. */
export function removeItem(item: Item): void {
  const from = item.location;
  if (from !== undefined) from.contents.splice(from.contents.indexOf(item), 1);
  item.location = undefined;
}

/** True when the agent can see into the receptacle: it has no door, or the door is open. */
export function isVisible(receptacle: Receptacle): boolean {
  return !receptacle.openable || receptacle.isOpen;
}

/** A deep copy: mutating it leaves the original alone. */
export function cloneWorld(world: World): World {
  const receptacles: Receptacle[] = world.receptacles.map((r) => ({ ...r, contents: [] }));
  const receptacleByName = new Map(receptacles.map((r) => [r.name, r]));
  const items: Item[] = world.items.map((item) => ({
    ...item,
    location: item.location === undefined ? undefined : receptacleByName.get(item.location.name),
  }));
  const itemByName = new Map(items.map((item) => [item.name, item]));
  for (const receptacle of world.receptacles) {
    const copy = receptacleByName.get(receptacle.name) as Receptacle;
    copy.contents = receptacle.contents.map((item) => itemByName.get(item.name) as Item);
  }
  return {
    room: world.room,
    receptacles,
    items,
    receptacleByName,
    itemByName,
    agentAt: world.agentAt === undefined ? undefined : receptacleByName.get(world.agentAt.name),
    holding: world.holding === undefined ? undefined : itemByName.get(world.holding.name),
    task: world.task,
  };
}
