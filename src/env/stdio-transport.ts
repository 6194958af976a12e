import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { EnvironmentError, UserError, describeError } from '../agent/errors.ts';
import { isRecord, preview, throwServerError, type JsonRpcRequest, type JsonRpcTransport } from './json-rpc.ts';

/** How much of the server's stderr is kept for error messages. */
const STDERR_TAIL_CHARS = 2048;

/** How long `close` waits for the process to exit after stdin ends, before killing it. */
const EXIT_GRACE_MS = 1000;

/** How to start a stdio environment server. */
export interface StdioServerOptions {
  /** The program to run (looked up on `PATH`). */
  command: string;
  args?: string[];
  /** The working directory; the current one by default. */
  cwd?: string;
  /**
   * The child's whole environment, besides `PATH` (taken from this process unless given here).
   * Nothing else of this process's environment is passed on, so keys and tokens stay here.
   */
  env?: Record<string, string>;
}

interface PendingRequest {
  method: string;
  resolve(response: unknown): void;
  reject(error: unknown): void;
}

/**
 * A server process spoken to over its stdin and stdout, one JSON-RPC message per line. The first
 * thing that breaks the protocol (the process exits, a line is not JSON) fails the pending
 * requests and every later one, with the end of the server's stderr in the message.
 */
export class StdioTransport implements JsonRpcTransport {
  readonly label: string;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending = new Map<number, PendingRequest>();
  readonly #exited: Promise<void>;
  #stdoutBuffer = '';
  #stderrTail = '';
  #stderrTruncated = false;
  /** Why the server can no longer answer ("exited with code 1"), once it cannot. */
  #failure: string | undefined;
  /**
   * Why the server is being stopped (it broke the protocol), until it has exited: failures are
   * reported only then, because its stderr is a separate pipe and what it logged just before the
   * bad line may still be on the way.
   */
  #broken: string | undefined;

  private constructor({ child, label }: { child: ChildProcessWithoutNullStreams; label: string }) {
    this.#child = child;
    this.label = label;
    this.#exited = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.#fail(this.#broken ?? (signal === null ? `exited with code ${code}` : `was killed by ${signal}`));
        resolve();
      });
    });
    // Errors of the process (a failed kill) and of its pipes (EPIPE when the server dies
    // mid-write) end in 'close', which reports them.
    child.on('error', () => {});
    child.stdin.on('error', () => {});
    child.stdout.on('error', () => {});
    child.stderr.on('error', () => {});
    const stdoutDecoder = new StringDecoder('utf8');
    child.stdout.on('data', (chunk: Buffer) => this.#onStdout(stdoutDecoder.write(chunk)));
    const stderrDecoder = new StringDecoder('utf8');
    child.stderr.on('data', (chunk: Buffer) => this.#onStderr(stderrDecoder.write(chunk)));
  }

  /** Starts the server. Throws a `UserError` when the command cannot be run at all. */
  static async start({ command, args = [], cwd, env = {} }: StdioServerOptions): Promise<StdioTransport> {
    const label = commandLabel([command, ...args]);
    const childEnv: Record<string, string> = {};
    if (process.env.PATH !== undefined) childEnv.PATH = process.env.PATH;
    Object.assign(childEnv, env);
    const child = spawn(command, args, { cwd, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      await once(child, 'spawn');
    } catch (error) {
      throw new UserError(
        `Could not start the environment server ${label}: ${describeError(error)}. ` +
          'Check the command, the working directory and PATH.',
        { cause: error, context: { command, args } },
      );
    }
    return new StdioTransport({ child, label });
  }

  /** The server's process id. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  send(request: JsonRpcRequest, signal: AbortSignal): Promise<unknown> {
    if (this.#failure !== undefined || this.#broken !== undefined) {
      // Once it has exited, the failure and the whole of its stderr are known.
      return this.#exited.then(() =>
        Promise.reject(this.#error(`Cannot send "${request.method}": the environment server ${this.label} ${this.#failure}.`)),
      );
    }
    return new Promise((resolve, reject) => {
      this.#pending.set(request.id, { method: request.method, resolve, reject });
      signal.addEventListener(
        'abort',
        () => {
          this.#pending.delete(request.id);
          reject(signal.reason);
        },
        { once: true },
      );
      this.#child.stdin.write(`${JSON.stringify(request)}\n`);
    });
  }

  async close(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.stdin.end();
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), EXIT_GRACE_MS);
      try {
        await this.#exited;
      } finally {
        clearTimeout(timer);
      }
    }
    await this.#exited;
  }

  #onStdout(text: string): void {
    this.#stdoutBuffer += text;
    let newline = this.#stdoutBuffer.indexOf('\n');
    while (newline !== -1 && this.#failure === undefined && this.#broken === undefined) {
      const line = this.#stdoutBuffer.slice(0, newline).trim();
      this.#stdoutBuffer = this.#stdoutBuffer.slice(newline + 1);
      if (line !== '') this.#onLine(line);
      newline = this.#stdoutBuffer.indexOf('\n');
    }
  }

  #onLine(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      message = undefined;
    }
    if (!isRecord(message)) {
      this.#broken =
        `wrote a line to stdout that is not a JSON-RPC message: "${preview(line)}" ` +
        '(stdout carries only the protocol: the server must log to stderr)';
      // Waiting requests fail when the process has exited ('close'), with all it wrote to stderr.
      this.#child.kill('SIGTERM');
      setTimeout(() => this.#child.kill('SIGKILL'), EXIT_GRACE_MS).unref();
      return;
    }
    const id = message.id;
    if (id === null && isRecord(message.error)) {
      // The server could not read a request of ours well enough to find its id.
      this.#rejectAll(message.error);
      return;
    }
    if (typeof id !== 'number') return;
    const pending = this.#pending.get(id);
    // A response to a request that timed out arrives after nobody waits for it.
    if (pending === undefined) return;
    this.#pending.delete(id);
    pending.resolve(message);
  }

  #rejectAll(error: Record<string, unknown>): void {
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      try {
        throwServerError({
          method: pending.method,
          code: typeof error.code === 'number' ? error.code : 0,
          message: typeof error.message === 'string' ? error.message : preview(error),
          data: error.data,
        });
      } catch (thrown) {
        pending.reject(thrown);
      }
    }
  }

  #onStderr(text: string): void {
    this.#stderrTail += text;
    if (this.#stderrTail.length > STDERR_TAIL_CHARS) {
      this.#stderrTail = this.#stderrTail.slice(-STDERR_TAIL_CHARS);
      this.#stderrTruncated = true;
    }
  }

  /** Records why the server can no longer answer and fails every request still waiting. */
  #fail(reason: string): void {
    if (this.#failure !== undefined) return;
    this.#failure = reason;
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      pending.reject(
        this.#error(`The environment server ${this.label} ${reason} while "${pending.method}" waited for its answer.`),
      );
    }
  }

  #error(message: string): EnvironmentError {
    const tail = this.#stderrTail.trimEnd();
    const stderr =
      tail === ''
        ? ' It wrote nothing to stderr.'
        : `\nThe end of its stderr:\n${this.#stderrTruncated ? '…' : ''}${tail}`;
    return new EnvironmentError(`${message}${stderr}`, {
      context: { server: this.label, reason: this.#failure, stderrTail: tail },
    });
  }
}

/** The command line on one short line, for messages: a long `-e` script would drown them. */
function commandLabel(words: string[]): string {
  const line = words.join(' ').replace(/\s+/g, ' ').trim();
  return `\`${line.length > 80 ? `${line.slice(0, 79)}…` : line}\``;
}
