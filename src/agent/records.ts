import type { Usage } from './usage.ts';
import type { Source } from '../tools/tool.ts';

/** One tool call as the model asked for it. */
export interface ToolCallRequest {
  id: string;
  name: string;
  /** The arguments exactly as the model sent them (may be invalid JSON, or ""). */
  argsText: string;
}

/** What one tool call produced. Exactly one of `output` and `error` is set. */
export interface ToolCallRecord {
  id: string;
  name: string;
  /** Parsed arguments when they were valid JSON, else the raw text. */
  args: unknown;
  /** The text the model saw. */
  output?: string;
  /** The error text the model saw, written so it can fix its call. */
  error?: string;
  /** Set when the call was cut short because the run was cancelled; a resumed run runs it again. */
  cancelled?: true;
  durationMs: number;
}

/** The model's reply in one step, in a provider-neutral, serialisable form. */
export interface ModelReply {
  text: string;
  toolCalls: ToolCallRequest[];
  usage: Usage;
  finishReason?: string;
  durationMs: number;
}

/**
 * One completed step: a model call and what came of it. Step records are the single source of
 * truth of a run; planners rebuild the prompt from them, so resume, replay and traces need
 * nothing else.
 */
export interface StepRecord {
  index: number;
  reply: ModelReply;
  /** Results in the order the model asked for the calls. */
  toolCalls: ToolCallRecord[];
  /** A reply the planner could not act on (a malformed ReAct action), fed back to the model. */
  planError?: string;
  /** Set on the step that ended the run with an answer. */
  final?: string;
}

/** Why a run stopped. */
export type StopReason = 'final' | 'max_steps' | 'max_tokens' | 'timeout' | 'max_cost' | 'aborted' | 'error';

export interface RunResult {
  runId: string;
  /** The final answer; for a budget stop, the last text the model wrote (possibly empty). */
  output: string;
  stopReason: StopReason;
  steps: StepRecord[];
  usage: Usage;
  /** Set when `stopReason` is `error` (and for budget stops, which budget and its value). */
  error?: { name: string; message: string };
  /** Pages and passages tools read, in the order recorded, without duplicates. */
  sources?: Source[];
  /** Tools that failed to release their per-run state (`onRunEnd`), as `name: message`. */
  cleanupErrors?: string[];
  durationMs: number;
}
