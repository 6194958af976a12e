import { randomUUID } from 'node:crypto';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { EventChannel } from './channel.ts';
import { directChatRunnable } from './direct-stream.ts';
import { DEFAULT_MAX_CONSECUTIVE_FAILURES, DEFAULT_MAX_STEPS, DEFAULT_TOOL_CONCURRENCY } from './constants.ts';
import { UserError } from './errors.ts';
import type { AgentEvent } from './events.ts';
import { runLoop, type LoopConfig } from './loop.ts';
import type { ChatRunnable, RetryPolicy } from './model-call.ts';
import type { Planner } from './planner.ts';
import { reactPlanner } from './planners/react.ts';
import { toolCallingPlanner } from './planners/tool-calling.ts';
import type { RunResult } from './records.ts';
import { fitHistory, type ContextOptions, type ConversationHistory } from './history.ts';
import type { ResumeState } from './loop.ts';
import { costIs, stepCountIs, tokenCountIs, type StopCondition } from './stop-conditions.ts';
import { ToolRouter } from '../tools/router.ts';
import type { ToolLike } from '../tools/registered-tool.ts';
import { DEFAULT_PRICES, findPrice, type PriceTable } from '../models/pricing.ts';

/** Budgets of one run. Every budget stop keeps the steps completed so far. */
export interface AgentLimits {
  /** Model calls per run (default 25). */
  maxSteps?: number;
  /** Total input + output tokens; checked before each model call. */
  maxTokens?: number;
  /** Wall-clock time for the whole run; reaching it cancels the model call and tools. */
  timeoutMs?: number;
  /** Spend in USD, from the price table; checked before each model call. */
  maxCostUsd?: number;
  /** Steps in a row whose tool calls all failed before the run ends with an error (default 3). */
  maxConsecutiveFailures?: number;
  /** Per tool call, unless the tool sets its own (default 60 s). */
  toolTimeoutMs?: number;
  /** Tool output longer than this is cut before the model sees it (default 20,000). */
  maxToolOutputChars?: number;
  /** Tool calls of one reply that run at once (default 4). */
  toolConcurrency?: number;
}

export type PlannerOption = 'auto' | 'tool-calling' | 'react' | Planner;

export interface AgentOptions {
  /** Any LangChain chat model. */
  model: BaseChatModel;
  tools?: readonly ToolLike[];
  /** The system prompt. */
  instructions?: string;
  /**
   * `tool-calling` uses native function calling; `react` the text format for models without it;
   * `auto` (default) picks `tool-calling` when the model can bind tools.
   */
  planner?: PlannerOption;
  limits?: AgentLimits;
  /** Extra stop conditions, checked with the budgets before each model call. */
  stopWhen?: readonly StopCondition[];
  /** Prices (USD per 1M tokens) added to or overriding the built-in table. */
  pricing?: PriceTable;
  /** The model's name for pricing and traces, when the model object does not say. */
  modelName?: string;
  retry?: RetryPolicy;
  /** Passed to every tool call as `context`; `run` can override it. */
  context?: unknown;
  /** How much conversation history and old tool output is resent to the model. */
  contextWindow?: ContextOptions;
}

/**
 * Receives every event of a run synchronously, as it happens and before any stream consumer:
 * the place to save checkpoints, so a run killed at any point can be resumed. If `record`
 * throws, the run is cancelled with that error rather than going on unsaved.
 */
export interface RunCheckpointer {
  record(event: AgentEvent): void;
}

export interface RunOptions {
  signal?: AbortSignal;
  context?: unknown;
  /** Defaults to a fresh UUID. */
  runId?: string;
  /** Earlier turns of the conversation; fitted to `contextWindow` and sent before the input. */
  history?: ConversationHistory;
  /** Text appended to the agent's instructions for this run only, such as notes recalled for this input. */
  additionalInstructions?: string;
  /** Continue a checkpointed run: its completed steps are kept and its finished tool calls reused. */
  resume?: ResumeState;
  checkpoint?: RunCheckpointer;
}

export class Agent {
  readonly planner: Planner;
  readonly modelName: string | undefined;
  readonly #options: AgentOptions;
  readonly #router: ToolRouter;
  readonly #runnable: ChatRunnable;
  readonly #stopConditions: StopCondition[];
  readonly #prices: PriceTable;

