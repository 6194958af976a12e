/**
 * The expert: a policy that reads the simulator's true state and does the task with a short valid
 * plan. It is reactive (each action is chosen from the current state), so it needs no plan
 * bookkeeping and recovers from any state it is handed. It proves every generated task solvable
 * and is the source of demonstrations.
 */
import type { Policy } from '../policy.ts';
import { APPLIANCES } from './commands.ts';
import type { HouseholdEnvironment } from './household-environment.ts';
import { satisfiesState, type PlaceTask } from './tasks.ts';
import type { ReadonlyItem, WorldView } from './world.ts';

type ReceptacleView = WorldView['receptacles'][number];

/** A policy that solves the current task of `env` from its true state. */
export function createExpertPolicy(env: HouseholdEnvironment): Policy {
  return {
    name: 'expert',
    begin: () => {},
    next: () => expertAction(env.state),
  };
}

/** The expert's next command for a world; `undefined` if it sees nothing useful to do. */
export function expertAction(world: WorldView): string | undefined {
  const task = world.task;
  const held = world.holding;
  if (held !== undefined && held.type !== task.objectType) return putDown({ world, held });
  if (task.type === 'examine') {
    if (held === undefined) return fetch({ world, target: undefined });
    const lamp = world.items.find((item) => item.type === task.lampType && item.location !== undefined);
    if (lamp === undefined || lamp.location === undefined) return undefined;
    if (world.agentAt?.name !== lamp.location.name) return `go to ${lamp.location.name}`;
    return `use ${lamp.name}`;
  }
  const target = chooseTarget({ world, task });
  if (target === undefined) return undefined;
  if (held === undefined) return fetch({ world, target });
  const verb = task.type === 'heat' || task.type === 'cool' || task.type === 'clean' ? task.type : undefined;
  if (verb !== undefined && !satisfiesState(task.type, held)) {
    const appliance = world.receptacles.find((r) => r.type === APPLIANCES[verb]);
    if (appliance === undefined) return undefined;
    if (world.agentAt?.name !== appliance.name) return `go to ${appliance.name}`;
    return `${verb} ${held.name} with ${appliance.name}`;
  }
  return putInto({ world, held, target });
}

/**
 * The receptacle to fill: of the target type, the one already holding the most suitable objects
 * (for pick_two the second object must join the first), the first by name on a tie.
 */
function chooseTarget({ world, task }: { world: WorldView; task: PlaceTask }): ReceptacleView | undefined {
  let best: ReceptacleView | undefined;
  let bestCount = -1;
  for (const receptacle of world.receptacles) {
    if (receptacle.type !== task.targetType) continue;
    const count = receptacle.contents.filter((item) => item.type === task.objectType && satisfiesState(task.type, item)).length;
    if (count > bestCount) {
      best = receptacle;
      bestCount = count;
    }
  }
  return best;
}

/** Goes to an object of the task's type (not one already in the target), opens its receptacle, takes it. */
function fetch({ world, target }: { world: WorldView; target: ReceptacleView | undefined }): string | undefined {
  const here = world.agentAt?.name;
  const candidates = world.items.filter(
    (item) => item.type === world.task.objectType && item.location !== undefined && item.location.name !== target?.name,
  );
  const receptacleOf = (item: ReadonlyItem) => world.receptacles.find((r) => r.name === item.location?.name) as ReceptacleView;
  // Prefer an object where the agent stands, then one in plain sight, so as not to open doors for nothing.
  const chosen =
    candidates.find((item) => item.location?.name === here) ??
    candidates.find((item) => {
      const receptacle = receptacleOf(item);
      return !receptacle.openable || receptacle.isOpen;
    }) ??
    candidates[0];
  if (chosen === undefined) return undefined;
  const from = receptacleOf(chosen);
  if (from.name !== here) return `go to ${from.name}`;
  if (from.openable && !from.isOpen) return `open ${from.name}`;
  return `take ${chosen.name} from ${from.name}`;
}

function putInto({ world, held, target }: { world: WorldView; held: ReadonlyItem; target: ReceptacleView }): string {
  if (world.agentAt?.name !== target.name) return `go to ${target.name}`;
  if (target.openable && !target.isOpen) return `open ${target.name}`;
  return `put ${held.name} in/on ${target.name}`;
}

/** Puts down something the task does not need, where the agent stands (or at the first surface). */
function putDown({ world, held }: { world: WorldView; held: ReadonlyItem }): string {
  const here = world.receptacles.find((r) => r.name === world.agentAt?.name);
  const surface = here ?? world.receptacles.find((r) => !r.openable) ?? (world.receptacles[0] as ReceptacleView);
  return putInto({ world, held, target: surface });
}
