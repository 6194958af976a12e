import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ToolError } from '../../agent/errors.ts';
import { WORKER_MEMORY_LIMIT_MB, WORKER_STARTUP_TIMEOUT_MS } from './defaults.ts';
import type { Evaluation } from './format-result.ts';
import type { EvaluationRequest, WorkerMessage } from './protocol.ts';

/** `worker.ts` beside this module when running from source, `worker.js` in the compiled package. */
const WORKER_URL = new URL(`./worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

export interface EvaluateInWorkerOptions {
  expression: string;
  /** Significant digits of the BigNumber arithmetic. */
  precision: number;
  /** Evaluation time allowed, counted from when the worker starts on this call (not while queued or starting). */
  timeoutMs: number;
  /** Aborting stops the evaluation (killing the worker if it is running it) and rejects with `signal.reason`. */
  signal?: AbortSignal;
}

interface WorkerProcess {
  readonly child: ChildProcess;
  /** Resolves when mathjs is loaded; rejects with a `ToolError` if the worker cannot start. */
  readonly ready: Promise<void>;
}

interface Job {
  readonly id: number;
  readonly options: EvaluateInWorkerOptions;
  readonly resolve: (evaluation: Evaluation) => void;
  readonly reject: (error: unknown) => void;
  readonly onAbort: () => void;
  /** The process the request was sent to; unset while queued or waiting for the process to start. */
  worker?: WorkerProcess;
  timer?: NodeJS.Timeout;
  done: boolean;
}

/**
 * Runs calculator expressions in a child process, so a runaway expression can neither block the
 * host's event loop nor exhaust its memory. A worker thread would share the host's process, and
 * Node aborts the whole process when a thread fails one large allocation, limits or not
 * (nodejs/node#47224). The process starts on first use, is reused, and is killed (then lazily
 * replaced) when a call exceeds its time limit or is aborted; running out of memory ends only
 * the child. Calls run one at a time, in order. The process never keeps the host alive by
 * itself; a pending call's timer does.
 */
export class EvaluationWorker {
  readonly #warmUpPrecision: number;
  readonly #memoryLimitMb: number;
  readonly #queue: Job[] = [];
  #worker: WorkerProcess | undefined;
  #running: Job | undefined;
  #nextId = 1;

  constructor(options: {
    /** The precision the process prepares while it starts, before the first call. */
    precision: number;
    /** Heap limit of the process; an expression that needs more fails with a message for the model. Default 256. */
    memoryLimitMb?: number;
  }) {
    this.#warmUpPrecision = options.precision;
    this.#memoryLimitMb = options.memoryLimitMb ?? WORKER_MEMORY_LIMIT_MB;
  }

  /**
   * Evaluates one expression. Resolves with the result or a failure for the model (syntax error,
   * time or memory limit exceeded); rejects with `signal.reason` on abort and with a `ToolError`
   * when the worker process cannot start.
   */
  evaluate(options: EvaluateInWorkerOptions): Promise<Evaluation> {
    return new Promise((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const job: Job = { id: this.#nextId++, options, resolve, reject, onAbort: () => this.#abort(job), done: false };
      signal?.addEventListener('abort', job.onAbort, { once: true });
      this.#queue.push(job);
      this.#startNext();
    });
  }

  /** Stops the process and rejects pending calls with a `ToolError`; a later call starts a new process. */
  async close(): Promise<void> {
    const closed = () => new ToolError('The calculator was closed before it evaluated the expression.');
    for (const job of this.#queue.splice(0)) this.#finish(job, { error: closed() });
    if (this.#running) this.#finish(this.#running, { error: closed() });
    const worker = this.#worker;
    if (!worker) return;
    const { child } = worker;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    // The process is unref'd: without this, a host with nothing else to do would exit mid-await.
    child.ref();
    this.#discard(worker);
    await exited;
  }

  #startNext(): void {
    if (this.#running) return;
    const job = this.#queue.shift();
    if (!job) return;
    this.#running = job;
    this.#run(job).catch((error: unknown) => this.#finish(job, { error }));
  }

  async #run(job: Job): Promise<void> {
    const worker = this.#worker ?? this.#spawn();
    await worker.ready;
    if (job.done) return; // Aborted or closed while the process was starting.
    if (this.#worker !== worker) throw new ToolError('The calculator worker stopped right after starting.');
    job.worker = worker;
    job.timer = setTimeout(() => this.#timeOut(job), job.options.timeoutMs);
    const { expression, precision } = job.options;
    worker.child.send({ id: job.id, expression, precision } satisfies EvaluationRequest, (error) => {
      if (error) this.#onWorkerLost(worker, unexpectedStop(`the request could not be sent: ${error.message}`));
    });
  }

  #spawn(): WorkerProcess {
    const child = fork(WORKER_URL, [String(this.#warmUpPrecision)], {
      // Only the heap limit: the host's own flags (an inspector port, loaders) do not belong here.
      execArgv: [`--max-old-space-size=${this.#memoryLimitMb}`],
      // No secrets for an expression that ever escaped mathjs, and no NODE_OPTIONS overriding the limit.
      env: {},
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    let markReady = (): void => {};
    let failStart = (_error: Error): void => {};
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failStart = reject;
    });
    // The call awaiting `ready` reports a failed start; this only stops a process nobody awaits
    // any more (its call was aborted) from raising an unhandled rejection.
    ready.catch(() => undefined);
    const worker: WorkerProcess = { child, ready };
    const startupTimer = setTimeout(() => {
      failStart(new ToolError(`The calculator worker did not start within ${WORKER_STARTUP_TIMEOUT_MS} ms.`));
      this.#discard(worker);
    }, WORKER_STARTUP_TIMEOUT_MS);

    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') {
        clearTimeout(startupTimer);
        markReady();
      } else {
        this.#onResult(worker, message);
      }
    });
    child.on('error', (error: Error) => {
      clearTimeout(startupTimer);
      failStart(new ToolError(`The calculator worker failed to start: ${error.message}`, { cause: error }));
      this.#onWorkerLost(worker, unexpectedStop(error.message));
    });
    child.on('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(startupTimer);
      failStart(new ToolError(`The calculator worker exited while starting (${describeExit(code, signal)}).`));
      // V8 aborts the process when the heap limit is reached.
      const failure = signal === 'SIGABRT' ? outOfMemory(this.#memoryLimitMb) : unexpectedStop(describeExit(code, signal));
      this.#onWorkerLost(worker, failure);
    });
    // After the listeners, which would otherwise take the references back.
    child.unref();
    child.channel?.unref();
    this.#worker = worker;
    return worker;
  }

  #onResult(worker: WorkerProcess, message: Extract<WorkerMessage, { type: 'result' }>): void {
    const job = this.#running;
    if (job?.worker === worker && job.id === message.id) this.#finish(job, { evaluation: message.evaluation });
  }

  /** Fails the call the lost process was running, with `error` as the message for the model. */
  #onWorkerLost(worker: WorkerProcess, error: string): void {
    if (this.#worker === worker) this.#worker = undefined;
    const job = this.#running;
    if (job?.worker === worker) this.#finish(job, { evaluation: { ok: false, error } });
  }

  #timeOut(job: Job): void {
    if (job.worker) this.#discard(job.worker);
    const error =
      `Evaluation exceeded the ${job.options.timeoutMs} ms time limit and was stopped. ` +
      'Simplify the expression: smaller numbers, matrices or ranges, or fewer steps per call.';
    this.#finish(job, { evaluation: { ok: false, error } });
  }

  #abort(job: Job): void {
    // A call still queued or waiting for the process to start has nothing running to stop.
    if (job.worker) this.#discard(job.worker);
    this.#finish(job, { error: job.options.signal?.reason });
  }

  #discard(worker: WorkerProcess): void {
    if (this.#worker === worker) this.#worker = undefined;
    worker.child.kill('SIGKILL');
  }

  #finish(job: Job, outcome: { evaluation: Evaluation } | { error: unknown }): void {
    if (job.done) return;
    job.done = true;
    clearTimeout(job.timer);
    job.options.signal?.removeEventListener('abort', job.onAbort);
    if ('error' in outcome) job.reject(outcome.error);
    else job.resolve(outcome.evaluation);
    if (this.#running === job) {
      this.#running = undefined;
      this.#startNext();
    } else {
      const index = this.#queue.indexOf(job);
      if (index >= 0) this.#queue.splice(index, 1);
    }
  }
}

function outOfMemory(limitMb: number): string {
  return (
    `Evaluation ran out of memory (the calculator allows ${limitMb} MB) and was stopped: ` +
    'a value in the expression is too large. Use smaller matrices or ranges.'
  );
}

function unexpectedStop(reason: string): string {
  return `The calculator stopped unexpectedly (${reason}). The expression was not evaluated; simplify it and try again.`;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}
