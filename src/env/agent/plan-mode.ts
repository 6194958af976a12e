import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { createAgent, type AgentLimits } from '../../agent/agent.ts';
import type { AgentEvent } from '../../agent/events.ts';
import type { RunResult } from '../../agent/records.ts';
import type { Trajectory, TrajectoryStep } from '../policy.ts';
import { DEFAULT_MAX_ACTIONS } from './constants.ts';
import { formatDemonstrations } from './demonstrations.ts';
import type { EnvironmentEpisode } from './episode.ts';
import { taskText } from './task-prompt.ts';

/** The system prompt of plan mode when the caller gives no instructions. */
export const DEFAULT_PLAN_INSTRUCTIONS =
  'You control an agent in a text environment. Before acting, write the whole plan: a numbered list of ' +
  'commands the environment understands (such as "go to fridge 1", "take mug 1 from cabinet 2"), one per line, ' +
  'in the order to run them, and nothing else. The commands will be run one by one without further input from you.';

export interface PlanEpisodeResult {
  /** The commands parsed from the model's plan, in order. */
  plan: string[];
  /** The steps that were run: every command until the plan ended or the episode did. */
  executed: TrajectoryStep[];
  /** Steps that applied ÷ steps run (0 when nothing ran): the plan's executability. */
  executability: number;
  success: boolean;
  /** The agent run that wrote the plan. */
  run: RunResult;
}

/**
 * Whole-plan mode (as in VirtualHome-style planning, Huang et al. 2022): one agent run without
 * tools writes the plan from the initial observation, then each command runs through the episode,
 * grounded. Commands that do not apply are counted and the plan goes on, because executability
 * is the share that could run. The episode must have been reset.
 */
export async function runPlanEpisode({
  model,
  episode,
  showAdmissible = true,
  demonstrations = [],
  instructions,
  limits,
  modelName,
  maxPlanSteps = DEFAULT_MAX_ACTIONS,
  signal,
  onEvent,
}: {
  model: BaseChatModel;
  episode: EnvironmentEpisode;
  showAdmissible?: boolean;
  demonstrations?: readonly Trajectory[];
  instructions?: string;
  limits?: AgentLimits;
  modelName?: string;
  /** Commands of the plan that are run at most (default 50). */
  maxPlanSteps?: number;
  signal?: AbortSignal;
  onEvent?(event: AgentEvent): void;
}): Promise<PlanEpisodeResult> {
  const agent = createAgent({
    model,
    planner: 'tool-calling',
    instructions: [instructions ?? DEFAULT_PLAN_INSTRUCTIONS, formatDemonstrations(demonstrations, { style: 'plan' })].filter(Boolean).join('\n\n'),
    ...(limits ? { limits } : {}),
    ...(modelName ? { modelName } : {}),
  });
  const input = `${taskText({ start: episode.start, showAdmissible })}\nWrite the plan now: a numbered list of commands, one per line.`;
  let run: RunResult | undefined;
  for await (const event of agent.stream(input, signal ? { signal } : {})) {
    onEvent?.(event);
    if (event.type === 'run_end') run = event.result;
  }
  // The agent's stream always ends with run_end; reaching here without it is a bug in Gantry.
  if (!run) throw new Error('The plan run ended without a run_end event.');

  const plan = parsePlan(run.stopReason === 'final' ? run.output : '', { maxSteps: maxPlanSteps });
  const executed: TrajectoryStep[] = [];
  for (const command of plan) {
    if (episode.done || signal?.aborted) break;
    executed.push((await episode.step(command)).record);
  }
  const valid = executed.filter((step) => step.valid).length;
  return { plan, executed, executability: executed.length === 0 ? 0 : valid / executed.length, success: episode.success, run };
}

const NUMBERED = /^(?:step\s*\d+\s*[:.)-]|\d+\s*[.):-])\s*/i;
const BULLET = /^[-*•]\s+/;

/**
 * The commands of a written plan: one per line, without numbering (`1.`, `2)`, `Step 3:`), bullets,
 * `>` markers, code fences, quotes or blank lines. When some lines are numbered or bulleted, the
 * others are taken for prose ("Here is the plan:") and dropped.
 */
export function parsePlan(text: string, { maxSteps = DEFAULT_MAX_ACTIONS }: { maxSteps?: number } = {}): string[] {
  const lines = text
    .split('\n')
    .map((line) => line.trim().replace(/^>\s*/, ''))
    .filter((line) => line !== '' && !line.startsWith('```'));
  const marked = lines.filter((line) => NUMBERED.test(line) || BULLET.test(line));
  const chosen = marked.length > 0 ? marked : lines;
  return chosen
    .map((line) => line.replace(NUMBERED, '').replace(BULLET, '').replace(/^["'`]+|["'`]+$/g, '').trim())
    .filter((line) => line !== '')
    .slice(0, maxSteps);
}
