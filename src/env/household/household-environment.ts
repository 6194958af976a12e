/**
 * `HouseholdEnvironment`: Gantry's offline ALFWorld-style text simulator behind the `Environment`
 * interface. Task ids are `TYPE` or `TYPE/SEED` (`heat/17`); the same id always gives the same
 * room, objects and goal.
 */
import { EnvironmentError, UserError } from '../../agent/errors.ts';
import type { Environment, EnvInfo, ResetOptions, ResetResult, StepResult } from '../environment.ts';
import { GoToCache, admissibleActions } from './admissible.ts';
import { executeCommand } from './commands.ts';
import { generateWorld } from './layout.ts';
import { TASK_TYPES, goalHolds, resolveTaskType, type TaskType } from './tasks.ts';
import { describeStart } from './text.ts';
import { cloneWorld, type World, type WorldView } from './world.ts';

/** The step cap when none is given, as in ALFWorld's evaluations. */
export const DEFAULT_MAX_STEPS = 50;

export interface HouseholdEnvironmentOptions {
  /** Steps after which the episode is truncated (default 50). */
  maxSteps?: number;
}

interface Episode {
  readonly world: World;
  readonly goTo: GoToCache;
  readonly taskId: string;
  readonly taskType: TaskType;
  steps: number;
  done: boolean;
}

export class HouseholdEnvironment implements Environment {
  readonly name = 'household';
  readonly maxSteps: number;
  #episode: Episode | undefined;

  constructor(options: HouseholdEnvironmentOptions = {}) {
    const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    if (!Number.isSafeInteger(maxSteps) || maxSteps < 1) {
      throw new UserError(`maxSteps must be a positive integer; got ${String(options.maxSteps)}.`);
    }
    this.maxSteps = maxSteps;
  }

  /** The task families, by short name. ALFWorld's names are accepted as aliases. */
  static taskTypes(): string[] {
    return [...TASK_TYPES];
  }

  /**
   * Starts an episode. `taskId` is `TYPE` or `TYPE/SEED`; without a type, the seed picks one
   * (`TASK_TYPES[seed % 6]`); without a seed, seed 0.
   */
  async reset(options: ResetOptions = {}): Promise<ResetResult> {
    const { taskType, seed } = resolveTask(options);
    const world = generateWorld({ taskType, seed });
    const episode: Episode = { world, goTo: new GoToCache(world), taskId: `${taskType}/${seed}`, taskType, steps: 0, done: false };
    this.#episode = episode;
    return {
      observation: describeStart(world),
      goal: world.task.goal,
      admissibleActions: admissibleActions({ world, goTo: episode.goTo }),
      info: { taskId: episode.taskId, taskType, won: false, steps: 0 },
    };
  }

  async step(action: string): Promise<StepResult> {
    return this.stepSync(action);
  }

  /** `step` without the promise, for benchmarks and the expert's look-ahead. */
  stepSync(action: string): StepResult {
    const episode = this.#episode;
    if (episode === undefined) throw new EnvironmentError('step() was called before reset(); call reset() to start an episode.');
    if (episode.done) {
      throw new EnvironmentError(`The episode ${episode.taskId} has ended; call reset() to start another.`, {
        context: { taskId: episode.taskId, steps: episode.steps },
      });
    }
    const { observation, valid } = executeCommand({ world: episode.world, command: action });
    episode.steps++;
    const won = valid && goalHolds(episode.world);
    const truncated = !won && episode.steps >= this.maxSteps;
    episode.done = won || truncated;
    const info: EnvInfo = { taskId: episode.taskId, taskType: episode.taskType, won, steps: episode.steps, valid };
    return {
      observation,
      reward: won ? 1 : 0,
      terminated: won,
      truncated,
      admissibleActions: admissibleActions({ world: episode.world, goTo: episode.goTo }),
      info,
    };
  }

  /** The true state, read-only, for policies that may look (the expert). Throws before `reset`. */
  get state(): WorldView {
    return this.#current().world;
  }

  /** A deep copy of the current world, free to mutate (look-ahead, tests). */
  snapshot(): World {
    return cloneWorld(this.#current().world);
  }

  async close(): Promise<void> {
    this.#episode = undefined;
  }

  #current(): Episode {
    if (this.#episode === undefined) throw new EnvironmentError('The household has no episode yet; call reset() first.');
    return this.#episode;
  }
}

function resolveTask({ taskId, seed }: ResetOptions): { taskType: TaskType; seed: number } {
  if (seed !== undefined && (!Number.isSafeInteger(seed) || seed < 0)) {
    throw new UserError(`seed must be a non-negative integer; got ${String(seed)}.`);
  }
  if (taskId === undefined || taskId.trim() === '') {
    const chosen = seed ?? 0;
    return { taskType: TASK_TYPES[chosen % TASK_TYPES.length] as TaskType, seed: chosen };
  }
  const [typeName = '', seedText, ...rest] = taskId.trim().split('/');
  const taskType = resolveTaskType(typeName);
  if (taskType === undefined || rest.length > 0) {
    throw new UserError(
      `Unknown household task "${taskId}". Use TYPE or TYPE/SEED, where TYPE is one of ${TASK_TYPES.join(', ')} ` +
        `(or ALFWorld's names, such as pick_heat_then_place_in_recep) and SEED a non-negative integer.`,
    );
  }
  if (seedText === undefined) return { taskType, seed: seed ?? 0 };
  const idSeed = /^\d+$/.test(seedText) ? Number(seedText) : Number.NaN;
  if (!Number.isSafeInteger(idSeed)) {
    throw new UserError(`The seed in task id "${taskId}" must be a non-negative integer.`);
  }
  if (seed !== undefined && seed !== idSeed) {
    throw new UserError(`The task id "${taskId}" names seed ${idSeed} but the seed option is ${seed}; give one of them.`);
  }
  return { taskType, seed: idSeed };
}
