/**
 * One sandbox session: an isolated-vm isolate (its own heap, with the session's memory limit),
 * one context, and the sandbox runtime (`isolate-runtime.ts`). Runs notebook cells in it under a
 * deadline that covers the whole call. Lives in a sandbox worker process (`sandbox-worker.ts`),
 * which must be started with `--no-node-snapshot` for isolated-vm to load.
 *
 * Nothing of the host enters the isolate but the runtime's source text, primitives, and the
 * console Callback, which the runtime keeps in a strict closure. References stay on this side.
 */
import ivm from 'isolated-vm';
import { parseCellReport, RUNTIME_SOURCE, type CellReport, type Emit, type RunCell, type Runtime } from './isolate-runtime.ts';
import { prepareCell, type Language } from './prepare-cell.ts';
import type { RunError, RunLimits, RunOutcome } from './protocol.ts';
import { trimStack } from './trim-stack.ts';

export interface CellRequest {
  code: string;
  language: Language;
  /** `memoryMb` is not read here: it applies when the session is created. */
  limits: RunLimits;
}

/** The runtime's set-up runs no user code; this only guards against a broken build. */
const BOOTSTRAP_TIMEOUT_MS = 2_000;
/**
 * V8's code cache for the runtime, made by the first session of the process and reused by the
 * next ones (it saves about a millisecond per new session). Never taken from outside: it holds
 * compiled code.
 */
let runtimeCodeCache: ivm.ExternalCopy<ArrayBuffer> | undefined;

/** How long a timed-out call waits for the console text still buffered in the isolate. */
const RECOVER_OUTPUT_MS = 50;
/** Longest error name kept; the message and stack get `maxOutputChars` each. */
const NAME_CHARS = 200;
/** isolated-vm takes timeouts as unsigned 32-bit integers, and 0 would mean "none". */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The deadline passed. `isolateGone` when isolated-vm had already disposed the isolate (memory
 * limit); `cpuTime` is the isolate's CPU time then, read before this side disposes it.
 */
class DeadlineReached extends Error {
  readonly isolateGone: boolean;
  readonly cpuTime: bigint | undefined;

  constructor(options: { isolateGone: boolean; cpuTime?: bigint } = { isolateGone: false }) {
    super('The deadline passed.');
    this.isolateGone = options.isolateGone;
    this.cpuTime = options.cpuTime;
  }
}

/** A failure of the call, with whether it ended the session. */
interface Failure {
  error: RunError;
  sessionReset: boolean;
}

export class IsolateSession {
  static #abandonedCalls = 0;

  /**
   * Calls whose isolate was disposed at the deadline but whose thread has not returned yet (a
   * built-in that ignores termination). While there are any, the process cannot exit normally.
   */
  static get abandonedCalls(): number {
    return IsolateSession.#abandonedCalls;
  }

  readonly memoryMb: number;
  readonly #isolate: ivm.Isolate;
  readonly #context: ivm.Context;
  readonly #runCell: ivm.Reference<RunCell>;
  readonly #flush: ivm.Reference<() => void>;
  /** Console output of the call in progress, filled by the runtime's `emit` Callback. */
  #output: OutputCapture | undefined;
  #cells = 0;
  #running = false;
  /** Set when this side disposed the isolate; isolated-vm disposes it itself on the memory limit. */
  #endedBy: 'timeout' | 'request' | undefined;
  #lastHeapBytes = 0;

  constructor(options: {
    memoryMb: number;
    /** isolated-vm lost control of the isolate (a thread it could not stop): the process must end. */
    onCatastrophicError: (message: string) => void;
  }) {
    this.memoryMb = options.memoryMb;
    this.#isolate = new ivm.Isolate({ memoryLimit: options.memoryMb, onCatastrophicError: options.onCatastrophicError });
    try {
      this.#context = this.#isolate.createContextSync();
      // `ignored`: the isolate does not wait for the host on each console call (a waiting call
      // costs about 0.2 ms). Console text still arrives before the call's result, which isolated-vm
      // queues behind it; the call number drops text a disposed call sends late.
      const emit = new ivm.Callback(
        (call: unknown, stream: unknown, text: unknown) => {
          if (call === this.#cells) this.#output?.append(stream, text);
        },
        { ignored: true },
      );
      const script = this.#isolate.compileScriptSync(RUNTIME_SOURCE, {
        filename: 'gantry-runtime.js',
        ...(runtimeCodeCache ? { cachedData: runtimeCodeCache } : { produceCachedData: true }),
      });
      runtimeCodeCache ??= (script as { cachedData?: ivm.ExternalCopy<ArrayBuffer> }).cachedData;
      const install = script.runSync(this.#context, { timeout: BOOTSTRAP_TIMEOUT_MS, reference: true, release: true }) as ivm.Reference<(emit: ivm.Callback<Emit>) => Runtime>;
      const runtime = install.applySync(undefined, [emit], { timeout: BOOTSTRAP_TIMEOUT_MS, result: { reference: true } }) as ivm.Reference<Runtime>;
      this.#runCell = runtime.getSync('runCell', { reference: true }) as ivm.Reference<RunCell>;
      this.#flush = runtime.getSync('flush', { reference: true }) as ivm.Reference<() => void>;
      runtime.release();
      install.release();
    } catch (error) {
      this.#isolate.dispose();
      throw error;
    }
  }

