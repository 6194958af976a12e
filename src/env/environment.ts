/**
 * The environment interface: a text simulator an agent acts in, shaped like Gymnasium's `Env`.
 * Actions are text commands; the goal and the admissible actions are typed fields, not buried in
 * `info`, because planners and grounding need them on every step. Everything is plain JSON, so a
 * remote environment (`RemoteEnvironment`) can serve the same shapes over JSON-RPC.
 */

/** What `reset` may be asked for. Both are optional: without them the environment picks. */
export interface ResetOptions {
  /**
   * A task the environment names itself: for the household simulator `TYPE` (a task family such
   * as `heat`) or `TYPE/SEED` (one generated task).
   */
  taskId?: string;
  /** Makes the episode reproducible: the same seed (and taskId) gives the same task and layout. */
  seed?: number;
}

/** Facts about the episode that are not part of the observation. */
export interface EnvInfo {
  /** The task this episode is (`heat/17`), when the environment names its tasks. */
  taskId?: string;
  /** The task family (`heat`, `pick_two`…), for per-family metrics. */
  taskType?: string;
  /** True once the goal condition holds. */
  won?: boolean;
  /** Steps taken in this episode. */
  steps?: number;
  /** False when the last action did not apply ("Nothing happens."). */
  valid?: boolean;
  [key: string]: unknown;
}

export interface ResetResult {
  /** The opening text: where the agent is and what it sees. */
  observation: string;
  /** The task in words: "put a hot apple in fridge." */
  goal: string;
  /** Every command that does something in the current state; empty if the environment cannot tell. */
  admissibleActions: string[];
  info: EnvInfo;
}

export interface StepResult {
  observation: string;
  /** 1 when the action completed the goal, 0 otherwise (environments may define finer rewards). */
  reward: number;
  /** The episode ended by itself: the goal holds (or can no longer be reached). */
  terminated: boolean;
  /** The episode was cut off from outside, by the step cap. */
  truncated: boolean;
  admissibleActions: string[];
  info: EnvInfo;
}

/** A text environment. `step` after the episode ended, or before `reset`, throws an `EnvironmentError`. */
export interface Environment {
  /** A short name: `household`, or what a remote server says it is. */
  readonly name: string;
  reset(options?: ResetOptions): Promise<ResetResult>;
  step(action: string): Promise<StepResult>;
  /** Releases what the environment holds (a process, a connection). Safe to call twice. */
  close(): Promise<void>;
}
