import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { createAgent, type AgentLimits } from '../../agent/agent.ts';
import { UserError } from '../../agent/errors.ts';
import type { AgentEvent } from '../../agent/events.ts';
import type { RunResult, StopReason } from '../../agent/records.ts';
import { ZERO_USAGE, type Usage } from '../../agent/usage.ts';
import type { Environment, ResetOptions, ResetResult } from '../environment.ts';
import type { Trajectory } from '../policy.ts';
import { createActionTool, createThinkTool } from './action-tool.ts';
import { DEFAULT_MAX_ACTIONS, REACT_CALLS_PER_ACTION } from './constants.ts';
import { formatDemonstrations } from './demonstrations.ts';
import { EnvironmentEpisode, episodeEnded } from './episode.ts';
import type { Grounding } from './grounding.ts';
import { runPlanEpisode } from './plan-mode.ts';
import { DEFAULT_ALFWORLD_INSTRUCTIONS, reactAlfworldPlanner } from './react-alfworld-planner.ts';
import { taskText } from './task-prompt.ts';

/** How the model acts: native tool calls, ReAct's ALFWorld text lines, or a whole plan written first. */
export type EnvironmentAgentMode = 'tools' | 'react' | 'plan';

/** The system prompt of tools mode when the caller gives no instructions. */
export const DEFAULT_TOOLS_INSTRUCTIONS =
  'You act in a text environment to complete a task. Call the act tool with one command at a time (such as ' +
  '"go to fridge 1" or "take mug 1 from cabinet 2"), read what you observe, and go on until the task is done. ' +
  'Prefer the admissible actions when they are listed.';

export interface EnvironmentEpisodeOptions {
  /** Any LangChain chat model; tools mode needs native tool calling. */
  model: BaseChatModel;
  /** The environment to act in; it is reset here and left open (the caller closes it). */
  environment: Environment;
  /** Which task to reset to. */
  reset?: ResetOptions;
  /** `tools` (default): the `act` tool; `react`: ReAct's ALFWorld format with `think`; `plan`: a whole plan first. */
  mode?: EnvironmentAgentMode;
  /** Show the admissible actions with each observation (default true). */
  showAdmissible?: boolean;
  /**
   * Demonstrations, written in the mode's style: already selected, or a function that selects
   * them once the task is known (see `selectDemonstrations`).
   */
  demonstrations?: readonly Trajectory[] | ((start: ResetResult) => readonly Trajectory[]);
  /** The system prompt; each mode has a default. Demonstrations are appended to it. */
  instructions?: string;
  /**
   * Budgets of the agent run. `maxSteps` defaults to 50 model calls (100 in react mode, where
   * thoughts are calls too); in plan mode it also caps the plan's length (default 50).
   * `toolConcurrency` is always 1, so actions run in the order the model gave them.
   */
  limits?: AgentLimits;
  /** The model's name for pricing and traces. */
  modelName?: string;
  signal?: AbortSignal;
  /** Receives every event of the agent run, for traces and printing. */
  onEvent?(event: AgentEvent): void;
}

/** What came of one episode. */
export interface EpisodeResult {
  seed?: number;
  taskId?: string;
  taskType?: string;
  goal: string;
  success: boolean;
  /** Environment actions taken. */
  steps: number;
  /** Actions the environment said did not apply. */
  invalidActions: number;
  /** The actions as sent to the environment, after grounding. */
  actions: string[];
  /** The groundings that changed what the model wrote. */
  groundings: Grounding[];
  tokens: Usage;
  runId?: string;
  stopReason?: StopReason;
  /** Set when the agent run ended with an error (the model call failed, for example). */
  error?: string;
  /** Plan mode: steps that applied ÷ steps run. */
  executability?: number;
}

/**
 * Plays one episode with a model as the policy. The model acts through Gantry's agent loop
 * (`createAgent` and `agent.stream`), and the run stops normally when the episode ends.
 */
