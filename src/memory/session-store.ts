import type { DatabaseSync } from 'node:sqlite';
import { UserError } from '../agent/errors.ts';
import type { ConversationHistory, HistoryTurn } from '../agent/history.ts';
import type { StepRecord, StopReason } from '../agent/records.ts';
import { migrate, openDatabase, transaction } from './database.ts';

/** Letters, digits, `_ . : -`, starting with a letter or digit, at most 128 characters. */
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** Append-only: never edit a migration that has shipped. */
const MIGRATIONS = [
  `CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     summary TEXT,
     summarized_turns INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE session_turns (
     session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
     seq INTEGER NOT NULL,
     run_id TEXT NOT NULL,
     input TEXT NOT NULL,
     output TEXT NOT NULL,
     stop_reason TEXT,
     steps TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (session_id, seq)
   );`,
];

/**
 * A session's history as stored: the turns not yet summarised, and the summary of the others.
 * The turns are numbered `summarizedThrough + 1` onwards.
 */
export interface StoredHistory extends ConversationHistory {
  turns: HistoryTurn[];
  /** The sequence number of the last turn the summary covers (0 when there is no summary). */
  summarizedThrough: number;
}

/** One line of `SessionStore.list()`. */
export interface SessionSummary {
  id: string;
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
  updatedAt: number;
  /** Turns stored, summarised ones included. */
  turns: number;
  hasSummary: boolean;
}

/** One session as `SessionStore.get` reads it: every turn, summarised ones included. */
export interface StoredSession {
  id: string;
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
  updatedAt: number;
  summary?: string;
  /** The sequence number of the last turn the summary covers (0 when there is no summary). */
  summarizedThrough: number;
  /** Every turn, oldest first, numbered from 1; those up to `summarizedThrough` are no longer resent. */
  turns: (HistoryTurn & { seq: number })[];
}

interface SessionRow {
  id: string;
  created_at: number;
  updated_at: number;
  summary: string | null;
  summarized_turns: number;
}

interface TurnRow {
  seq: number;
  run_id: string;
  input: string;
  output: string;
  stop_reason: string | null;
  steps: string;
}

/**
 * Conversations kept across processes in the main database (`$GANTRY_HOME/gantry.db`). Each
 * turn is one row holding its step records as JSON, so a later run rebuilds the exact prompt.
 * Every write is one transaction: two processes appending to the same session both keep their
 * turn, numbered in the order they committed.
 */
export class SessionStore {
  readonly #db: DatabaseSync;
  readonly #ownsDatabase: boolean;

  /** Wraps an open database (the caller keeps ownership); `SessionStore.open` opens a file. */
  constructor(db: DatabaseSync, options: { ownsDatabase?: boolean } = {}) {
    this.#db = db;
    this.#ownsDatabase = options.ownsDatabase ?? false;
    migrate(db, 'sessions', MIGRATIONS);
  }

  /** Opens (creating if needed) the database file, usually `mainDatabasePath(gantryHome())`. */
  static open(file: string): SessionStore {
    return new SessionStore(openDatabase(file), { ownsDatabase: true });
  }

  /** The turns after the summarised ones, plus the summary; an unknown session has no turns. */
  load(id: string): StoredHistory {
    assertSessionId(id);
    const session = this.#session(id);
    const summarizedThrough = session?.summarized_turns ?? 0;
    const rows = this.#db
      .prepare('SELECT seq, run_id, input, output, stop_reason, steps FROM session_turns WHERE session_id = ? AND seq > ? ORDER BY seq')
      .all(id, summarizedThrough) as unknown as TurnRow[];
    const history: StoredHistory = { turns: rows.map(toTurn), summarizedThrough };
    if (session?.summary) history.summary = session.summary;
    return history;
  }

  /**
   * Adds a turn at the end of the session (creating the session); returns its sequence number.
   * A turn whose run is already in the session (a run resumed after it stopped) replaces it.
   */
  appendTurn(id: string, turn: HistoryTurn): number {
    assertSessionId(id);
    const now = Date.now();
    return transaction(this.#db, () => {
      this.#db
        .prepare('INSERT INTO sessions (id, created_at, updated_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at')
        .run(id, now, now);
      // A resumed run ends again: its turn replaces the one saved when it stopped, in the same place.
      const earlier = this.#db.prepare('SELECT seq FROM session_turns WHERE session_id = ? AND run_id = ?').get(id, turn.runId) as { seq: number } | undefined;
      if (earlier) {
        this.#db
          .prepare('UPDATE session_turns SET input = ?, output = ?, stop_reason = ?, steps = ? WHERE session_id = ? AND seq = ?')
          .run(turn.input, turn.output, turn.stopReason ?? null, JSON.stringify(turn.steps), id, earlier.seq);
        return earlier.seq;
      }
      // Inside the write transaction, so a concurrent writer cannot take the same number.
      const { next } = this.#db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM session_turns WHERE session_id = ?').get(id) as { next: number };
      this.#db
        .prepare('INSERT INTO session_turns (session_id, seq, run_id, input, output, stop_reason, steps, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, next, turn.runId, turn.input, turn.output, turn.stopReason ?? null, JSON.stringify(turn.steps), now);
      return next;
    });
  }

