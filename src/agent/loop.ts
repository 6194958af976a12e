import type { AgentEvent } from './events.ts';
import { EVENT_SCHEMA_VERSION } from './events.ts';
import { callModel, type ChatRunnable, type RetryPolicy } from './model-call.ts';
import type { Planner } from './planner.ts';
import type { RunResult, StepRecord, StopReason, ToolCallRecord, ToolCallRequest, ModelReply } from './records.ts';
import type { StopCondition, RunState } from './stop-conditions.ts';
import { addUsage, ZERO_USAGE, type Usage } from './usage.ts';
import { BudgetExceededError, describeError, ModelBehaviorError } from './errors.ts';
import { parseArguments, type ToolRouter } from '../tools/router.ts';
import { costOf, findPrice, type PriceTable } from '../models/pricing.ts';
import type { Source } from '../tools/tool.ts';
import { compactSteps, type ContextOptions, type FittedHistory } from './history.ts';

/**
 * Where a resumed run picks up: the steps that completed, and the step that was cut short after
 * the model replied (its finished tool calls are reused, never run again).
 */
export interface ResumeState {
  steps: StepRecord[];
  pending?: { reply: ModelReply; toolCalls: ToolCallRecord[] };
}

/** Everything one run needs; built by `Agent` from its options. */
export interface LoopConfig {
  runId: string;
  input: string;
  instructions?: string;
  runnable: ChatRunnable;
  planner: Planner;
  router: ToolRouter;
  stopConditions: readonly StopCondition[];
  timeoutMs?: number;
  toolConcurrency: number;
  maxConsecutiveFailures: number;
  retry?: RetryPolicy;
  modelName?: string;
  prices: PriceTable;
  context: unknown;
  signal: AbortSignal;
  /** Earlier turns of the conversation, fitted to the context budget. */
  history?: FittedHistory;
  contextWindow?: ContextOptions;
  resume?: ResumeState;
}

type EventBody = AgentEvent extends infer E ? (E extends AgentEvent ? Omit<E, 'runId' | 'time'> : never) : never;
type Emit = (event: EventBody) => void;

/**
 * The agent loop: ask the planner's model what to do, run the tools it asked for, repeat until a
 * final answer or a stop condition. It never throws; every ending is a `RunResult`.
 */
