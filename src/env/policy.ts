import type { Environment, ResetResult, StepResult } from './environment.ts';

/** One action of an episode and what came of it. */
export interface TrajectoryStep {
  /** The action as the policy wrote it. */
  action: string;
  /** The admissible action it was grounded to, when grounding changed it (see `grounding.ts`). */
  grounded?: string;
  observation: string;
  /** False when the environment said the action did not apply ("Nothing happens."). */
  valid: boolean;
}

/** A whole episode: the task, and every step. Expert trajectories are the source of demonstrations. */
export interface Trajectory {
  taskId?: string;
  taskType?: string;
  goal: string;
  /** The observation `reset` returned. */
  initialObservation: string;
  steps: TrajectoryStep[];
  success: boolean;
}

/**
 * Something that picks the next action from what it has seen. The expert and random policies are
 * policies; so is a person at the terminal. (The model-driven agent is not: it runs in Gantry's
 * agent loop, with the environment's actions as a tool.)
 */
export interface Policy {
  readonly name: string;
  /** Called once per episode, after `reset`. */
  begin(start: ResetResult): void | Promise<void>;
  /** The next action; `undefined` means the policy gives up. */
  next(last: ResetResult | StepResult): string | undefined | Promise<string | undefined>;
}

/** Plays one episode of `policy` in `environment` and returns its trajectory. */
export async function playEpisode({
  environment,
  policy,
  reset = {},
}: {
  environment: Environment;
  policy: Policy;
  reset?: Parameters<Environment['reset']>[0];
}): Promise<Trajectory> {
  const start = await environment.reset(reset);
  await policy.begin(start);
  const trajectory = startTrajectory(start);
  let last: ResetResult | StepResult = start;
  for (;;) {
    const action = await policy.next(last);
    if (action === undefined) break;
    const result = await environment.step(action);
    trajectory.steps.push({ action, observation: result.observation, valid: result.info.valid !== false });
    last = result;
    if (result.terminated || result.truncated) {
      trajectory.success = result.info.won === true;
      break;
    }
  }
  return trajectory;
}

/** An empty trajectory for the episode `start` began. */
export function startTrajectory(start: ResetResult): Trajectory {
  return {
    ...(start.info.taskId === undefined ? {} : { taskId: start.info.taskId }),
    ...(start.info.taskType === undefined ? {} : { taskType: start.info.taskType }),
    goal: start.goal,
    initialObservation: start.observation,
    steps: [],
    success: false,
  };
}