  constructor(options: AgentOptions) {
    if (!options?.model || typeof (options.model as { stream?: unknown }).stream !== 'function') {
      throw new UserError('createAgent needs a LangChain chat model as `model` (for example new ChatOpenAI({ model: "gpt-4.1-mini" })).');
    }
    this.#options = options;
    const limits = validateLimits(options.limits ?? {});
    this.#router = new ToolRouter({
      tools: options.tools ?? [],
      timeoutMs: limits.toolTimeoutMs,
      maxOutputChars: limits.maxToolOutputChars,
    });
    this.planner = resolvePlanner(options.planner ?? 'auto', options.model);
    this.#runnable = directChatRunnable(this.planner.prepare({ model: options.model, tools: this.#router.definitions() }));
    this.modelName = options.modelName ?? modelNameOf(options.model);
    this.#prices = { ...DEFAULT_PRICES, ...options.pricing };
    if (limits.maxCostUsd !== undefined && !(this.modelName && findPrice(this.modelName, this.#prices))) {
      throw new UserError(
        `limits.maxCostUsd needs the model's price, and none is known for ${this.modelName ?? 'this model'}. ` +
          'Pass pricing: { "<model>": { input: <USD per 1M tokens>, output: <USD per 1M tokens> } } ' +
          '(on the command line: --price INPUT,OUTPUT).',
      );
    }
    this.#stopConditions = [
      stepCountIs(limits.maxSteps ?? DEFAULT_MAX_STEPS),
      ...(limits.maxTokens === undefined ? [] : [tokenCountIs(limits.maxTokens)]),
      ...(limits.maxCostUsd === undefined ? [] : [costIs(limits.maxCostUsd)]),
      ...(options.stopWhen ?? []),
    ];
  }

  /** Names of the tools the model can call. */
  get toolNames(): string[] {
    return this.#router.names;
  }

  /**
   * Runs the agent and streams every event; the last one is `run_end` with the result. Breaking
   * out of the iteration cancels the run.
   */
  stream(input: string, options: RunOptions = {}): AsyncIterable<AgentEvent> {
    if (typeof input !== 'string') throw new UserError('The input to an agent run must be a string.');
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const limits = this.#options.limits ?? {};
    const config: LoopConfig = {
      runId: options.runId ?? randomUUID(),
      input,
      instructions: [this.#options.instructions, options.additionalInstructions].filter(Boolean).join('\n\n') || undefined,
      runnable: this.#runnable,
      planner: this.planner,
      router: this.#router,
      stopConditions: this.#stopConditions,
      timeoutMs: limits.timeoutMs,
      toolConcurrency: limits.toolConcurrency ?? DEFAULT_TOOL_CONCURRENCY,
      maxConsecutiveFailures: limits.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES,
      retry: this.#options.retry,
      modelName: this.modelName,
      prices: this.#prices,
      context: options.context ?? this.#options.context,
      signal,
      ...(this.#options.contextWindow ? { contextWindow: this.#options.contextWindow } : {}),
      ...(options.history ? { history: fitHistory({ history: options.history, options: this.#options.contextWindow }) } : {}),
      ...(options.resume ? { resume: options.resume } : {}),
    };
    const checkpoint = options.checkpoint;
    const push = (event: AgentEvent) => {
      if (checkpoint) {
        try {
          checkpoint.record(event);
        } catch (error) {
          controller.abort(new Error(`could not save the run's checkpoint (${error instanceof Error ? error.message : String(error)}).`));
        }
      }
      channel.push(event);
    };
    const channel: EventChannel<AgentEvent> = new EventChannel<AgentEvent>({
      // The run starts when the caller first reads an event.
      onStart: () => {
        runLoop(config, push).then(
          () => channel.close(),
          (error: unknown) => channel.close({ value: error }),
        );
      },
      onCancel: () => controller.abort(new Error('The event stream was closed.')),
    });
    return channel;
  }

  /** Runs the agent to the end. Drains `stream`: there is one loop. */
  async run(input: string, options: RunOptions = {}): Promise<RunResult> {
    let result: RunResult | undefined;
    for await (const event of this.stream(input, options)) {
      if (event.type === 'run_end') result = event.result;
    }
    // runLoop always ends with run_end; reaching here without it is a bug in Gantry.
    if (!result) throw new Error('The agent loop ended without a run_end event.');
    return result;
  }
}

export function createAgent(options: AgentOptions): Agent {
  return new Agent(options);
}

function resolvePlanner(option: PlannerOption, model: BaseChatModel): Planner {
  if (typeof option === 'object') return option;
  switch (option) {
    case 'auto':
      return typeof model.bindTools === 'function' ? toolCallingPlanner : reactPlanner;
    case 'tool-calling':
      return toolCallingPlanner;
    case 'react':
      return reactPlanner;
    default:
      throw new UserError(`Unknown planner ${JSON.stringify(option)}. Use "auto", "tool-calling" or "react".`);
  }
}

function modelNameOf(model: BaseChatModel): string | undefined {
  const candidate = model as unknown as { model?: unknown; modelName?: unknown };
  if (typeof candidate.model === 'string') return candidate.model;
  if (typeof candidate.modelName === 'string') return candidate.modelName;
  return undefined;
}

const POSITIVE_INTEGER_LIMITS = ['maxSteps', 'maxTokens', 'timeoutMs', 'maxConsecutiveFailures', 'toolTimeoutMs', 'maxToolOutputChars', 'toolConcurrency'] as const;

function validateLimits(limits: AgentLimits): AgentLimits {
  for (const key of POSITIVE_INTEGER_LIMITS) {
    const value = limits[key];
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new UserError(`limits.${key} must be a positive whole number; got ${JSON.stringify(value)}.`);
    }
  }
  if (limits.maxCostUsd !== undefined && !(typeof limits.maxCostUsd === 'number' && limits.maxCostUsd > 0)) {
    throw new UserError(`limits.maxCostUsd must be a positive number of US dollars; got ${JSON.stringify(limits.maxCostUsd)}.`);
  }
  return limits;
}