  /** False once the isolate is gone (timeout, memory limit, or `dispose`); the worker then starts a new session. */
  get alive(): boolean {
    return !this.#isolate.isDisposed;
  }

  /** True when isolated-vm disposed the isolate for exceeding its memory limit. */
  get overMemoryLimit(): boolean {
    return this.#isolate.isDisposed && this.#endedBy === undefined;
  }

  /**
   * Runs one cell. Calls must not overlap (the worker queues them per session). Never rejects:
   * every failure, including the sandbox's own, comes back as the outcome's error.
   */
  async run(request: CellRequest): Promise<RunOutcome> {
    if (this.#running) throw new Error('IsolateSession.run: a call is already running in this session.');
    const started = performance.now();
    const output = new OutputCapture(request.limits.maxOutputChars);
    this.#running = true;
    this.#output = output;
    let result: { report: CellReport; hasValue: boolean } | Failure;
    try {
      result = await this.#execute(request, started + request.limits.timeoutMs);
    } catch (error) {
      // A bug on this side (the transform, isolated-vm misuse): the session's state is suspect.
      this.#end('request');
      result = { error: internalError(error instanceof Error ? error.message : String(error)), sessionReset: true };
    } finally {
      this.#running = false;
      this.#output = undefined;
    }
    const durationMs = performance.now() - started;
    if ('error' in result) {
      return { ok: false, hasValue: false, ...output.result([]), error: result.error, durationMs, sessionReset: result.sessionReset };
    }
    return reportOutcome({ ...result, output, durationMs });
  }

  /** Heap in use (V8 heap plus large ArrayBuffers), as of the last call if one is running. */
  heapBytes(): number {
    if (!this.alive) return 0;
    // Reading the statistics needs the isolate's lock, which a running call holds.
    if (this.#running) return this.#lastHeapBytes;
    const stats = this.#isolate.getHeapStatisticsSync();
    this.#lastHeapBytes = stats.used_heap_size + stats.externally_allocated_size;
    return this.#lastHeapBytes;
  }

  /** Disposes the isolate, stopping any code running in it. */
  dispose(): void {
    this.#end('request');
  }

  async #execute({ code, language, limits }: CellRequest, deadline: number): Promise<{ report: CellReport; hasValue: boolean } | Failure> {
    const prepared = prepareCell(code, language);
    if ('error' in prepared) return { error: prepared.error, sessionReset: false };

    const filename = `cell-${++this.#cells}.js`;
    let script: ivm.Script;
    try {
      // One line of wrapper comes first, so lineOffset -1 makes the cell's line N read as line N.
      script = this.#isolate.compileScriptSync(prepared.source, { filename, lineOffset: -1 });
    } catch (error) {
      return this.#isolate.isDisposed ? this.#failure(error, limits, 'compile') : { error: compileError(error, limits.maxOutputChars), sessionReset: false };
    }

    let cell: ivm.Reference<() => unknown>;
    try {
      // Declares the cell's top-level names and evaluates to its async function, without calling it.
      cell = script.runSync(this.#context, { timeout: remainingMs(deadline), reference: true, release: true }) as ivm.Reference<() => unknown>;
    } catch (error) {
      return this.#failure(error, limits, 'declare');
    }

    const cpuAtStart = this.#isolate.cpuTime;
    let reportText: unknown;
    try {
      const pending = this.#runCell.apply(undefined, [cell.derefInto({ release: true }), this.#cells, prepared.hasValue, limits.maxOutputChars], {
        timeout: remainingMs(deadline),
        result: { promise: true },
      }) as Promise<unknown>;
      reportText = await this.#beforeDeadline(pending, deadline);
    } catch (error) {
      const timedOut = error instanceof DeadlineReached ? !error.isolateGone : isTimedOut(error);
      if (timedOut) await this.#recoverOutput();
      if (error instanceof DeadlineReached && !error.isolateGone) return this.#timeout(limits, cpuAtStart, error.cpuTime);
      return this.#failure(error, limits, 'call');
    }
    const report = parseCellReport(reportText, limits.maxOutputChars);
    if (report) return { report, hasValue: prepared.hasValue };
    this.#end('request');
    return { error: internalError('the sandbox runtime returned an unreadable report'), sessionReset: true };
  }

