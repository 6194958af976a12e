import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { Command } from 'commander';
import type { DatabaseSync } from 'node:sqlite';
import type { ContextOptions, ConversationHistory } from '../agent/history.ts';
import type { RunResult } from '../agent/records.ts';
import { gantryHome, mainDatabasePath, openDatabase } from '../memory/database.ts';
import { LongTermMemory } from '../memory/long-term-memory.ts';
import { recallNotes } from '../memory/recall-notes.ts';
import { prepareSessionHistory, recordSessionTurn } from '../memory/session-history.ts';
import { assertSessionId, SessionStore } from '../memory/session-store.ts';
import { createMemoryTools } from '../tools/memory/memory-tools.ts';
import type { ToolLike } from '../tools/registered-tool.ts';
import { parsePositiveInt } from './io.ts';

/** The command-line options of sessions and long-term memory, shared by `gantry run` and `gantry chat`. */
export interface ConversationCliOptions {
  /** `--session ID`: continue (or start) this stored conversation. */
  session?: string;
  /** `--memory [NAMESPACE]`: the memory tools and automatic recall; `true` means the `default` namespace. */
  memory?: string | boolean;
  /** `--no-summarize` sets false: turns that no longer fit are left out rather than summarised. */
  summarize?: boolean;
  /** `--max-history-tokens N`: the estimated tokens earlier turns may take in each prompt. */
  maxHistoryTokens?: number;
}

export const DEFAULT_MEMORY_NAMESPACE = 'default';

/** Adds `--session`, `--memory`, `--no-summarize` and `--max-history-tokens` to a command. */
export function addConversationOptions(command: Command): Command {
  return command
    .option('--session <id>', 'continue the conversation stored under ID (created if new) in $GANTRY_HOME/gantry.db')
    .option('--memory [namespace]', 'long-term notes: the remember/recall tools and automatic recall (namespace default: "default")')
    .option('--no-summarize', 'leave out earlier turns that no longer fit instead of summarising them with the model')
    .option('--max-history-tokens <n>', 'estimated tokens of earlier turns resent with each prompt (default 8000)', parsePositiveInt);
}

/** Sessions and long-term memory for one CLI command; open it before building the agent. */
export interface CliConversation {
  readonly sessionId: string | undefined;
  /** The memory namespace, when `--memory` is on. */
  readonly namespace: string | undefined;
  /** `remember` and `recall` with `--memory`; pass to `setupAgent({ extraTools })`. */
  readonly extraTools: ToolLike[];
  /** Pass to `setupAgent({ contextWindow })`, so the agent and the summariser agree on the budget. */
  readonly contextWindow: ContextOptions | undefined;
  /** Saved notes matching `input` for the system prompt (`setupAgent({ extraInstructions })`); undefined without `--memory` or a match. */
  notesFor(input: string): string | undefined;
  /**
   * The session's history for the next run (undefined without `--session`), summarising turns
   * that no longer fit unless `--no-summarize`; a line on `stderr` says when it did.
   */
  history(options: { model: BaseChatModel; signal?: AbortSignal }): Promise<ConversationHistory | undefined>;
  /** Stores the finished run as the session's next turn (not a cancelled or empty one). */
  afterRun(options: { input: string; result: RunResult }): void;
  /** Forgets the session's turns and summary. */
  resetSession(): void;
  close(): void;
}

/**
 * Opens what `--session` and `--memory` need in `$GANTRY_HOME/gantry.db` (nothing without
 * them). Validates the session id and namespace first, so a bad one is a usage error before
 * any model is called.
 */
export function openCliConversation({
  options,
  env,
  stderr,
}: {
  options: ConversationCliOptions;
  env: NodeJS.ProcessEnv;
  stderr: NodeJS.WritableStream;
}): CliConversation {
  const sessionId = options.session;
  if (sessionId !== undefined) assertSessionId(sessionId);
  const namespace = options.memory === undefined || options.memory === false ? undefined : options.memory === true ? DEFAULT_MEMORY_NAMESPACE : options.memory;
  const contextWindow = options.maxHistoryTokens === undefined ? undefined : { maxHistoryTokens: options.maxHistoryTokens };
  let db: DatabaseSync | undefined;
  let sessions: SessionStore | undefined;
  let memory: LongTermMemory | undefined;
  if (sessionId !== undefined || namespace !== undefined) {
    db = openDatabase(mainDatabasePath(gantryHome(env)));
    try {
      if (sessionId !== undefined) sessions = new SessionStore(db);
      if (namespace !== undefined) {
        memory = new LongTermMemory(db);
        // Checks the namespace now rather than at the first tool call.
        memory.list(namespace);
      }
    } catch (error) {
      db.close();
      throw error;
    }
  }
  const summarize = options.summarize !== false;
  return {
    sessionId,
    namespace,
    extraTools: memory && namespace ? createMemoryTools({ memory, namespace }) : [],
    contextWindow,
    notesFor: (input) => (memory && namespace ? recallNotes({ memory, namespace, query: input }) : undefined),
    history: async ({ model, signal }) => {
      if (!sessions || sessionId === undefined) return undefined;
      const prepared = await prepareSessionHistory({ store: sessions, sessionId, model, contextWindow, summarize, ...(signal ? { signal } : {}) });
      if (prepared.summarized) {
        const { turns, usage } = prepared.summarized;
        stderr.write(`Summarised ${turns} earlier turn${turns === 1 ? '' : 's'} of session ${sessionId} (${usage.totalTokens} tokens).\n`);
      }
      return prepared.history;
    },
    afterRun: ({ input, result }) => {
      if (sessions && sessionId !== undefined) recordSessionTurn({ store: sessions, sessionId, input, result });
    },
    resetSession: () => {
      if (sessions && sessionId !== undefined) sessions.reset(sessionId);
    },
    close: () => {
      if (db?.isOpen) db.close();
    },
  };
}
