import type { ModelReply, RunResult, StepRecord } from './records.ts';

/** Bumped when an event's shape changes incompatibly; written into every `run_start`. */
export const EVENT_SCHEMA_VERSION = 1;

interface EventBase {
  runId: string;
  /** Milliseconds since the Unix epoch. */
  time: number;
}

export interface RunStartEvent extends EventBase {
  type: 'run_start';
  schemaVersion: number;
  input: string;
  planner: string;
  tools: string[];
  model?: string;
  /** Set when the run continues a checkpointed one: the steps and tool calls it starts from. */
  resumed?: { steps: number; toolCalls: number };
}

export interface StepStartEvent extends EventBase {
  type: 'step_start';
  step: number;
}

/** A piece of the model's text as it streams in. */
export interface ModelDeltaEvent extends EventBase {
  type: 'model_delta';
  step: number;
  text: string;
}

/** A transient model failure that will be retried; text deltas of the failed attempt are void. */
export interface ModelRetryEvent extends EventBase {
  type: 'model_retry';
  step: number;
  attempt: number;
  delayMs: number;
  error: string;
}

/** The model's complete reply for a step, with its usage. */
export interface ModelMessageEvent extends EventBase {
  type: 'model_message';
  step: number;
  reply: ModelReply;
}

export interface ToolCallStartEvent extends EventBase {
  type: 'tool_call_start';
  step: number;
  toolCallId: string;
  name: string;
  args: unknown;
}

export interface ToolCallEndEvent extends EventBase {
  type: 'tool_call_end';
  step: number;
  toolCallId: string;
  name: string;
  output?: string;
  error?: string;
  /** The call was cut short by the run's cancellation (its error says so). */
  cancelled?: true;
  durationMs: number;
}

export interface StepEndEvent extends EventBase {
  type: 'step_end';
  step: number;
  record: StepRecord;
}

export interface RunEndEvent extends EventBase {
  type: 'run_end';
  result: RunResult;
}

/** Everything observable about a run. Every event is plain JSON. */
export type AgentEvent =
  | RunStartEvent
  | StepStartEvent
  | ModelDeltaEvent
  | ModelRetryEvent
  | ModelMessageEvent
  | ToolCallStartEvent
  | ToolCallEndEvent
  | StepEndEvent
  | RunEndEvent;

export type AgentEventType = AgentEvent['type'];