  /**
   * Settles with `pending`, or rejects with `DeadlineReached` when the deadline comes first (a
   * promise that never settles, code isolated-vm cannot stop); the caller then disposes the
   * isolate, which stops whatever still runs in it.
   */
  #beforeDeadline(pending: Promise<unknown>, deadline: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let abandoned = false;
      const timer = setTimeout(() => {
        const isolateGone = this.#isolate.isDisposed;
        reject(new DeadlineReached(isolateGone ? { isolateGone } : { isolateGone, cpuTime: this.#isolate.cpuTime }));
        abandoned = true;
        IsolateSession.#abandonedCalls++;
      }, Math.min(MAX_TIMEOUT_MS, Math.max(0, deadline - performance.now())));
      pending.finally(() => {
        if (abandoned) IsolateSession.#abandonedCalls--;
      }).catch(() => {});
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /**
   * Sends the console text the runtime still buffers, so a call that timed out keeps its output.
   * The isolate is idle after isolated-vm stopped the code or while it waits for a promise; when it
   * is still busy, this gives up after `RECOVER_OUTPUT_MS`.
   */
  async #recoverOutput(): Promise<void> {
    const flushed = this.#flush.apply(undefined, [], { timeout: RECOVER_OUTPUT_MS });
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, RECOVER_OUTPUT_MS);
    });
    await Promise.race([flushed, gaveUp]).catch(() => {});
    clearTimeout(timer);
  }

  /** The call ran out of time; CPU time spent tells a busy loop from a wait for a promise that never settles. */
  #timeout(limits: RunLimits, cpuAtStart?: bigint, cpuAtDeadline?: bigint): Failure {
    this.#end('timeout');
    const busyMs = cpuAtStart === undefined || cpuAtDeadline === undefined ? limits.timeoutMs : Number(cpuAtDeadline - cpuAtStart) / 1e6;
    const cause = busyMs < limits.timeoutMs / 2 ? 'it was waiting for a promise that never settled' : 'it was still running';
    return {
      error: {
        kind: 'timeout',
        name: 'TimeoutError',
        message: `The code exceeded the ${limits.timeoutMs} ms time limit (${cause}) and was stopped; the session was reset.`,
      },
      sessionReset: true,
    };
  }

  /** Classifies what isolated-vm threw: a limit, a disposal, or an error of the code itself. */
  #failure(error: unknown, limits: RunLimits, phase: 'compile' | 'declare' | 'call'): Failure {
    const message = error instanceof Error ? error.message : '';
    const isolateGone = error instanceof DeadlineReached && error.isolateGone;
    if (!isolateGone && (error instanceof DeadlineReached || this.#endedBy === 'timeout' || isTimedOut(error))) {
      return this.#timeout(limits);
    }
    if (this.#endedBy === 'request') {
      return { error: { kind: 'runtime', name: 'SessionDisposed', message: 'The session was disposed while the code was running.' }, sessionReset: true };
    }
    if (this.#isolate.isDisposed || /memory limit/i.test(message)) {
      this.#end('request');
      return {
        error: {
          kind: 'memory',
          name: 'MemoryLimitError',
          message: `The code exceeded the sandbox memory limit of ${this.memoryMb} MB; the session was reset.`,
        },
        sessionReset: true,
      };
    }
    if (phase === 'compile') return { error: compileError(error, limits.maxOutputChars), sessionReset: false };
    // The runtime catches everything the cell throws, so what reaches here in a call is a promise
    // the code rejected without handling it, which isolated-vm reports at the end of the call.
    return { error: thrownError(error, phase === 'call' ? 'Uncaught (in promise) ' : '', limits.maxOutputChars), sessionReset: false };
  }

  #end(reason: 'timeout' | 'request'): void {
    if (this.#isolate.isDisposed) return;
    this.#endedBy ??= reason;
    try {
      this.#isolate.dispose();
    } catch {
      // Disposed meanwhile by isolated-vm itself (memory limit).
    }
  }
}