export async function runEnvironmentEpisode(options: EnvironmentEpisodeOptions): Promise<EpisodeResult> {
  const { model, environment, reset = {}, mode = 'tools', showAdmissible = true, limits = {} } = options;
  if (mode !== 'tools' && mode !== 'react' && mode !== 'plan') {
    throw new UserError(`Unknown environment agent mode ${JSON.stringify(mode)}. Use "tools", "react" or "plan".`);
  }
  const episode = new EnvironmentEpisode({ environment });
  const start = await episode.reset(reset);
  const demonstrations = typeof options.demonstrations === 'function' ? options.demonstrations(start) : (options.demonstrations ?? []);

  if (mode === 'plan') {
    const { maxSteps, ...planLimits } = limits;
    const planned = await runPlanEpisode({
      model,
      episode,
      showAdmissible,
      demonstrations,
      ...(options.instructions === undefined ? {} : { instructions: options.instructions }),
      limits: planLimits,
      ...(options.modelName ? { modelName: options.modelName } : {}),
      ...(maxSteps === undefined ? {} : { maxPlanSteps: maxSteps }),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    return { ...episodeSummary({ episode, seed: reset.seed, run: planned.run }), executability: planned.executability };
  }

  const react = mode === 'react';
  const tools = react ? [createActionTool({ episode, showAdmissible }), createThinkTool()] : [createActionTool({ episode, showAdmissible })];
  const defaultInstructions = react ? DEFAULT_ALFWORLD_INSTRUCTIONS : DEFAULT_TOOLS_INSTRUCTIONS;
  const agent = createAgent({
    model,
    tools,
    planner: react ? reactAlfworldPlanner : 'tool-calling',
    instructions: [options.instructions ?? defaultInstructions, formatDemonstrations(demonstrations, { style: react ? 'react' : 'tool' })]
      .filter(Boolean)
      .join('\n\n'),
    limits: { maxSteps: react ? DEFAULT_MAX_ACTIONS * REACT_CALLS_PER_ACTION : DEFAULT_MAX_ACTIONS, ...limits, toolConcurrency: 1 },
    stopWhen: [episodeEnded(episode)],
    ...(options.modelName ? { modelName: options.modelName } : {}),
  });
  let run: RunResult | undefined;
  for await (const event of agent.stream(taskText({ start, showAdmissible }), options.signal ? { signal: options.signal } : {})) {
    options.onEvent?.(event);
    if (event.type === 'run_end') run = event.result;
  }
  // The agent's stream always ends with run_end; reaching here without it is a bug in Gantry.
  if (!run) throw new Error('The environment agent run ended without a run_end event.');
  return episodeSummary({ episode, seed: reset.seed, run });
}

function episodeSummary({ episode, seed, run }: { episode: EnvironmentEpisode; seed: number | undefined; run: RunResult }): EpisodeResult {
  const trajectory = episode.trajectory;
  return {
    ...(seed === undefined ? {} : { seed }),
    ...(trajectory.taskId === undefined ? {} : { taskId: trajectory.taskId }),
    ...(trajectory.taskType === undefined ? {} : { taskType: trajectory.taskType }),
    goal: trajectory.goal,
    success: episode.success,
    steps: episode.steps,
    invalidActions: episode.invalidActions,
    actions: [...episode.actions],
    groundings: [...episode.groundings],
    tokens: run.usage,
    runId: run.runId,
    stopReason: run.stopReason,
    ...(run.error ? { error: run.error.message } : {}),
  };
}

/** The result of an episode a non-model policy played (the expert, the random policy): no tokens. */
export function episodeResultFromTrajectory({ trajectory, seed }: { trajectory: Trajectory; seed?: number }): EpisodeResult {
  return {
    ...(seed === undefined ? {} : { seed }),
    ...(trajectory.taskId === undefined ? {} : { taskId: trajectory.taskId }),
    ...(trajectory.taskType === undefined ? {} : { taskType: trajectory.taskType }),
    goal: trajectory.goal,
    success: trajectory.success,
    steps: trajectory.steps.length,
    invalidActions: trajectory.steps.filter((step) => !step.valid).length,
    actions: trajectory.steps.map((step) => step.grounded ?? step.action),
    groundings: [],
    tokens: { ...ZERO_USAGE },
  };
}
