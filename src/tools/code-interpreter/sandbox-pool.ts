import { availableParallelism } from 'node:os';
import type { RunLimits, RunOutcome, WorkerToHost } from './protocol.ts';
import { asRunOutcome, describeExit, WorkerExitedError, WorkerProcess } from './worker-process.ts';
import { abortable } from '../../agent/abort.ts';

export interface SandboxPoolOptions {
  /** Worker processes (default: the number of cores, at most 4). Sessions are spread across them. */
  workers?: number;
  /** A session unused this long is disposed (default 10 minutes). */
  idleTimeoutMs?: number;
  /**
   * How long past a call's time limit the host waits for the worker to stop the code itself
   * before it kills the whole worker process (default 1,000 ms).
   */
  killGraceMs?: number;
  /**
   * Resident memory cap of each worker process in MB, enforced by the host on Linux (default
   * 2,048). A worker over it is killed and its sessions reset.
   */
  maxWorkerMemoryMb?: number;
  /** The worker script; tests point this elsewhere. */
  workerFile?: string;
}

export interface RunRequest {
  session: string;
  code: string;
  language: 'javascript' | 'typescript';
  limits: RunLimits;
  signal?: AbortSignal;
}

const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_KILL_GRACE_MS = 1_000;
const DEFAULT_MAX_WORKER_MEMORY_MB = 2_048;

/**
 * A small pool of sandbox worker processes hosting sessions. A session lives on one worker; a
 * worker that crashes or hangs takes only its own sessions down: the host stays up, reports the
 * failure as the call's outcome, and starts a fresh process for the next call.
 */
