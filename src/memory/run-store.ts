import { hostname } from 'node:os';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { RunCheckpointer } from '../agent/agent.ts';
import { UserError } from '../agent/errors.ts';
import type { AgentEvent, ToolCallEndEvent } from '../agent/events.ts';
import type { ResumeState } from '../agent/loop.ts';
import type { ModelReply, RunResult, StepRecord, StopReason, ToolCallRecord } from '../agent/records.ts';
import type { Usage } from '../agent/usage.ts';
import { migrate, openDatabase, transaction } from './database.ts';
import { isProcessAlive } from './process-liveness.ts';

/**
 * Run checkpoints. A step's row is written when the step ends; until then the step's model reply
 * and each finished tool call have rows of their own, so a run killed in the middle of a step
 * resumes without asking the model again or repeating the calls that had finished.
 */
const MIGRATIONS = [
  `CREATE TABLE runs (
     id TEXT PRIMARY KEY,
     status TEXT NOT NULL,
     agent TEXT,
     input TEXT NOT NULL,
     options TEXT NOT NULL,
     session_id TEXT,
     pid INTEGER,
     host TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     output TEXT,
     stop_reason TEXT,
     usage TEXT,
     error TEXT
   );
   CREATE INDEX runs_by_created_at ON runs(created_at);
   CREATE TABLE run_steps (
     run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     step INTEGER NOT NULL,
     record TEXT NOT NULL,
     PRIMARY KEY (run_id, step)
   );
   CREATE TABLE run_pending (
     run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     step INTEGER NOT NULL,
     reply TEXT NOT NULL,
     PRIMARY KEY (run_id, step)
   );
   CREATE TABLE run_tool_calls (
     run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     step INTEGER NOT NULL,
     call_id TEXT NOT NULL,
     record TEXT NOT NULL,
     PRIMARY KEY (run_id, step, call_id)
   );`,
];

/** What one checkpointer remembers between events: each call's arguments and each step's reply. */
interface CheckpointMemory {
  argsOf: Map<string, unknown>;
  replies: Map<number, ModelReply>;
}

/** `running` as stored; `interrupted` when its process is gone; otherwise how the run stopped. */
export type RunStatus = 'running' | 'interrupted' | StopReason;

/** One line of `gantry runs list`. */
export interface RunSummary {
  id: string;
  status: RunStatus;
  /** The agent as `gantry run` was given it (a path made absolute), or null for the general assistant. */
  agent: string | null;
  input: string;
  /** Completed steps. */
  steps: number;
  /** ISO 8601. */
  createdAt: string;
  updatedAt: string;
  stopReason?: StopReason;
  sessionId?: string;
}

/** A saved run with what it needs to be rebuilt and what it produced so far. */
export interface StoredRun extends RunSummary {
  /** The options it was started with, as JSON (no secrets: keys come from the environment). */
  options: Record<string, unknown>;
  output?: string;
  usage?: Usage;
  error?: { name: string; message: string };
  /** The process that last ran it, and that process's host. */
  pid?: number;
  host?: string;
}

export interface CreateRunOptions {
  runId: string;
  agent: string | null;
  input: string;
  options: Record<string, unknown>;
  sessionId?: string;
}

interface RunRow {
  id: string;
  status: string;
  agent: string | null;
  input: string;
  options: string;
  session_id: string | null;
  pid: number | null;
  host: string | null;
  created_at: string;
  updated_at: string;
  output: string | null;
  stop_reason: string | null;
  usage: string | null;
  error: string | null;
  steps: number;
}

const SHORTEST_PREFIX = 4;
const RUN_COLUMNS = `runs.*, (SELECT COUNT(*) FROM run_steps WHERE run_steps.run_id = runs.id) AS steps`;

/**
 * Saved runs in Gantry's main database. Every write is synchronous, so by the time the agent loop
 * moves past an event, what the event reported is on disk.
 */
export class RunStore {
  readonly db: DatabaseSync;
  readonly #statements: Record<
    | 'insertRun' | 'runById' | 'runsByPrefix' | 'recentRuns' | 'touchRun' | 'answerRun' | 'finishRun' | 'claimRun'
    | 'savePending' | 'pendingReply' | 'saveToolCall' | 'toolCalls' | 'saveStep' | 'steps' | 'clearPending' | 'clearToolCalls',
    StatementSync
  >;

