/**
 * ALFWorld's six task families: their names (short, and ALFWorld's as aliases), goal phrasings and
 * success conditions.
 */
import type { World } from './world.ts';

export const TASK_TYPES = ['pick', 'clean', 'heat', 'cool', 'examine', 'pick_two'] as const;

/** A task family, by its short name. */
export type TaskType = (typeof TASK_TYPES)[number];

/** ALFWorld's family names, accepted wherever a task type is. */
export const TASK_TYPE_ALIASES: Readonly<Record<string, TaskType>> = {
  pick_and_place_simple: 'pick',
  pick_clean_then_place_in_recep: 'clean',
  pick_heat_then_place_in_recep: 'heat',
  pick_cool_then_place_in_recep: 'cool',
  look_at_obj_in_light: 'examine',
  pick_two_obj_and_place: 'pick_two',
};

/** A placing task: get an object of `objectType` (in the required state) into a `targetType`. */
export interface PlaceTask {
  readonly type: Exclude<TaskType, 'examine'>;
  readonly objectType: string;
  readonly targetType: string;
  /** The goal in words, without "Your task is to: ". */
  readonly goal: string;
}

/** Hold an object of `objectType` where a lamp of `lampType` is on. */
export interface ExamineTask {
  readonly type: 'examine';
  readonly objectType: string;
  readonly lampType: string;
  readonly goal: string;
}

export type Task = PlaceTask | ExamineTask;

/** The short name for a family name or alias (case-insensitive), or `undefined` if there is none. */
export function resolveTaskType(name: string): TaskType | undefined {
  const lower = name.trim().toLowerCase();
  if ((TASK_TYPES as readonly string[]).includes(lower)) return lower as TaskType;
  return TASK_TYPE_ALIASES[lower];
}

type Template = (object: string, place: string) => string;

/** ALFWorld's phrasings, two per family; the layout's seed picks one. */
const TEMPLATES: Readonly<Record<TaskType, readonly Template[]>> = {
  pick: [(o, r) => `put a ${o} in ${r}.`, (o, r) => `put some ${o} on ${r}.`],
  clean: [(o, r) => `put a clean ${o} in ${r}.`, (o, r) => `clean some ${o} and put it in ${r}.`],
  heat: [(o, r) => `put a hot ${o} in ${r}.`, (o, r) => `heat some ${o} and put it in ${r}.`],
  cool: [(o, r) => `put a cool ${o} in ${r}.`, (o, r) => `cool some ${o} and put it in ${r}.`],
  examine: [(o, l) => `look at ${o} under the ${l}.`, (o, l) => `examine the ${o} with the ${l}.`],
  pick_two: [(o, r) => `put two ${o} in ${r}.`, (o, r) => `find two ${o} and put them in ${r}.`],
};

/** How many phrasings a family has. */
export function templateCount(type: TaskType): number {
  return TEMPLATES[type].length;
}

/** The goal text for a family, object, target (or lamp) and template number. */
export function phraseGoal({
  type,
  objectType,
  place,
  template,
}: {
  type: TaskType;
  objectType: string;
  place: string;
  template: number;
}): string {
  const templates = TEMPLATES[type];
  return (templates[template % templates.length] as Template)(objectType, place);
}

/** True when the world satisfies its task. Cheap: it looks only at the task's object type. */
export function goalHolds(world: World): boolean {
  const task = world.task;
  if (task.type === 'examine') {
    const held = world.holding;
    const here = world.agentAt;
    if (held === undefined || held.type !== task.objectType || here === undefined) return false;
    return here.contents.some((item) => item.type === task.lampType && item.isOn);
  }
  const needed = task.type === 'pick_two' ? 2 : 1;
  for (const receptacle of world.receptacles) {
    if (receptacle.type !== task.targetType) continue;
    let found = 0;
    for (const item of receptacle.contents) {
      if (item.type === task.objectType && satisfiesState(task.type, item)) found++;
    }
    if (found >= needed) return true;
  }
  return false;
}

/** Whether an object is in the state its family asks for (hot, cool, clean, or any). */
export function satisfiesState(type: TaskType, item: { isHot: boolean; isCool: boolean; isClean: boolean }): boolean {
  if (type === 'heat') return item.isHot;
  if (type === 'cool') return item.isCool;
  if (type === 'clean') return item.isClean;
  return true;
}
