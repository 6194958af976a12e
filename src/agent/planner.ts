import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { BaseMessage } from '@langchain/core/messages';
import type { FunctionDefinition } from '../tools/router.ts';
import type { ChatRunnable } from './model-call.ts';
import type { FittedHistory } from './history.ts';
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
  /** Earlier turns of the conversation, already fitted to the context budget. */
  history?: FittedHistory;
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

/** The system-prompt text of a conversation summary: marked as the runtime's summary, not as instructions. */
export function summaryNote(summary: string): string {
  return `Summary of the earlier conversation with this user (written from the earlier turns; ask again if a detail is missing):\n${summary}`;
}

/** The system prompt: the instructions, then the summary of earlier turns if there is one. */
export function systemText(instructions: string | undefined, history: FittedHistory | undefined): string | undefined {
  const parts = [instructions, history?.summary ? summaryNote(history.summary) : undefined].filter(Boolean);
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}
