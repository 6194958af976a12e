import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostToWorker, RunOutcome, WorkerToHost } from './protocol.ts';

/** Requests the host sends, without the id the process assigns. */
type Request = HostToWorker extends infer M ? (M extends HostToWorker ? Omit<M, 'id'> : never) : never;

interface Pending {
  resolve(message: WorkerToHost): void;
  reject(error: Error): void;
}

/** Why a worker process went away, for the messages the model sees. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The end of its stderr, which holds V8's out-of-memory report when that was the cause. */
  stderrTail: string;
  /** True when the host killed it on purpose (deadline passed, memory cap, pool closed). */
  killed: boolean;
  /** Set when the host killed it for using more than this many MB of resident memory. */
  overMemoryCapMb?: number;
}

const STDERR_TAIL_CHARS = 2_000;
/** How often the resident memory of a busy worker is checked. */
const MEMORY_CHECK_MS = 100;
const PAGE_BYTES = 4096;

/** The worker script beside this file, `.ts` when running from source and `.js` when compiled. */
const DEFAULT_WORKER_FILE = fileURLToPath(new URL(`./sandbox-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/**
 * One sandbox worker process and the requests in flight to it. The process gets an empty
 * environment (no secrets to find, even after an escape) and `--no-node-snapshot`, which
 * isolated-vm needs. It only keeps the host alive while requests are pending.
 */
export class WorkerProcess {
  readonly sessions = new Set<string>();
  readonly ready: Promise<void>;
  readonly exited: Promise<WorkerExit>;
  #child: ChildProcess;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #stderr = '';
  #killed = false;
  #alive = true;
  #overMemoryCapMb: number | undefined;
  #memoryWatch: NodeJS.Timeout | undefined;
  readonly #maxRssMb: number | undefined;

  /**
   * `maxRssMb` caps the process's resident memory, checked while requests are pending: isolate
   * heap limits do not cover every allocation V8 makes on an isolate's behalf, so this is the
   * operating-system-level bound. Linux only (it reads /proc); elsewhere it is not enforced.
   */
  constructor(options: { workerFile?: string; maxOldSpaceMb?: number; maxRssMb?: number } = {}) {
    this.#maxRssMb = options.maxRssMb;
    const execArgv = ['--no-node-snapshot', '--disable-warning=ExperimentalWarning'];
    if (options.maxOldSpaceMb) execArgv.push(`--max-old-space-size=${options.maxOldSpaceMb}`);
    this.#child = fork(options.workerFile ?? DEFAULT_WORKER_FILE, [], {
      execArgv,
      env: {},
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.#child.stderr?.setEncoding('utf8');
    // Reading the worker's stderr must never keep the host running.
    (this.#child.stderr as (NodeJS.ReadableStream & { unref?: () => void }) | null)?.unref?.();
    this.#child.stderr?.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (message: WorkerToHost) => {
        if (message.type === 'ready') resolve();
      };
      this.#child.once('message', onMessage);
      this.#child.once('exit', (code, signal) =>
        reject(new WorkerExitedError({ code, signal, stderrTail: this.#stderr, killed: this.#killed })),
      );
    });
    // A rejection of `ready` is observed by whoever awaits it; this keeps it from being unhandled.
    this.ready.catch(() => {});
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#alive = false;
        clearInterval(this.#memoryWatch);
        const exit: WorkerExit = { code, signal, stderrTail: this.#stderr, killed: this.#killed };
        if (this.#overMemoryCapMb !== undefined) exit.overMemoryCapMb = this.#overMemoryCapMb;
        for (const pending of this.#pending.values()) pending.reject(new WorkerExitedError(exit));
        this.#pending.clear();
        resolve(exit);
      });
    });
    this.#child.on('message', (message: WorkerToHost) => {
      if (message.type === 'ready') return;
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      this.#updateRef();
      pending.resolve(message);
    });
    // A send to a process that just died fails; the exit handler reports it to the caller.
    this.#child.on('error', () => {});
    this.#updateRef();
  }

  get alive(): boolean {
    return this.#alive;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Sends a request and resolves with the reply; rejects with `WorkerExitedError` if the process dies. */
  async request(request: Request): Promise<WorkerToHost> {
    await this.ready;
    if (!this.#alive) throw new WorkerExitedError({ code: null, signal: null, stderrTail: this.#stderr, killed: this.#killed });
    const id = this.#nextId++;
    const reply = new Promise<WorkerToHost>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#updateRef();
    this.#child.send({ ...request, id } as HostToWorker);
    return reply;
  }

  /** Kills the process at once (SIGKILL); pending requests reject with `WorkerExitedError`. */
  kill(): void {
    if (!this.#alive) return;
    this.#killed = true;
    // Whoever awaits `exited` must see it, so the process counts again until it is gone.
    this.#child.ref();
    this.#child.kill('SIGKILL');
  }

  #updateRef(): void {
    // The process and its IPC channel keep the host's event loop alive only while a reply is awaited.
    const channel = this.#child.channel as { ref(): void; unref(): void } | undefined;
    if (this.#pending.size > 0) {
      this.#child.ref();
      channel?.ref();
      this.#watchMemory();
    } else {
      this.#child.unref();
      channel?.unref();
      clearInterval(this.#memoryWatch);
      this.#memoryWatch = undefined;
    }
  }

  #watchMemory(): void {
    if (this.#maxRssMb === undefined || this.#memoryWatch || this.#child.pid === undefined) return;
    const statm = `/proc/${this.#child.pid}/statm`;
    this.#memoryWatch = setInterval(() => {
      let residentMb: number;
      try {
        residentMb = (Number(readFileSync(statm, 'utf8').split(' ')[1]) * PAGE_BYTES) / 2 ** 20;
      } catch {
        // No /proc (not Linux), or the process is gone: nothing to enforce.
        clearInterval(this.#memoryWatch);
        return;
      }
      if (residentMb > this.#maxRssMb!) {
        this.#overMemoryCapMb = this.#maxRssMb;
        this.kill();
      }
    }, MEMORY_CHECK_MS);
    this.#memoryWatch.unref();
  }
}

export class WorkerExitedError extends Error {
  readonly exit: WorkerExit;

  constructor(exit: WorkerExit) {
    super(describeExit(exit));
    this.name = new.target.name;
    this.exit = exit;
  }
}

export function describeExit(exit: WorkerExit): string {
  if (exit.overMemoryCapMb !== undefined) return `the sandbox process ran out of memory: it passed its ${exit.overMemoryCapMb} MB cap`;
  if (/out of memory|heap limit|Allocation failed/i.test(exit.stderrTail)) return 'the sandbox process ran out of memory';
  if (exit.signal) return `the sandbox process was ended by ${exit.signal}`;
  return `the sandbox process exited with code ${exit.code}`;
}

/** Narrows a reply to a run result, or explains what else came back. */
export function asRunOutcome(reply: WorkerToHost): RunOutcome {
  if (reply.type !== 'result') throw new Error(`The sandbox process answered a run with "${reply.type}".`);
  return reply.outcome;
}
