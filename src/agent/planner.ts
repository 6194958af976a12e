import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { BaseMessage } from '@langchain/core/messages';
import type { FunctionDefinition } from '../tools/router.ts';
import type { ChatRunnable } from './model-call.ts';
import type { ModelReply, StepRecord, ToolCallRequest } from './records.ts';

/** What the planner makes of a model reply. */
export type PlannerDecision =
  | { type: 'final'; output: string }
  | { type: 'act'; calls: ToolCallRequest[] }
  /** The reply could not be acted on; the error goes back to the model as an observation. */
  | { type: 'invalid'; error: string };

export interface PlannerContext {
  instructions?: string;
  input: string;
  tools: readonly FunctionDefinition[];
}

/**
 * A planner turns step records into the next model request and the model's reply into a
 * decision. It holds no state: everything it needs is in the records, which is what makes runs
 * resumable and replayable.
 */
export interface Planner {
  readonly name: string;
  /** Binds the tools to the model, once per run. */
  prepare(options: { model: BaseChatModel; tools: readonly FunctionDefinition[] }): ChatRunnable;
  /** Rebuilds the whole prompt from the records. */
  messages(options: PlannerContext & { steps: readonly StepRecord[] }): BaseMessage[];
  decide(options: { reply: ModelReply; step: number; tools: readonly FunctionDefinition[] }): PlannerDecision;
  /** Stop sequences to send with each request. */
  readonly stop?: string[];
}

/** Text shown to the model for a tool call's result. */
export function observationText(record: { output?: string; error?: string }): string {
  return record.error === undefined ? (record.output ?? '') : `Error: ${record.error}`;
}