/** Console output of one call, capped per stream (the runtime caps it too; this side trusts nothing). */
class OutputCapture {
  readonly #max: number;
  #stdout = '';
  #stderr = '';
  #stdoutCut = false;
  #stderrCut = false;

  constructor(max: number) {
    this.#max = max;
  }

  append(stream: unknown, text: unknown): void {
    if (typeof text !== 'string' || (stream !== 0 && stream !== 1)) return;
    const current = stream === 0 ? this.#stdout : this.#stderr;
    const room = this.#max - current.length;
    const kept = text.length > room ? text.slice(0, Math.max(0, room)) : text;
    if (stream === 0) {
      this.#stdout += kept;
      this.#stdoutCut ||= kept.length < text.length;
    } else {
      this.#stderr += kept;
      this.#stderrCut ||= kept.length < text.length;
    }
  }

  /** The outcome's output fields, merging the runtime's own truncation flags. */
  result(reported: RunOutcome['truncated']): Pick<RunOutcome, 'stdout' | 'stderr' | 'truncated'> {
    const truncated = new Set(reported);
    if (this.#stdoutCut) truncated.add('stdout');
    if (this.#stderrCut) truncated.add('stderr');
    const order = ['stdout', 'stderr', 'result'] as const;
    return { stdout: this.#stdout, stderr: this.#stderr, truncated: order.filter((part) => truncated.has(part)) };
  }
}

/** The outcome of a call that ran to its end: the value, or the error the code threw. */
function reportOutcome({ report, hasValue, output, durationMs }: { report: CellReport; hasValue: boolean; output: OutputCapture; durationMs: number }): RunOutcome {
  const truncated: RunOutcome['truncated'] = [];
  if (report.stdoutTruncated) truncated.push('stdout');
  if (report.stderrTruncated) truncated.push('stderr');
  if (report.resultTruncated) truncated.push('result');
  if (!report.ok) {
    const { name, message, stack } = report.error ?? { name: 'Error', message: '' };
    const error: RunError = stack === undefined ? { kind: 'runtime', name, message } : { kind: 'runtime', name, message, stack };
    return { ok: false, hasValue: false, ...output.result(truncated), error, durationMs, sessionReset: false };
  }
  const value = hasValue ? { ...(report.json === undefined ? {} : { json: report.json }), text: report.text ?? 'undefined' } : {};
  return { ok: true, hasValue, ...value, ...output.result(truncated), durationMs, sessionReset: false };
}

/** V8's early errors, which the transform's parser does not check ("[cell-3.js:2:5]" → "(2:4)"). */
function compileError(error: unknown, maxChars: number): RunError {
  const message = cut(error instanceof Error ? error.message : String(error), maxChars);
  const name = cut(error instanceof Error ? error.name : 'SyntaxError', NAME_CHARS);
  return {
    kind: 'syntax',
    name,
    message: message.replace(/ \[cell-\d+\.js:(\d+):(\d+)\]$/, (_match, line: string, column: string) => ` (${line}:${Number(column) - 1})`),
  };
}

/**
 * An error isolated-vm copied out (name, message and stack only), or a thrown primitive. Their
 * text is the code's own and may be huge, so it is cut like any other output.
 */
function thrownError(error: unknown, prefix: string, maxChars: number): RunError {
  if (error instanceof Error) {
    const stack = typeof error.stack === 'string' ? cut(trimStack(error.stack), maxChars) : undefined;
    const name = cut(String(error.name), NAME_CHARS);
    return { kind: 'runtime', name, message: cut(String(error.message), maxChars), ...(stack ? { stack: `${prefix}${stack}` } : {}) };
  }
  const rendered = cut(typeof error === 'string' ? JSON.stringify(error) : String(error), maxChars);
  return { kind: 'runtime', name: 'Uncaught', message: rendered, stack: `${prefix || 'Uncaught '}${rendered}` };
}

/** isolated-vm stopped the code at its `timeout`. */
function isTimedOut(error: unknown): boolean {
  return error instanceof Error && error.message === 'Script execution timed out.';
}

function cut(text: string, maxChars: number): string {
  return text.length > maxChars ? text.slice(0, maxChars) : text;
}

function internalError(what: string): RunError {
  return { kind: 'runtime', name: 'SandboxError', message: `The sandbox failed: ${what}; the session was reset.` };
}

function remainingMs(deadline: number): number {
  const remaining = deadline - performance.now();
  if (remaining <= 0) throw new DeadlineReached();
  return Math.min(MAX_TIMEOUT_MS, Math.ceil(remaining));
}
