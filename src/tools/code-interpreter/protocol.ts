/**
 * Messages between the host (the sandbox pool) and a sandbox worker process, over Node's IPC
 * channel (`process.send`). Everything is plain JSON. The worker hosts one isolated-vm isolate
 * per session; the host never loads isolated-vm itself.
 */

/** Limits of one call; the host fills in defaults before sending. */
export interface RunLimits {
  /** Wall time for the whole call: compile, run, awaiting promises, and copying the result out. */
  timeoutMs: number;
  /** The session isolate's heap limit (isolated-vm `memoryLimit`), set when the session is created. */
  memoryMb: number;
  /** Longest stdout, stderr and result text each; longer output is cut with a visible note. */
  maxOutputChars: number;
}

export type HostToWorker =
  | { type: 'run'; id: number; session: string; code: string; language: 'javascript' | 'typescript'; limits: RunLimits }
  /** Disposes a session's isolate; a later `run` with the same id starts a fresh one. */
  | { type: 'dispose'; id: number; session: string }
  | { type: 'stats'; id: number };

export type WorkerToHost =
  | { type: 'ready' }
  | { type: 'result'; id: number; outcome: RunOutcome }
  | { type: 'disposed'; id: number; existed: boolean }
  | { type: 'stats'; id: number; sessions: number; heapUsedBytes: number; rssBytes: number; sessionHeapBytes: Record<string, number> };

/** What one call produced. stdout/stderr are kept even when the code failed. */
export interface RunOutcome {
  ok: boolean;
  /** JSON text of the last expression's value, when it had a JSON form (bounded). */
  json?: string;
  /** A readable rendering of the value (`undefined`, `[Function: f]`, `Map(2) {...}`). */
  text?: string;
  /** True when the cell ended with an expression whose value is reported. */
  hasValue: boolean;
  stdout: string;
  stderr: string;
  /** Set when !ok. */
  error?: RunError;
  /** Which outputs were cut at `maxOutputChars`. */
  truncated: ('stdout' | 'stderr' | 'result')[];
  durationMs: number;
  /** True when the session's isolate was disposed by this call (timeout, memory) and state is gone. */
  sessionReset: boolean;
}

export interface RunError {
  /**
   * `timeout` and `memory` name the limit that was hit; `syntax`, `runtime` and `unsupported` are
   * the code's own; `crash` (set by the host) means the worker process died for another reason.
   */
  kind: 'syntax' | 'runtime' | 'timeout' | 'memory' | 'unsupported' | 'crash';
  name: string;
  message: string;
  /** The stack, trimmed to frames in the user's own code (`cell-N.js:line:col`). */
  stack?: string;
}