  /** Opens (creating if needed) the store in a database file, usually `mainDatabasePath(gantryHome())`. */
  static open(file: string): RunStore {
    return new RunStore(openDatabase(file));
  }

  constructor(db: DatabaseSync) {
    migrate(db, 'runs', MIGRATIONS);
    this.db = db;
    const prepare = (sql: string) => db.prepare(sql);
    this.#statements = {
      insertRun: prepare(
        `INSERT INTO runs (id, status, agent, input, options, session_id, pid, host, created_at, updated_at)
         VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      runById: prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`),
      runsByPrefix: prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE substr(id, 1, length(?1)) = ?1 ORDER BY created_at DESC LIMIT 10`),
      recentRuns: prepare(`SELECT ${RUN_COLUMNS} FROM runs ORDER BY created_at DESC, rowid DESC LIMIT ?`),
      touchRun: prepare('UPDATE runs SET updated_at = ? WHERE id = ?'),
      answerRun: prepare(`UPDATE runs SET status = 'final', stop_reason = 'final', output = ?, updated_at = ? WHERE id = ?`),
      finishRun: prepare('UPDATE runs SET status = ?, stop_reason = ?, output = ?, usage = ?, error = ?, updated_at = ? WHERE id = ?'),
      claimRun: prepare(`UPDATE runs SET status = 'running', stop_reason = NULL, error = NULL, pid = ?, host = ?, updated_at = ? WHERE id = ?`),
      savePending: prepare('INSERT OR REPLACE INTO run_pending (run_id, step, reply) VALUES (?, ?, ?)'),
      pendingReply: prepare('SELECT reply FROM run_pending WHERE run_id = ? AND step = ?'),
      saveToolCall: prepare('INSERT OR REPLACE INTO run_tool_calls (run_id, step, call_id, record) VALUES (?, ?, ?, ?)'),
      toolCalls: prepare('SELECT call_id, record FROM run_tool_calls WHERE run_id = ? AND step = ?'),
      saveStep: prepare('INSERT OR REPLACE INTO run_steps (run_id, step, record) VALUES (?, ?, ?)'),
      steps: prepare('SELECT step, record FROM run_steps WHERE run_id = ? ORDER BY step'),
      clearPending: prepare('DELETE FROM run_pending WHERE run_id = ? AND step = ?'),
      clearToolCalls: prepare('DELETE FROM run_tool_calls WHERE run_id = ? AND step = ?'),
    };
  }

  close(): void {
    this.db.close();
  }

  /** Saves a new run as `running`, owned by this process. */
  create({ runId, agent, input, options, sessionId }: CreateRunOptions): void {
    const now = timestamp();
    this.#statements.insertRun.run(runId, agent, input, JSON.stringify(options), sessionId ?? null, process.pid, hostname(), now, now);
  }

  /** Writes a run's checkpoints as its events happen; give it to `agent.stream` as `checkpoint`. */
  checkpointer(runId: string): RunCheckpointer {
    // What a tool call's record needs arrives with earlier events of the same process: a call killed
    // before it ends runs again, so memory is enough (a resumed step's reply is read back once).
    const memory: CheckpointMemory = { argsOf: new Map(), replies: new Map() };
    return { record: (event) => this.#record({ runId, event, memory }) };
  }

  /** The run with this id, or with this unique prefix of at least 4 characters (like git). */
  get(idOrPrefix: string): StoredRun {
    const wanted = idOrPrefix.trim();
    const exact = this.#statements.runById.get(wanted) as RunRow | undefined;
    if (exact) return toStoredRun(exact);
    if (wanted.length < SHORTEST_PREFIX) {
      throw new UserError(`No run has the id "${wanted}". Give the full id or at least ${SHORTEST_PREFIX} of its first characters (see gantry runs list).`);
    }
    const candidates = this.#statements.runsByPrefix.all(wanted) as unknown as RunRow[];
    if (candidates.length === 0) throw new UserError(`No saved run has an id starting with "${wanted}". List the saved runs with: gantry runs list`);
    if (candidates.length > 1) {
      const listed = candidates.map((row) => `${row.id} (${effectiveStatus(row)}, ${row.created_at})`).join('\n  ');
      throw new UserError(`"${wanted}" matches more than one run; give more characters of the id:\n  ${listed}`);
    }
    return toStoredRun(candidates[0]!);
  }

  /** The most recent runs, newest first. */
  list({ limit }: { limit: number }): RunSummary[] {
    const rows = this.#statements.recentRuns.all(limit) as unknown as RunRow[];
    return rows.map(toSummary);
  }

  /** What a resumed run starts from: its completed steps and the step that was cut short, if any. */
  resumeState(runId: string): ResumeState {
    const steps = (this.#statements.steps.all(runId) as { step: number; record: string }[]).map((row, position) => {
      if (row.step !== position) throw new Error(`The checkpoint of run ${runId} has no step ${position}; it cannot be resumed.`);
      return JSON.parse(row.record) as StepRecord;
    });
    const pendingRow = this.#statements.pendingReply.get(runId, steps.length) as { reply: string } | undefined;
    if (!pendingRow) return { steps };
    const reply = JSON.parse(pendingRow.reply) as ModelReply;
    const finished = new Map(
      (this.#statements.toolCalls.all(runId, steps.length) as { call_id: string; record: string }[]).map((row) => [row.call_id, JSON.parse(row.record) as ToolCallRecord]),
    );
    const toolCalls = reply.toolCalls.flatMap((request) => finished.get(request.id) ?? []);
    return { steps, pending: { reply, toolCalls } };
  }

  /**
   * Makes this process the run's owner before it is resumed. Refuses a run that finished with an
   * answer, and one whose process is still alive on this host.
   */
  claim(runId: string): void {
    transaction(this.db, () => {
      const row = this.#statements.runById.get(runId) as RunRow | undefined;
      if (!row) throw new UserError(`No saved run has the id "${runId}". List the saved runs with: gantry runs list`);
      assertResumable(toStoredRun(row));
      this.#statements.claimRun.run(process.pid, hostname(), timestamp(), runId);
    });
  }

  /** Deletes a run and its checkpoints. Refuses one whose process is still alive on this host. */
  delete(runId: string): void {
    transaction(this.db, () => {
      const row = this.#statements.runById.get(runId) as RunRow | undefined;
      if (!row) throw new UserError(`No saved run has the id "${runId}". List the saved runs with: gantry runs list`);
      if (effectiveStatus(row) === 'running') {
        throw new UserError(`Run ${runId} is still running (process ${row.pid}); stop it before deleting it.`);
      }
      this.db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
    });
  }

  /**
   * Deletes every run last saved before `before`, checkpoints included, except runs still
   * running; returns how many were deleted.
   */
  prune({ before }: { before: Date }): number {
    return transaction(this.db, () => {
      const rows = this.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE updated_at < ?`).all(before.toISOString()) as unknown as RunRow[];
      const remove = this.db.prepare('DELETE FROM runs WHERE id = ?');
      let deleted = 0;
      for (const row of rows) {
        if (effectiveStatus(row) === 'running') continue;
        remove.run(row.id);
        deleted++;
      }
      return deleted;
    });
  }

  #record({ runId, event, memory }: { runId: string; event: AgentEvent; memory: CheckpointMemory }): void {
    switch (event.type) {
      case 'tool_call_start':
        memory.argsOf.set(`${event.step}:${event.toolCallId}`, event.args);
        return;
      case 'model_message':
        this.#statements.savePending.run(runId, event.step, JSON.stringify(event.reply));
        memory.replies.set(event.step, event.reply);
        return;
      case 'tool_call_end':
        // A call cut short by the cancellation did not finish: the resumed run must make it again.
        if (!event.cancelled) this.#saveToolCall({ runId, event, memory });
        return;
      case 'step_end':
        this.#saveStep(runId, event.record);
        return;
      case 'run_end':
        this.#finish(runId, event.result);
        return;
      default:
        return;
    }
  }

  #saveToolCall({ runId, event, memory }: { runId: string; event: ToolCallEndEvent; memory: CheckpointMemory }): void {
    let reply = memory.replies.get(event.step);
    if (reply === undefined) {
      const row = this.#statements.pendingReply.get(runId, event.step) as { reply: string } | undefined;
      if (row) memory.replies.set(event.step, (reply = JSON.parse(row.reply) as ModelReply));
    }
    const request = reply?.toolCalls.find((call) => call.id === event.toolCallId);
    const args = memory.argsOf.get(`${event.step}:${event.toolCallId}`);
    if (!request) throw new Error(`tool call ${event.toolCallId} of step ${event.step} is not in the step's saved reply`);
    const record: ToolCallRecord = {
      id: event.toolCallId,
      name: event.name,
      // The loop's start event carries the arguments as the router parsed them (the raw text if they were not JSON).
      args: args === undefined ? request.argsText : args,
      ...(event.error === undefined ? { output: event.output } : { error: event.error }),
      durationMs: event.durationMs,
    };
    this.#statements.saveToolCall.run(runId, event.step, event.toolCallId, JSON.stringify(record));
  }

  #saveStep(runId: string, record: StepRecord): void {
    // A step whose calls were cut short stays pending: its finished calls are already saved.
    if (record.toolCalls.some((call) => call.cancelled)) return;
    transaction(this.db, () => {
      this.#statements.saveStep.run(runId, record.index, JSON.stringify(record));
      this.#statements.clearPending.run(runId, record.index);
      this.#statements.clearToolCalls.run(runId, record.index);
      // The answer is the run's outcome: a process killed while its tools clean up must not be resumed into another step.
      if (record.final === undefined) this.#statements.touchRun.run(timestamp(), runId);
      else this.#statements.answerRun.run(record.final, timestamp(), runId);
    });
  }

  #finish(runId: string, result: RunResult): void {
    this.#statements.finishRun.run(
      result.stopReason,
      result.stopReason,
      result.output,
      JSON.stringify(result.usage),
      result.error ? JSON.stringify(result.error) : null,
      timestamp(),
      runId,
    );
  }
}