  /**
   * Replaces the summary with one covering every turn up to `throughSeq`, which `load` then
   * leaves out. A summary covering fewer turns than the stored one is ignored, so a slower
   * process cannot undo a newer summary.
   */
  setSummary(id: string, { summary, throughSeq }: { summary: string; throughSeq: number }): void {
    assertSessionId(id);
    if (!Number.isInteger(throughSeq) || throughSeq < 0) {
      throw new UserError(`throughSeq must be a whole number of turns, 0 or more; got ${JSON.stringify(throughSeq)}.`);
    }
    transaction(this.#db, () => {
      const { last } = this.#db.prepare('SELECT COALESCE(MAX(seq), 0) AS last FROM session_turns WHERE session_id = ?').get(id) as { last: number };
      if (throughSeq > last) {
        throw new UserError(`Session "${id}" has ${last} turns; a summary cannot cover turn ${throughSeq}.`);
      }
      this.#db
        .prepare('UPDATE sessions SET summary = ?, summarized_turns = ?, updated_at = ? WHERE id = ? AND summarized_turns <= ?')
        .run(summary, throughSeq, Date.now(), id, throughSeq);
    });
  }

  /** Forgets the session's turns and summary; the id stays usable and starts from nothing. */
  reset(id: string): void {
    assertSessionId(id);
    transaction(this.#db, () => {
      this.#db.prepare('DELETE FROM session_turns WHERE session_id = ?').run(id);
      this.#db.prepare('UPDATE sessions SET summary = NULL, summarized_turns = 0, updated_at = ? WHERE id = ?').run(Date.now(), id);
    });
  }

  /** Every session, most recently used first. */
  list(): SessionSummary[] {
    const rows = this.#db
      .prepare(
        `SELECT s.id, s.created_at, s.updated_at, s.summary IS NOT NULL AS has_summary,
                (SELECT COUNT(*) FROM session_turns t WHERE t.session_id = s.id) AS turns
           FROM sessions s ORDER BY s.updated_at DESC, s.rowid DESC`,
      )
      .all() as unknown as { id: string; created_at: number; updated_at: number; has_summary: number; turns: number }[];
    return rows.map((row) => ({
      id: row.id,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      turns: row.turns,
      hasSummary: row.has_summary === 1,
    }));
  }

  /** The whole session for inspection (not for prompts: `load` leaves out summarised turns); undefined when there is none. */
  get(id: string): StoredSession | undefined {
    assertSessionId(id);
    const session = this.#session(id);
    if (!session) return undefined;
    const rows = this.#db
      .prepare('SELECT seq, run_id, input, output, stop_reason, steps FROM session_turns WHERE session_id = ? ORDER BY seq')
      .all(id) as unknown as TurnRow[];
    const stored: StoredSession = {
      id,
      createdAt: session.created_at,
      updatedAt: session.updated_at,
      turns: rows.map((row) => ({ ...toTurn(row), seq: row.seq })),
      summarizedThrough: session.summarized_turns,
    };
    if (session.summary !== null) stored.summary = session.summary;
    return stored;
  }

  /** Removes the session entirely; returns false when there was none. */
  delete(id: string): boolean {
    assertSessionId(id);
    return transaction(this.#db, () => {
      this.#db.prepare('DELETE FROM session_turns WHERE session_id = ?').run(id);
      return Number(this.#db.prepare('DELETE FROM sessions WHERE id = ?').run(id).changes) > 0;
    });
  }

  /** Closes the database if this store opened it. */
  close(): void {
    if (this.#ownsDatabase && this.#db.isOpen) this.#db.close();
  }

  #session(id: string): SessionRow | undefined {
    return this.#db.prepare('SELECT id, created_at, updated_at, summary, summarized_turns FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
  }
}

/** Throws a `UserError` saying what a session id may contain. */
export function assertSessionId(id: string): void {
  if (typeof id !== 'string' || !SESSION_ID.test(id)) {
    throw new UserError(
      `Invalid session id ${JSON.stringify(id)}: use 1-128 letters, digits, "_", ".", ":" or "-", starting with a letter or digit.`,
    );
  }
}

function toTurn(row: TurnRow): HistoryTurn {
  const turn: HistoryTurn = { runId: row.run_id, input: row.input, steps: JSON.parse(row.steps) as StepRecord[], output: row.output };
  if (row.stop_reason) turn.stopReason = row.stop_reason as StopReason;
  return turn;
}