export async function runLoop(config: LoopConfig, push: (event: AgentEvent) => void): Promise<RunResult> {
  const emit: Emit = (event) => push({ ...event, runId: config.runId, time: Date.now() } as AgentEvent);
  const started = performance.now();
  const controller = new AbortController();
  const abortFromCaller = () => controller.abort(config.signal.reason);
  config.signal.addEventListener('abort', abortFromCaller, { once: true });
  if (config.signal.aborted) abortFromCaller();
  let timedOut = false;
  const timer =
    config.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort(new BudgetExceededError(`The run exceeded its ${config.timeoutMs} ms time limit.`));
        }, config.timeoutMs);

  const steps: StepRecord[] = [...(config.resume?.steps ?? [])];
  const sources = new Map<string, Source>();
  const recordSource = (source: Source) => {
    const key = `${source.url}\n${source.quote ?? ''}`;
    if (!sources.has(key)) sources.set(key, { ...source });
  };
  let usage: Usage = ZERO_USAGE;
  for (const step of steps) usage = addUsage(usage, step.reply.usage);
  let pending = config.resume?.pending;
  if (pending) usage = addUsage(usage, pending.reply.usage);
  const finish = (stopReason: StopReason, output: string, error?: Error): RunResult => {
    const result: RunResult = {
      runId: config.runId,
      output,
      stopReason,
      steps,
      usage,
      durationMs: Math.round(performance.now() - started),
    };
    if (error) result.error = { name: error.name, message: error.message };
    if (sources.size > 0) result.sources = [...sources.values()];
    return result;
  };
  const lastText = () => steps.at(-1)?.reply.text ?? '';
  const abortResult = () =>
    timedOut
      ? finish('timeout', lastText(), controller.signal.reason as Error)
      : finish('aborted', lastText(), cancellationError(config.signal.reason));

  emit({
    type: 'run_start',
    schemaVersion: EVENT_SCHEMA_VERSION,
    input: config.input,
    planner: config.planner.name,
    tools: config.router.names,
    ...(config.modelName ? { model: config.modelName } : {}),
    ...(config.resume ? { resumed: { steps: steps.length, toolCalls: pending?.toolCalls.length ?? 0 } } : {}),
  });

  let result: RunResult;
  try {
    result = await runSteps();
  } catch (error) {
    result = controller.signal.aborted ? abortResult() : finish('error', lastText(), asError(error));
  } finally {
    clearTimeout(timer);
    config.signal.removeEventListener('abort', abortFromCaller);
  }
  // A tool that fails to release its per-run state cannot change the outcome; it is reported.
  const cleanupErrors = await config.router.runEnded(config.runId);
  if (cleanupErrors.length > 0) result.cleanupErrors = cleanupErrors;
  emit({ type: 'run_end', result });
  return result;

  async function runSteps(): Promise<RunResult> {
    const tools = config.router.definitions();
    let consecutiveFailures = 0;
    for (;;) {
      if (controller.signal.aborted) return abortResult();
      const state: RunState = { steps, usage, elapsedMs: performance.now() - started };
      const stop = config.stopConditions.find((condition) => condition.isMet(state));
      if (stop) {
        const error = stop.reason === 'final' ? undefined : new BudgetExceededError(stop.describe(state));
        return finish(stop.reason, lastText(), error);
      }

      const index = steps.length;
      emit({ type: 'step_start', step: index });
      // A resumed run's cut-short step already has its reply; asking again could change the calls.
      const reply = pending?.reply ?? (await askModel(index, tools));
      const reused = new Map((pending?.toolCalls ?? []).map((call) => [call.id, call]));
      pending = undefined;
      const decision = config.planner.decide({ reply, step: index, tools });
      const record: StepRecord = { index, reply, toolCalls: [] };
      if (decision.type === 'final') {
        record.final = decision.output;
        steps.push(record);
        emit({ type: 'step_end', step: index, record });
        return finish('final', decision.output);
      }
      if (decision.type === 'invalid') record.planError = decision.error;
      else record.toolCalls = await runToolCalls(index, decision.calls, reused);
      steps.push(record);
      emit({ type: 'step_end', step: index, record });

      const failed = record.planError !== undefined || record.toolCalls.every((call) => call.error !== undefined);
      consecutiveFailures = failed ? consecutiveFailures + 1 : 0;
      if (consecutiveFailures >= config.maxConsecutiveFailures && !controller.signal.aborted) {
        const lastError = record.planError ?? record.toolCalls.at(-1)?.error ?? '';
        return finish('error', lastText(), new ModelBehaviorError(
          `The run stopped after ${consecutiveFailures} steps in a row whose tool calls all failed. ` +
            `Last error: ${lastError.split('\n')[0]} Raise limits.maxConsecutiveFailures, or check the tools and instructions.`,
        ));
      }
    }
  }

  async function askModel(step: number, tools: ReturnType<ToolRouter['definitions']>): Promise<ModelReply> {
    const messages = config.planner.messages({
      instructions: config.instructions,
      input: config.input,
      steps: compactSteps({ steps, options: config.contextWindow }),
      tools,
      ...(config.history ? { history: config.history } : {}),
    });
    const { reply, servedModel } = await callModel({
      runnable: config.runnable,
      messages,
      signal: controller.signal,
      stop: config.planner.stop,
      retry: config.retry,
      idPrefix: `call_${step}`,
      onDelta: (text) => emit({ type: 'model_delta', step, text }),
      onRetry: (info) => emit({ type: 'model_retry', step, ...info }),
    });
    // The served name (gpt-4o-2024-08-06) is the most precise; the configured one is the fallback.
    const price = [servedModel, config.modelName].map((name) => name && findPrice(name, config.prices)).find(Boolean);
    if (price) reply.usage.costUsd = costOf(reply.usage, price);
    usage = addUsage(usage, reply.usage);
    emit({ type: 'model_message', step, reply });
    return reply;
  }

  async function runToolCalls(step: number, calls: ToolCallRequest[], reused: ReadonlyMap<string, ToolCallRecord>): Promise<ToolCallRecord[]> {
    return mapConcurrent(calls, config.toolConcurrency, async (request) => {
      const done = reused.get(request.id);
      if (done) return done;
      const parsed = parseArguments(request.argsText);
      emit({ type: 'tool_call_start', step, toolCallId: request.id, name: request.name, args: parsed.ok ? parsed.value : request.argsText });
      const record = await config.router.call({ request, runId: config.runId, signal: controller.signal, context: config.context, recordSource });
      emit({
        type: 'tool_call_end',
        step,
        toolCallId: record.id,
        name: record.name,
        ...(record.error === undefined ? { output: record.output } : { error: record.error }),
        ...(record.cancelled ? { cancelled: true as const } : {}),
        durationMs: record.durationMs,
      });
      return record;
    });
  }
}

/** Runs `task` over `items` with at most `limit` at once; results keep the items' order. */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Says why the caller cancelled, when the reason it gave is an error with a message. */
function cancellationError(reason: unknown): Error {
  if (reason instanceof Error && reason.name !== 'AbortError' && reason.message) return new Error(`The run was cancelled: ${reason.message}`);
  return new Error('The run was cancelled by its AbortSignal.');
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(describeError(error));
}
