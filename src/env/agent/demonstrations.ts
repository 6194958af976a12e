import { estimateTokens } from '../../agent/usage.ts';
import type { Environment, ResetOptions } from '../environment.ts';
import { playEpisode, type Policy, type Trajectory, type TrajectoryStep } from '../policy.ts';
import { textSimilarity } from './similarity.ts';

/** How a demonstration is written: ReAct's ALFWorld transcript, a compact tool transcript, or a plan. */
export type DemonstrationStyle = 'react' | 'tool' | 'plan';

/** The task a demonstration is chosen for. */
export interface DemonstrationTask {
  goal: string;
  taskType?: string;
  /** Never the same task: a demonstration of it would give the answer away. */
  taskId?: string;
  observation?: string;
}

/** How much the initial observations' similarity counts beside the goals'. */
const OBSERVATION_WEIGHT = 0.5;

/**
 * Picks in-context demonstrations by k-nearest neighbours: successful trajectories of the same
 * task family when there are any (else of any family), never of the same task, ranked by the
 * similarity of their goal (and initial observation) to the task's. They are taken in rank order
 * while the formatted text fits `maxTokens` (4 characters a token); one that does not fit is
 * skipped for a shorter one further down.
 */
export function selectDemonstrations({
  pool,
  task,
  k = 2,
  maxTokens = 3_000,
  style = 'react',
}: {
  pool: readonly Trajectory[];
  task: DemonstrationTask;
  /** Demonstrations wanted (default 2). */
  k?: number;
  /** Budget for all the formatted demonstrations together (default 3,000). */
  maxTokens?: number;
  /** The format the budget is measured in (default `react`). */
  style?: DemonstrationStyle;
}): Trajectory[] {
  const usable = pool.filter((trajectory) => trajectory.success && (task.taskId === undefined || trajectory.taskId !== task.taskId));
  const sameFamily = task.taskType === undefined ? [] : usable.filter((trajectory) => trajectory.taskType === task.taskType);
  const candidates = sameFamily.length > 0 ? sameFamily : usable;
  const ranked = candidates
    .map((trajectory, order) => ({ trajectory, order, score: relevance({ trajectory, task }) }))
    .sort((a, b) => b.score - a.score || a.order - b.order);
  const chosen: Trajectory[] = [];
  let tokens = 0;
  for (const { trajectory } of ranked) {
    if (chosen.length >= k) break;
    const cost = estimateTokens(formatDemonstration(trajectory, { style }));
    if (tokens + cost > maxTokens) continue;
    chosen.push(trajectory);
    tokens += cost;
  }
  return chosen;
}

function relevance({ trajectory, task }: { trajectory: Trajectory; task: DemonstrationTask }): number {
  const goal = textSimilarity(task.goal, trajectory.goal);
  if (task.observation === undefined) return goal;
  return goal + OBSERVATION_WEIGHT * textSimilarity(task.observation, trajectory.initialObservation);
}

/** Demonstrations one after another, under a line saying how many there are. */
export function formatDemonstrations(trajectories: readonly Trajectory[], { style }: { style: DemonstrationStyle }): string {
  if (trajectories.length === 0) return '';
  const heading = trajectories.length === 1 ? 'Here is an example.' : `Here are ${trajectories.length} examples.`;
  return [heading, ...trajectories.map((trajectory) => formatDemonstration(trajectory, { style }))].join('\n\n');
}

/**
 * One trajectory as a demonstration. `react` is ReAct's ALFWorld transcript; since experts do not
 * think aloud, short thoughts are written from the trajectory's key actions (at the start, after
 * taking the object, before the final put). `tool` is "action → observation" lines; `plan` the
 * numbered list of the actions that applied.
 */
export function formatDemonstration(trajectory: Trajectory, { style }: { style: DemonstrationStyle }): string {
  switch (style) {
    case 'react':
      return reactTranscript(trajectory);
    case 'tool':
      return [
        ...openingLines(trajectory),
        ...trajectory.steps.map((step) => `${sentAction(step)} → ${step.observation}`),
      ].join('\n');
    case 'plan':
      return [
        `Your task is to: ${trajectory.goal}`,
        ...trajectory.steps.filter((step) => step.valid).map((step, index) => `${index + 1}. ${sentAction(step)}`),
      ].join('\n');
  }
}