/** Throws a UserError saying why the run cannot be resumed now, if it cannot. */
export function assertResumable(run: StoredRun): void {
  if (run.status === 'final') {
    throw new UserError(`Run ${run.id} already finished; its answer: ${excerpt(run.output ?? '', 500)}`);
  }
  if (run.status === 'running' && run.host === hostname() && run.pid !== process.pid) {
    throw new UserError(
      `Run ${run.id} is still running (process ${run.pid}). Wait for it to end, or stop it (kill ${run.pid}), then resume it.`,
    );
  }
}

/** The first `length` characters of `text` on one line. */
export function excerpt(text: string, length: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= length ? flat : `${flat.slice(0, length - 1)}…`;
}

function effectiveStatus(row: RunRow): RunStatus {
  if (row.status !== 'running') return row.status as StopReason;
  // A run on another host may be alive: only this host's processes can be checked.
  if (row.host === hostname() && row.pid !== null && !isProcessAlive(row.pid)) return 'interrupted';
  return 'running';
}

function toSummary(row: RunRow): RunSummary {
  return {
    id: row.id,
    status: effectiveStatus(row),
    agent: row.agent,
    input: row.input,
    steps: row.steps,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.stop_reason === null ? {} : { stopReason: row.stop_reason as StopReason }),
    ...(row.session_id === null ? {} : { sessionId: row.session_id }),
  };
}

function toStoredRun(row: RunRow): StoredRun {
  return {
    ...toSummary(row),
    options: JSON.parse(row.options) as Record<string, unknown>,
    ...(row.output === null ? {} : { output: row.output }),
    ...(row.usage === null ? {} : { usage: JSON.parse(row.usage) as Usage }),
    ...(row.error === null ? {} : { error: JSON.parse(row.error) as { name: string; message: string } }),
    ...(row.pid === null ? {} : { pid: row.pid }),
    ...(row.host === null ? {} : { host: row.host }),
  };
}

function timestamp(): string {
  return new Date().toISOString();
}
