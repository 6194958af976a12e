import { estimateTokens } from './usage.ts';
import type { StepRecord, StopReason, ToolCallRecord } from './records.ts';
import { CHARS_PER_TOKEN_ESTIMATE, DEFAULT_MAX_HISTORY_TOKENS, DEFAULT_MAX_OLD_TOOL_OUTPUT_CHARS, DEFAULT_RECENT_STEPS_KEPT_WHOLE } from './constants.ts';

/** One earlier exchange of a conversation: what the user asked and the steps that answered it. */
export interface HistoryTurn {
  runId: string;
  input: string;
  steps: StepRecord[];
  /** The answer the user saw; for a run stopped by a budget, the last text the model wrote. */
  output: string;
  stopReason?: StopReason;
}

/** What a run knows of the conversation before its input. */
export interface ConversationHistory {
  /** A summary of turns that no longer fit, written by the model; sent before the turns. */
  summary?: string;
  turns: readonly HistoryTurn[];
}

/** How much of the conversation and of a long run is resent to the model. */
export interface ContextOptions {
  /** Estimated tokens the earlier turns (and their summary) may take in each prompt (default 8,000). */
  maxHistoryTokens?: number;
  /**
   * Tool output longer than this, in earlier turns and in all but the most recent steps of the
   * current run, is shortened before it is resent (default 2,000 characters).
   */
  maxOldToolOutputChars?: number;
  /** Steps at the end of the current run whose tool output is always resent whole (default 2). */
  recentStepsKeptWhole?: number;
}

/** A turn as it will be resent: whole (with shortened tool output), or only question and answer. */
export type FittedTurn = HistoryTurn & { answerOnly?: boolean };

export interface FittedHistory {
  summary?: string;
  turns: FittedTurn[];
  /** Turns left out because they did not fit, oldest first; candidates for summarising. */
  omitted: HistoryTurn[];
}

/**
 * Chooses what of the history goes into the prompt: the most recent turns that fit the budget.
 * A turn's tool calls and their results are kept or dropped together (a call without its result
 * is an error for every provider): a turn that does not fit whole is reduced to its question and
 * answer, and older turns are left out. The instructions are not part of the budget; they are
 * always sent.
 */
export function fitHistory({ history, options = {} }: { history: ConversationHistory; options?: ContextOptions }): FittedHistory {
  const budget = options.maxHistoryTokens ?? DEFAULT_MAX_HISTORY_TOKENS;
  const maxChars = options.maxOldToolOutputChars ?? DEFAULT_MAX_OLD_TOOL_OUTPUT_CHARS;
  let used = history.summary ? estimateTokens(history.summary) : 0;
  const kept: FittedTurn[] = [];
  let index = history.turns.length - 1;
  for (; index >= 0; index--) {
    const turn = history.turns[index]!;
    // A turn without step records (one written by hand, or imported from a transcript) is its
    // question and answer; sent "whole" it would show the question with no answer at all.
    const whole: FittedTurn = turn.steps.length === 0
      ? { ...turn, steps: [], answerOnly: true }
      : { ...turn, steps: turn.steps.map((step) => shortenStep(step, maxChars)) };
    const wholeCost = turnTokens(whole);
    if (used + wholeCost <= budget) {
      kept.push(whole);
      used += wholeCost;
      continue;
    }
    const answerOnly: FittedTurn = { ...turn, steps: [], answerOnly: true };
    const answerCost = turnTokens(answerOnly);
    if (used + answerCost <= budget) {
      kept.push(answerOnly);
      used += answerCost;
      continue;
    }
    break;
  }
  const fitted: FittedHistory = { turns: kept.reverse(), omitted: history.turns.slice(0, index + 1) };
  if (history.summary) fitted.summary = history.summary;
  return fitted;
}

/**
 * The current run's steps as they are resent: tool output of steps before the most recent
 * `recentStepsKeptWhole` is shortened. The same record always yields the same shortened copy,
 * so prompts stay stable from one step to the next.
 */
export function compactSteps({ steps, options = {} }: { steps: readonly StepRecord[]; options?: ContextOptions }): readonly StepRecord[] {
  const keepWhole = options.recentStepsKeptWhole ?? DEFAULT_RECENT_STEPS_KEPT_WHOLE;
  const maxChars = options.maxOldToolOutputChars ?? DEFAULT_MAX_OLD_TOOL_OUTPUT_CHARS;
  const cutoff = steps.length - keepWhole;
  if (cutoff <= 0) return steps;
  return steps.map((step, index) => (index < cutoff ? shortenStep(step, maxChars) : step));
}

const shortened = new WeakMap<StepRecord, { maxChars: number; step: StepRecord }>();

function shortenStep(step: StepRecord, maxChars: number): StepRecord {
  if (!step.toolCalls.some((call) => (call.output?.length ?? 0) > maxChars)) return step;
  const cached = shortened.get(step);
  if (cached?.maxChars === maxChars) return cached.step;
  const copy: StepRecord = { ...step, toolCalls: step.toolCalls.map((call) => shortenCall(call, maxChars)) };
  shortened.set(step, { maxChars, step: copy });
  return copy;
}

function shortenCall(call: ToolCallRecord, maxChars: number): ToolCallRecord {
  if (call.output === undefined || call.output.length <= maxChars) return call;
  return { ...call, output: shortenText(call.output, maxChars) };
}

/** Keeps the start and the end of a long text, with a note saying how much was left out. */
export function shortenText(text: string, maxChars: number): string {
  const head = Math.floor(maxChars * 0.75);
  const tail = Math.max(0, maxChars - head);
  const omitted = text.length - head - tail;
  return `${text.slice(0, head)}\n[… ${omitted.toLocaleString('en-US')} characters of this earlier tool output omitted …]\n${tail > 0 ? text.slice(-tail) : ''}`;
}

function turnTokens(turn: FittedTurn): number {
  let chars = turn.input.length + (turn.answerOnly ? turn.output.length : 0);
  for (const step of turn.steps) {
    chars += step.reply.text.length;
    for (const call of step.reply.toolCalls) chars += call.name.length + call.argsText.length;
    for (const call of step.toolCalls) chars += (call.output ?? call.error ?? '').length;
  }
  return Math.ceil(chars / CHARS_PER_TOKEN_ESTIMATE);
}