/** The opening observation, then the goal unless the observation already states it. */
function openingLines(trajectory: Trajectory): string[] {
  const observation = trajectory.initialObservation.trim();
  return observation.includes(trajectory.goal) ? [observation] : [observation, `Your task is to: ${trajectory.goal}`];
}

function sentAction(step: TrajectoryStep): string {
  return step.grounded ?? step.action;
}

/** A key action of a household trajectory, recognised from ALFWorld's command grammar. */
interface KeyAction {
  kind: 'take' | 'transform' | 'use' | 'put';
  /** The command's verb (`clean`, `heat`…). */
  verb: string;
  /** The object's name without its number ("mug"). */
  object: string;
  /** The place or appliance with its number ("sinkbasin 1"). */
  target: string;
  /** The clause in the opening plan ("clean it with sinkbasin"). */
  clause: string;
}

function keyAction(action: string): KeyAction | undefined {
  let match = /^take (.+?) \d+ from (.+)$/.exec(action);
  if (match) return { kind: 'take', verb: 'take', object: match[1]!, target: match[2]!, clause: `find and take ${article(match[1]!)} ${match[1]!}` };
  match = /^(clean|heat|cool) (.+?) \d+ with (.+)$/.exec(action);
  if (match) return { kind: 'transform', verb: match[1]!, object: match[2]!, target: match[3]!, clause: `${match[1]} it with ${withoutNumber(match[3]!)}` };
  match = /^use (.+)$/.exec(action);
  if (match) return { kind: 'use', verb: 'use', object: withoutNumber(match[1]!), target: match[1]!, clause: `find and use the ${withoutNumber(match[1]!)}` };
  match = /^put (.+?) \d+ in\/on (.+)$/.exec(action);
  if (match) return { kind: 'put', verb: 'put', object: match[1]!, target: match[2]!, clause: `put it in ${withoutNumber(match[2]!)}` };
  return undefined;
}

function reactTranscript(trajectory: Trajectory): string {
  const keys = trajectory.steps.map((step) => (step.valid ? keyAction(sentAction(step)) : undefined));
  const lastPut = keys.findLastIndex((key) => key?.kind === 'put');
  const clauses = keys.filter((key) => key !== undefined).map((key) => key.clause);
  const plan = clauses.length > 0 ? clauses.join(', then ') : `do this: ${trajectory.goal.replace(/\.$/, '')}`;
  const lines = [...openingLines(trajectory), `> think: To solve the task, I need to ${plan}.`, 'OK.'];
  for (const [index, step] of trajectory.steps.entries()) {
    const key = keys[index];
    if (index === lastPut && key) {
      lines.push(`> think: Now I put the ${key.object} in ${key.target} to finish the task.`, 'OK.');
    }
    lines.push(`> ${sentAction(step)}`, step.observation);
    if (key?.kind === 'take') {
      const next = keys.slice(index + 1).find((later) => later !== undefined && later.kind !== 'take');
      lines.push(`> think: Now I take ${article(key.object)} ${key.object}. Next, I need to ${next ? nextClause(next) : 'finish the task'}.`, 'OK.');
    }
  }
  return lines.join('\n');
}

function nextClause(key: KeyAction): string {
  switch (key.kind) {
    case 'transform':
      return `go to ${key.target} and ${key.verb} it`;
    case 'use':
      return `find and use the ${key.object}`;
    case 'put':
      return `put it in ${key.target}`;
    default:
      return key.clause;
  }
}

function withoutNumber(name: string): string {
  return name.replace(/ \d+$/, '');
}

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? 'an' : 'a';
}

/**
 * Plays `policyFor(environment)` once per reset and returns the trajectories, in order: the pool
 * demonstrations are chosen from. Use seeds other than the evaluation's.
 */
export async function collectTrajectories({
  environment,
  policyFor,
  resets,
}: {
  environment: Environment;
  /** A fresh policy for each episode (expert policies usually read the environment's state). */
  policyFor: (environment: Environment) => Policy;
  resets: readonly ResetOptions[];
}): Promise<Trajectory[]> {
  const trajectories: Trajectory[] = [];
  for (const reset of resets) trajectories.push(await playEpisode({ environment, policy: policyFor(environment), reset }));
  return trajectories;
}
