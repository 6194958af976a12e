import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { fitHistory, type ContextOptions, type ConversationHistory, type HistoryTurn } from '../agent/history.ts';
import type { RunResult } from '../agent/records.ts';
import type { Usage } from '../agent/usage.ts';
import { CHARS_PER_TOKEN_ESTIMATE, DEFAULT_MAX_HISTORY_TOKENS } from '../agent/constants.ts';
import type { SessionStore } from './session-store.ts';
import { DEFAULT_MAX_SUMMARY_CHARS, summarizeTurns } from './summarizer.ts';

export interface PrepareSessionHistoryOptions {
  store: SessionStore;
  sessionId: string;
  /** Writes the summary when turns no longer fit. */
  model: BaseChatModel;
  /** The same context options the agent is built with, so both agree on what fits. */
  contextWindow?: ContextOptions;
  /** Summarise turns that no longer fit (one model call), instead of leaving them out. */
  summarize: boolean;
  /** The longest summary kept, in characters (default 3,000). */
  maxSummaryChars?: number;
  signal?: AbortSignal;
}

export interface PreparedSessionHistory {
  /** What to pass to `agent.stream(input, { history })`. */
  history: ConversationHistory;
  /** Set when older turns were folded into the summary for this prompt. */
  summarized?: { turns: number; usage: Usage };
}

/**
 * Loads a session's history for the next run. When turns no longer fit the context budget and
 * `summarize` is on, they are condensed together with the previous summary, and the new summary
 * is saved as covering them, so they are never resent nor summarised again. Without
 * `summarize`, the agent simply leaves the oldest turns out of the prompt (they stay stored).
 */
export async function prepareSessionHistory({
  store,
  sessionId,
  model,
  contextWindow,
  summarize,
  maxSummaryChars = DEFAULT_MAX_SUMMARY_CHARS,
  signal,
}: PrepareSessionHistoryOptions): Promise<PreparedSessionHistory> {
  const stored = store.load(sessionId);
  const history: ConversationHistory = { turns: stored.turns, ...(stored.summary ? { summary: stored.summary } : {}) };
  if (!summarize || fitHistory({ history, options: contextWindow }).omitted.length === 0) return { history };

  // The new summary takes the place of the old one; room is kept for it at its longest, so the
  // turns kept here still fit once it is written and the agent leaves none out unsummarised. The
  // summary gets at most half of the budget, so recent turns are never crowded out by it.
  const budget = contextWindow?.maxHistoryTokens ?? DEFAULT_MAX_HISTORY_TOKENS;
  const summaryChars = Math.max(1, Math.min(maxSummaryChars, Math.floor(budget / 2) * CHARS_PER_TOKEN_ESTIMATE));
  const room = budget - Math.ceil(summaryChars / CHARS_PER_TOKEN_ESTIMATE);
  const { omitted } = fitHistory({ history: { turns: stored.turns }, options: { ...contextWindow, maxHistoryTokens: room } });
  const { summary, usage } = await summarizeTurns({
    model,
    turns: omitted,
    maxSummaryChars: summaryChars,
    ...(stored.summary ? { previousSummary: stored.summary } : {}),
    ...(signal ? { signal } : {}),
  });
  store.setSummary(sessionId, { summary, throughSeq: stored.summarizedThrough + omitted.length });
  return {
    history: { summary, turns: stored.turns.slice(omitted.length) },
    summarized: { turns: omitted.length, usage },
  };
}

/**
 * Saves a finished run as the session's next turn. Returns false, saving nothing, for a run the
 * user cancelled or one that ended before the model said anything: neither is part of the
 * conversation the next run should continue.
 */
export function recordSessionTurn({ store, sessionId, input, result }: { store: SessionStore; sessionId: string; input: string; result: RunResult }): boolean {
  if (result.stopReason === 'aborted' || result.steps.length === 0) return false;
  const turn: HistoryTurn = { runId: result.runId, input, steps: result.steps, output: result.output, stopReason: result.stopReason };
  store.appendTurn(sessionId, turn);
  return true;
}
