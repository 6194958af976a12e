import { EnvironmentError } from '../../agent/errors.ts';
import type { StopCondition } from '../../agent/stop-conditions.ts';
import type { Environment, ResetOptions, ResetResult, StepResult } from '../environment.ts';
import { startTrajectory, type Trajectory, type TrajectoryStep } from '../policy.ts';
import { groundAction, type Grounding } from './grounding.ts';

/** What one grounded step did. */
export interface EpisodeStep {
  grounding: Grounding;
  result: StepResult;
  /** The step as recorded in the trajectory. */
  record: TrajectoryStep;
}

/**
 * One episode of an environment, as the agent's tools see it: it resets the environment, grounds
 * every action to the admissible ones before sending it, and keeps the trajectory and counters.
 * Steps run one at a time, in the order they were asked for, even if callers overlap them.
 */
export class EnvironmentEpisode {
  readonly environment: Environment;
  #start: ResetResult | undefined;
  #last: ResetResult | StepResult | undefined;
  #trajectory: Trajectory | undefined;
  #groundings: Grounding[] = [];
  #ending: 'won' | 'terminated' | 'truncated' | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor({ environment }: { environment: Environment }) {
    this.environment = environment;
  }

  /** Starts the episode. Calling it again starts a new one and forgets the old. */
  async reset(options: ResetOptions = {}): Promise<ResetResult> {
    const start = await this.environment.reset(options);
    this.#start = start;
    this.#last = start;
    this.#trajectory = startTrajectory(start);
    this.#groundings = [];
    this.#ending = undefined;
    return start;
  }

  /**
   * Grounds `action` to the admissible actions of the current state and sends it. Throws an
   * `EnvironmentError` before `reset` or after the episode ended.
   */
  step(action: string): Promise<EpisodeStep> {
    const next = this.#queue.then(() => this.#step(action));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #step(action: string): Promise<EpisodeStep> {
    const trajectory = this.#requireStarted();
    if (this.done) throw new EnvironmentError(`The episode is over (${this.endReason}); no more actions can be taken.`);
    const grounding = groundAction({ action, admissible: this.admissibleActions });
    const result = await this.environment.step(grounding.action);
    const changed = grounding.method === 'normalized' || grounding.method === 'similarity';
    const record: TrajectoryStep = {
      action: grounding.raw,
      ...(changed ? { grounded: grounding.action } : {}),
      observation: result.observation,
      valid: result.info.valid !== false,
    };
    trajectory.steps.push(record);
    if (changed) this.#groundings.push(grounding);
    this.#last = result;
    if (result.info.won === true) this.#ending = 'won';
    else if (result.terminated) this.#ending = 'terminated';
    else if (result.truncated) this.#ending = 'truncated';
    if (this.#ending !== undefined) trajectory.success = this.#ending === 'won';
    return { grounding, result, record };
  }

  /** What `reset` returned. */
  get start(): ResetResult {
    return this.#requireStart();
  }

  get goal(): string {
    return this.#requireStart().goal;
  }

  /** The admissible actions of the current state (empty when the environment cannot tell). */
  get admissibleActions(): string[] {
    return this.#last?.admissibleActions ?? [];
  }

  /** The trajectory so far; `success` is set once the episode ends. */
  get trajectory(): Trajectory {
    return this.#requireStarted();
  }

  /** Actions sent to the environment so far. */
  get steps(): number {
    return this.#trajectory?.steps.length ?? 0;
  }

  /** The actions as sent to the environment, after grounding. */
  get actions(): readonly string[] {
    return (this.#trajectory?.steps ?? []).map((step) => step.grounded ?? step.action.trim());
  }

  /** Actions the environment said did not apply. */
  get invalidActions(): number {
    return (this.#trajectory?.steps ?? []).filter((step) => !step.valid).length;
  }

  /** The groundings that changed what the model wrote, in order. */
  get groundings(): readonly Grounding[] {
    return this.#groundings;
  }

  /** The episode terminated (goal reached or unreachable) or was truncated by the step cap. */
  get done(): boolean {
    return this.#ending !== undefined;
  }

  get success(): boolean {
    return this.#ending === 'won';
  }

  /** Why the episode ended, in words the model can read; undefined while it runs. */
  get endReason(): string | undefined {
    switch (this.#ending) {
      case 'won':
        return 'the task is done';
      case 'terminated':
        return 'the task can no longer be completed';
      case 'truncated':
        return 'the step limit was reached';
      default:
        return undefined;
    }
  }

  #requireStart(): ResetResult {
    if (!this.#start) throw new EnvironmentError('The episode has not started: call reset() first.');
    return this.#start;
  }

  #requireStarted(): Trajectory {
    this.#requireStart();
    return this.#trajectory!;
  }
}

/** Ends the agent run normally (reason `final`) once the episode terminated or was truncated. */
export function episodeEnded(episode: EnvironmentEpisode): StopCondition {
  return {
    reason: 'final',
    describe: () => `The episode is over: ${episode.endReason ?? 'it is still running'}.`,
    isMet: () => episode.done,
  };
}
