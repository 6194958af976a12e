/**
 * The command engine: parses ALFWorld's command grammar, checks each command's preconditions
 * against the world, applies it and words the feedback.
 *
 * Rules (ALFWorld's, with the choices it leaves open):
 * - You must be at a receptacle to open, close or examine it, take from it or put in it, and you
 *   see inside an openable receptacle only while it is open. You examine an object in your hand
 *   or in plain sight where you stand.
 * - You carry at most one object.
 * - `heat` needs the object in hand at a microwave (not a stoveburner), `cool` at a fridge, `clean`
 *   at a sinkbasin; the appliance's door may be open or closed, as in ALFWorld. Heating makes an
 *   object hot and no longer cool; cooling, the reverse. Only objects the catalog marks heatable,
 *   coolable or cleanable can be.
 * - `slice` needs a knife or butterknife in hand and a sliceable, unsliced object where you are.
 * - `use` toggles a lamp where you are.
 * - Anything else is "Nothing happens." and changes nothing.
 */
import { NOTHING_HAPPENS, describeItem, describeReceptacle, describeRoom, listThings } from './text.ts';
import { isVisible, placeItem, removeItem, type Item, type Receptacle, type World } from './world.ts';

/** A command, parsed. Names are `type N`. */
export type Command =
  | { verb: 'go' | 'open' | 'close' | 'examine' | 'use'; target: string }
  | { verb: 'take'; object: string; receptacle: string }
  | { verb: 'put' | 'heat' | 'cool' | 'clean' | 'slice'; object: string; receptacle: string }
  | { verb: 'inventory' | 'look' };

/** The appliance each transforming verb needs. */
export const APPLIANCES = { heat: 'microwave', cool: 'fridge', clean: 'sinkbasin' } as const;

const NAME = '([a-z]+ \\d+)';
const PATTERNS: readonly [RegExp, (m: RegExpExecArray) => Command][] = [
  [new RegExp(`^go to ${NAME}$`), (m) => ({ verb: 'go', target: m[1] as string })],
  [new RegExp(`^(open|close|examine|use) ${NAME}$`), (m) => ({ verb: m[1] as 'open', target: m[2] as string })],
  [new RegExp(`^take ${NAME} from ${NAME}$`), (m) => ({ verb: 'take', object: m[1] as string, receptacle: m[2] as string })],
  [new RegExp(`^put ${NAME} (?:in/on|in|on) ${NAME}$`), (m) => ({ verb: 'put', object: m[1] as string, receptacle: m[2] as string })],
  [new RegExp(`^move ${NAME} to ${NAME}$`), (m) => ({ verb: 'put', object: m[1] as string, receptacle: m[2] as string })],
  [new RegExp(`^(heat|cool|clean|slice) ${NAME} with ${NAME}$`), (m) => ({ verb: m[1] as 'heat', object: m[2] as string, receptacle: m[3] as string })],
  [/^inventory$/, () => ({ verb: 'inventory' })],
  [/^look$/, () => ({ verb: 'look' })],
];

/** Parses a command, tolerating case and extra whitespace; `undefined` when it is not in the grammar. */
export function parseCommand(text: string): Command | undefined {
  const normalized = text.trim().toLowerCase().replace(/\s+/g, ' ');
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(normalized);
    if (match !== null) return build(match);
  }
  return undefined;
}

/** What a command did: the feedback, and whether it applied. */
export interface CommandResult {
  observation: string;
  valid: boolean;
}

const INVALID: CommandResult = { observation: NOTHING_HAPPENS, valid: false };

/** Runs one command against the world, changing it in place when the command applies. */
export function executeCommand({ world, command }: { world: World; command: string }): CommandResult {
  const parsed = parseCommand(command);
  if (parsed === undefined) return INVALID;
  const observation = apply({ world, command: parsed });
  return observation === undefined ? INVALID : { observation, valid: true };
}

