import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describeError } from '../../agent/errors.ts';

/** How much of the server's stderr is kept for error messages. */
const STDERR_TAIL_CHARS = 2048;

/** How long `close` waits after ending stdin before sending SIGTERM, and again before SIGKILL. */
const EXIT_GRACE_MS = 500;

export interface ChildProcessTransportOptions {
  command: string;
  args?: string[];
  cwd?: string;
  /** The child's whole environment besides `PATH`. */
  env?: Record<string, string>;
}

/**
 * The stdio side of MCP: a child process, one JSON-RPC message per line on stdin and stdout.
 *
 * The SDK's `StdioClientTransport` always adds `HOME`, `USER`, `SHELL` and a few more of this
 * process's variables to the child's environment, even when one is given; a server must get only
 * what was configured for it (plus `PATH`, to find its own programs), so this transport spawns
 * the process itself. It also keeps the end of stderr and how the process ended, for messages.
 */
export class ChildProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #options: ChildProcessTransportOptions;
  readonly #readBuffer = new ReadBuffer();
  #child: ChildProcessWithoutNullStreams | undefined;
  #closed: Promise<void> | undefined;
  #stderrTail = '';
  #exit: string | undefined;

  constructor(options: ChildProcessTransportOptions) {
    this.#options = options;
  }

  /** How the process ended (`exited (code 1)`, `was killed by SIGKILL`), once it has. */
  get exitDescription(): string | undefined {
    return this.#exit;
  }

  /** The last ~2 KB the server wrote to stderr (servers log there; it is never shown live). */
  get stderrTail(): string {
    return this.#stderrTail.trim();
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    if (this.#child) throw new Error('ChildProcessTransport was already started.');
    const { command, args = [], cwd, env = {} } = this.#options;
    const childEnv: Record<string, string> = {};
    if (process.env.PATH !== undefined) childEnv.PATH = process.env.PATH;
    Object.assign(childEnv, env);
    const child = spawn(command, args, { cwd, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'], shell: false });
    this.#child = child;
    this.#closed = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.#exit ??= signal === null ? `exited (code ${code})` : `was killed by ${signal}`;
        resolve();
        this.onclose?.();
      });
    });
    // A failed spawn also ends in 'close'; pipe errors (EPIPE when the server dies mid-write) do too.
    child.on('error', (error) => {
      this.#exit ??= `could not be started (${describeError(error)})`;
    });
    child.stdin.on('error', () => {});
    child.stdout.on('error', () => {});
    child.stderr.on('error', () => {});
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      this.#stderrTail = (this.#stderrTail + text).slice(-STDERR_TAIL_CHARS);
    });
    child.stdout.on('data', (chunk: Buffer) => this.#onStdout(chunk));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const child = this.#child;
    if (!child || this.#exit !== undefined || !child.stdin.writable) {
      return Promise.reject(new Error(`the server process ${this.#exit ?? 'is not running'}`));
    }
    return new Promise((resolve) => {
      if (child.stdin.write(serializeMessage(message))) resolve();
      else child.stdin.once('drain', resolve);
    });
  }

  /** Ends stdin, then asks the process to stop, then kills it; resolves once it is gone. */
  async close(): Promise<void> {
    const child = this.#child;
    if (!child || !this.#closed) return;
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin.end();
      const escalate = async (signal: NodeJS.Signals): Promise<void> => {
        if (await settlesWithin(this.#closed!, EXIT_GRACE_MS)) return;
        child.kill(signal);
      };
      await escalate('SIGTERM');
      await escalate('SIGKILL');
    }
    await this.#closed;
    this.#readBuffer.clear();
  }

  #onStdout(chunk: Buffer): void {
    try {
      this.#readBuffer.append(chunk);
    } catch (error) {
      // A message over the buffer limit leaves the stream unreadable: end the process.
      this.#exit ??= `sent a message too large to read (${describeError(error)})`;
      this.#child?.kill('SIGKILL');
      return;
    }
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.#readBuffer.readMessage();
      } catch (error) {
        // A line that is not JSON-RPC (a stray console.log) is reported and skipped.
        this.onerror?.(error instanceof Error ? error : new Error(describeError(error)));
        continue;
      }
      if (message === null) return;
      this.onmessage?.(message);
    }
  }
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