export class SandboxPool {
  readonly #options: Required<Omit<SandboxPoolOptions, 'workerFile'>> & { workerFile?: string };
  readonly #workers: (WorkerProcess | undefined)[];
  readonly #sessionWorker = new Map<string, WorkerProcess>();
  readonly #lastUsed = new Map<string, number>();
  /** Sessions whose worker died: the next call tells the model its state is gone. */
  readonly #lost = new Set<string>();
  #sweeper: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: SandboxPoolOptions = {}) {
    this.#options = {
      workers: options.workers ?? Math.min(4, availableParallelism()),
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      killGraceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
      maxWorkerMemoryMb: options.maxWorkerMemoryMb ?? DEFAULT_MAX_WORKER_MEMORY_MB,
      workerFile: options.workerFile,
    };
    this.#workers = new Array(this.#options.workers).fill(undefined);
  }

  /** Runs code in a session, creating the session on first use. Rejects only when `signal` aborts. */
  async run(request: RunRequest): Promise<RunOutcome> {
    if (this.#closed) throw new Error('The sandbox pool is closed.');
    request.signal?.throwIfAborted();
    const worker = this.#workerFor(request.session);
    this.#touch(request.session);
    const wasLost = this.#lost.delete(request.session);
    const started = performance.now();
    const outcome = await this.#runOn(worker, request, started);
    this.#touch(request.session);
    if (wasLost) outcome.sessionReset = true;
    return outcome;
  }

  /** Disposes a session; true when it existed. */
  async dispose(session: string): Promise<boolean> {
    this.#lost.delete(session);
    this.#lastUsed.delete(session);
    const worker = this.#sessionWorker.get(session);
    if (!worker) return false;
    this.#sessionWorker.delete(session);
    worker.sessions.delete(session);
    if (!worker.alive) return false;
    try {
      const reply = await worker.request({ type: 'dispose', session });
      return reply.type === 'disposed' && reply.existed;
    } catch (error) {
      if (error instanceof WorkerExitedError) return false;
      throw error;
    }
  }

  /** Disposes every session whose id matches, e.g. all of one run's sessions. */
  async disposeWhere(matches: (session: string) => boolean): Promise<void> {
    const sessions = [...new Set([...this.#sessionWorker.keys(), ...this.#lost])].filter(matches);
    await Promise.all(sessions.map((session) => this.dispose(session)));
  }

  /** Per-worker statistics, for the memory-per-session benchmark. */
  async stats(): Promise<Extract<WorkerToHost, { type: 'stats' }>[]> {
    const live = this.#workers.filter((worker): worker is WorkerProcess => worker?.alive === true);
    const replies = await Promise.all(live.map((worker) => worker.request({ type: 'stats' })));
    return replies.filter((reply): reply is Extract<WorkerToHost, { type: 'stats' }> => reply.type === 'stats');
  }

  get sessionCount(): number {
    return this.#sessionWorker.size;
  }

  /** Kills every worker process. The pool cannot be used afterwards. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    const workers = this.#workers.filter((worker): worker is WorkerProcess => worker !== undefined);
    for (const worker of workers) worker.kill();
    await Promise.all(workers.map((worker) => worker.exited));
    this.#sessionWorker.clear();
    this.#lastUsed.clear();
  }

  async #runOn(worker: WorkerProcess, request: RunRequest, started: number): Promise<RunOutcome> {
    const { session, code, language, limits, signal } = request;
    // Starting a process does not count against the code's time limit, which begins once the
    // worker is ready; a worker that dies while starting is reported like any other crash.
    try {
      await abortable(worker.ready, signal);
    } catch (error) {
      if (!(error instanceof WorkerExitedError)) throw error;
      return this.#crashOutcome({ error, worker, session, limits, started });
    }
    // The worker enforces the limit itself; this backstop catches a worker that cannot.
    const deadline = setTimeout(() => worker.kill(), limits.timeoutMs + this.#options.killGraceMs);
    const onAbort = () => {
      // Disposing the isolate stops the code; the reply, if any, is no longer awaited.
      this.dispose(session).catch(() => worker.kill());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      signal?.throwIfAborted();
      return asRunOutcome(await abortable(worker.request({ type: 'run', session, code, language, limits }), signal));
    } catch (error) {
      if (!(error instanceof WorkerExitedError)) throw error;
      return this.#crashOutcome({ error, worker, session, limits, started });
    } finally {
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  #crashOutcome(options: { error: WorkerExitedError; worker: WorkerProcess; session: string; limits: RunLimits; started: number }): RunOutcome {
    const { error, worker, session, limits, started } = options;
    const durationMs = Math.round(performance.now() - started);
    const hungPastDeadline = error.exit.killed && error.exit.overMemoryCapMb === undefined && durationMs >= limits.timeoutMs;
    const cause = describeExit(error.exit);
    const message = hungPastDeadline
      ? `The code exceeded the ${limits.timeoutMs} ms time limit and could not be stopped, so its sandbox process was restarted; the session was reset.`
      : `The code crashed its sandbox process (${cause}); the process was restarted and the session was reset.`;
    const kind = hungPastDeadline ? 'timeout' : cause.includes('out of memory') ? 'memory' : 'crash';
    // This call reports the reset itself, so the session's next call need not.
    worker.sessions.delete(session);
    this.#sessionWorker.delete(session);
    this.#lost.delete(session);
    return {
      ok: false,
      hasValue: false,
      stdout: '',
      stderr: '',
      error: { kind, name: 'SandboxCrash', message },
      truncated: [],
      durationMs,
      sessionReset: true,
    };
  }

  /** The session's worker, or the least-loaded live one for a new session (starting it if needed). */
  #workerFor(session: string): WorkerProcess {
    const existing = this.#sessionWorker.get(session);
    if (existing?.alive) return existing;
    let slot = 0;
    for (let index = 0; index < this.#workers.length; index++) {
      const load = (candidate: WorkerProcess | undefined) => (candidate?.alive ? candidate.sessions.size : -1);
      if (load(this.#workers[index]) < load(this.#workers[slot])) slot = index;
    }
    // Starting a process takes a few hundred ms: the first use starts them all, so later new
    // sessions find one ready.
    for (let index = 0; index < this.#workers.length; index++) {
      if (!this.#workers[index]?.alive) this.#startWorker(index);
    }
    const worker = this.#workers[slot]!;
    worker.sessions.add(session);
    this.#sessionWorker.set(session, worker);
    return worker;
  }

  #startWorker(slot: number): WorkerProcess {
    const worker = new WorkerProcess({ workerFile: this.#options.workerFile, maxRssMb: this.#options.maxWorkerMemoryMb });
    this.#workers[slot] = worker;
    worker.exited.then(() => {
      // Its sessions are gone; their next calls start fresh and say so.
      for (const session of worker.sessions) {
        if (this.#sessionWorker.get(session) === worker) {
          this.#sessionWorker.delete(session);
          this.#lost.add(session);
        }
      }
      worker.sessions.clear();
      if (this.#workers[slot] === worker) this.#workers[slot] = undefined;
    }, () => {});
    this.#startSweeper();
    return worker;
  }

  #touch(session: string): void {
    this.#lastUsed.set(session, Date.now());
  }

  #startSweeper(): void {
    if (this.#sweeper) return;
    const every = Math.max(1_000, Math.min(60_000, this.#options.idleTimeoutMs / 2));
    this.#sweeper = setInterval(() => {
      const cutoff = Date.now() - this.#options.idleTimeoutMs;
      const idle = [...this.#lastUsed].filter(([, used]) => used < cutoff).map(([session]) => session);
      for (const session of idle) this.dispose(session).catch(() => {});
    }, every);
    this.#sweeper.unref();
  }
}