/** An object here that you can see: in or on the receptacle you stand at, which is open if it has a door. */
function visibleHere({ world, name }: { world: World; name: string }): Item | undefined {
  const item = world.itemByName.get(name);
  const here = world.agentAt;
  if (item === undefined || here === undefined || item.location !== here || !isVisible(here)) return undefined;
  return item;
}

function apply({ world, command }: { world: World; command: Command }): string | undefined {
  const here = world.agentAt;
  switch (command.verb) {
    case 'inventory':
      return world.holding === undefined ? 'You are not carrying anything.' : `You are carrying: ${listThings([world.holding.name])}.`;
    case 'look':
      return here === undefined ? describeRoom(world) : `You are facing the ${here.name}. Next to it, you see nothing.`;
    case 'go': {
      const to = world.receptacleByName.get(command.target);
      if (to === undefined || to === here) return undefined;
      world.agentAt = to;
      return `You arrive at ${to.name}. ${describeReceptacle(to)}`;
    }
    case 'open':
    case 'close': {
      if (here === undefined || here.name !== command.target || !here.openable) return undefined;
      if (here.isOpen === (command.verb === 'open')) return undefined;
      here.isOpen = command.verb === 'open';
      return here.isOpen ? `You open the ${here.name}. ${describeReceptacle(here)}` : `You close the ${here.name}.`;
    }
    case 'examine': {
      if (here !== undefined && here.name === command.target) return describeReceptacle(here);
      const held = world.holding;
      const item = held !== undefined && held.name === command.target ? held : visibleHere({ world, name: command.target });
      return item === undefined ? undefined : describeItem(item);
    }
    case 'use': {
      const lamp = visibleHere({ world, name: command.target });
      if (lamp === undefined || !lamp.kind.lamp) return undefined;
      lamp.isOn = !lamp.isOn;
      return `You turn ${lamp.isOn ? 'on' : 'off'} the ${lamp.name}.`;
    }
    case 'take': {
      if (world.holding !== undefined || here === undefined || here.name !== command.receptacle) return undefined;
      const item = visibleHere({ world, name: command.object });
      if (item === undefined || !item.kind.pickupable) return undefined;
      removeItem(item);
      world.holding = item;
      return `You pick up the ${item.name} from the ${here.name}.`;
    }
    case 'put': {
      const held = world.holding;
      if (held === undefined || held.name !== command.object) return undefined;
      if (here === undefined || here.name !== command.receptacle || !isVisible(here)) return undefined;
      placeItem(held, here);
      world.holding = undefined;
      return `You put the ${held.name} in/on the ${here.name}.`;
    }
    case 'heat':
    case 'cool':
    case 'clean':
      return transform({ world, verb: command.verb, object: command.object, appliance: command.receptacle });
    case 'slice': {
      const knife = world.holding;
      if (knife === undefined || knife.name !== command.receptacle || !knife.kind.slicer) return undefined;
      const item = visibleHere({ world, name: command.object });
      if (item === undefined || !item.kind.sliceable || item.isSliced) return undefined;
      item.isSliced = true;
      return `You slice the ${item.name} using the ${knife.name}.`;
    }
  }
}

function transform({
  world,
  verb,
  object,
  appliance,
}: {
  world: World;
  verb: keyof typeof APPLIANCES;
  object: string;
  appliance: string;
}): string | undefined {
  const held = world.holding;
  const here: Receptacle | undefined = world.agentAt;
  if (held === undefined || held.name !== object || here === undefined || here.name !== appliance) return undefined;
  if (here.type !== APPLIANCES[verb] || !canTransform(held, verb)) return undefined;
  if (verb === 'heat') {
    held.isHot = true;
    held.isCool = false;
  } else if (verb === 'cool') {
    held.isCool = true;
    held.isHot = false;
  } else {
    held.isClean = true;
  }
  return `You ${verb} the ${held.name} using the ${here.name}.`;
}

/** Whether the catalog lets this object be heated, cooled or cleaned. */
export function canTransform(item: Item, verb: keyof typeof APPLIANCES): boolean {
  if (verb === 'heat') return item.kind.heatable;
  if (verb === 'cool') return item.kind.coolable;
  return item.kind.cleanable;
}
