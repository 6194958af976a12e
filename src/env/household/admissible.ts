/**
 * Admissible actions: every command that would do something in the current state, in canonical
 * form (`put apple 1 in/on fridge 1`), sorted by `compareActions`. They are built already in order
 * (verbs alphabetically, names in natural order) rather than sorted, and the `go to` list is cached
 * per location, since this runs on every step.
 */
import { APPLIANCES, canTransform } from './commands.ts';
import { compareNames, isVisible, type Item, type Receptacle, type World } from './world.ts';

/**
 * The order of admissible actions: word by word, numbers compared as numbers, so `cabinet 10`
 * follows `cabinet 9`.
 */
export function compareActions(a: string, b: string): number {
  const aWords = a.split(' ');
  const bWords = b.split(' ');
  const length = Math.min(aWords.length, bWords.length);
  for (let i = 0; i < length; i++) {
    const x = aWords[i] as string;
    const y = bWords[i] as string;
    if (x === y) continue;
    const xNumber = /^\d+$/.test(x);
    const yNumber = /^\d+$/.test(y);
    if (xNumber && yNumber) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return aWords.length - bWords.length;
}

/** Caches the `go to` commands for each location of one world (the receptacles never change). */
export class GoToCache {
  readonly #byLocation = new Map<Receptacle | undefined, readonly string[]>();

  constructor(world: World) {
    const all = world.receptacles;
    this.#byLocation.set(undefined, all.map((r) => `go to ${r.name}`));
    for (const at of all) this.#byLocation.set(at, all.filter((r) => r !== at).map((r) => `go to ${r.name}`));
  }

  /** The `go to` commands from this location. */
  from(location: Receptacle | undefined): readonly string[] {
    return this.#byLocation.get(location) as readonly string[];
  }
}

/** The admissible actions of the world's current state. */
export function admissibleActions({ world, goTo }: { world: World; goTo: GoToCache }): string[] {
  const here = world.agentAt;
  const held = world.holding;
  const visible: readonly Item[] = here !== undefined && isVisible(here) ? here.contents : [];
  const actions: string[] = [];
  const transform = (verb: keyof typeof APPLIANCES) => {
    if (held !== undefined && here !== undefined && here.type === APPLIANCES[verb] && canTransform(held, verb)) {
      actions.push(`${verb} ${held.name} with ${here.name}`);
    }
  };

  transform('clean');
  if (here !== undefined && here.openable && here.isOpen) actions.push(`close ${here.name}`);
  transform('cool');
  for (const name of examinable({ here, held, visible })) actions.push(`examine ${name}`);
  for (const go of goTo.from(here)) actions.push(go);
  transform('heat');
  actions.push('inventory', 'look');
  if (here !== undefined && here.openable && !here.isOpen) actions.push(`open ${here.name}`);
  if (held !== undefined && here !== undefined && isVisible(here)) actions.push(`put ${held.name} in/on ${here.name}`);
  if (held !== undefined && held.kind.slicer) {
    for (const item of visible) if (item.kind.sliceable && !item.isSliced) actions.push(`slice ${item.name} with ${held.name}`);
  }
  if (held === undefined && here !== undefined) {
    for (const item of visible) if (item.kind.pickupable) actions.push(`take ${item.name} from ${here.name}`);
  }
  for (const item of visible) if (item.kind.lamp) actions.push(`use ${item.name}`);
  return actions;
}

function examinable({
  here,
  held,
  visible,
}: {
  here: Receptacle | undefined;
  held: Item | undefined;
  visible: readonly Item[];
}): string[] {
  const names = visible.map((item) => item.name);
  if (here !== undefined) names.push(here.name);
  if (held !== undefined) names.push(held.name);
  if (names.length > visible.length) names.sort(compareNames);
  return names;
}
