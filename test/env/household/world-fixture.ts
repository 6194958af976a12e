/** Builds small hand-written worlds, so feedback tests read the exact room they act in. */
import { RECEPTACLE_KINDS } from '../../../src/env/household/catalog.ts';
import type { Task } from '../../../src/env/household/tasks.ts';
import { compareNames, newItem, placeItem, type Item, type Receptacle, type World } from '../../../src/env/household/world.ts';

/** A receptacle's contents, or its contents and whether its door is open. */
type ReceptacleSpec = string[] | { open: boolean; contents: string[] };

export function buildWorld({
  receptacles,
  task = { type: 'pick', objectType: 'apple', targetType: 'fridge', goal: 'put a apple in fridge.' },
}: {
  receptacles: Record<string, ReceptacleSpec>;
  task?: Task;
}): World {
  const typeOf = (name: string) => name.slice(0, name.lastIndexOf(' '));
  const receptacleNames = Object.keys(receptacles).sort(compareNames);
  const built: Receptacle[] = receptacleNames.map((name, rank) => {
    const spec = receptacles[name] as ReceptacleSpec;
    const openable = RECEPTACLE_KINDS.get(typeOf(name))?.openable ?? false;
    return { name, type: typeOf(name), openable, isOpen: openable && !Array.isArray(spec) && spec.open, rank, contents: [] };
  });
  const receptacleByName = new Map(built.map((r) => [r.name, r]));
  const placements: [string, string][] = [];
  for (const [name, spec] of Object.entries(receptacles)) {
    for (const item of Array.isArray(spec) ? spec : spec.contents) placements.push([item, name]);
  }
  placements.sort((a, b) => compareNames(a[0], b[0]));
  const items: Item[] = placements.map(([name], rank) => newItem({ name, type: typeOf(name), rank }));
  items.forEach((item, index) => placeItem(item, receptacleByName.get((placements[index] as [string, string])[1]) as Receptacle));
  return {
    room: 'kitchen',
    receptacles: built,
    items,
    receptacleByName,
    itemByName: new Map(items.map((item) => [item.name, item])),
    agentAt: undefined,
    holding: undefined,
    task,
  };
}
