import { EnvironmentError } from '../agent/errors.ts';
import type { Environment, ResetOptions, ResetResult, StepResult } from './environment.ts';
import { HttpTransport } from './http-transport.ts';
import { JsonRpcClient, type JsonRpcTransport } from './json-rpc.ts';
import { ENVIRONMENT_PROTOCOL_VERSION, JSON_RPC_ERROR_CODES, parseMethodResult, type InitializeParams } from './protocol.ts';
import { StdioTransport, type StdioServerOptions } from './stdio-transport.ts';

export { openEnvironment, parseEnvironmentSpec, type EnvironmentSpec } from './environment-spec.ts';

/** How long a request may go unanswered, unless `timeoutMs` says otherwise. */
export const DEFAULT_REMOTE_TIMEOUT_MS = 30_000;

/** How long `close` waits for the server to answer its `close` request. */
const CLOSE_REQUEST_TIMEOUT_MS = 2_000;

interface CommonOptions {
  /** How long one request may go unanswered before it fails (default 30 s). */
  timeoutMs?: number;
  /** The environment's name; the one the server gives in `initialize` by default. */
  name?: string;
}

/** How to start an environment server as a child process that speaks JSON-RPC on stdin and stdout. */
export interface SpawnOptions extends StdioServerOptions, CommonOptions {}

/** Where to reach an environment server over HTTP. */
export interface ConnectOptions extends CommonOptions {
  /** The endpoint every request is POSTed to. */
  url: string;
  /** Extra request headers, such as `Authorization`. */
  headers?: Record<string, string>;
}

/**
 * An environment that lives in another process, spoken to with the environment protocol
 * (docs/environment-protocol.md): JSON-RPC 2.0 over a child's stdio or over HTTP. Every failure
 * of the server, from a refused step to a crash, reaches the caller as an `EnvironmentError`.
 */
export class RemoteEnvironment implements Environment {
  readonly name: string;
  /** What the server said in `initialize`: the task families it offers, if it said. */
  readonly taskTypes: string[] | undefined;
  readonly #client: JsonRpcClient;
  #closing: Promise<void> | undefined;

  private constructor({ client, name, taskTypes }: { client: JsonRpcClient; name: string; taskTypes?: string[] }) {
    this.#client = client;
    this.name = name;
    this.taskTypes = taskTypes;
  }

  /**
   * Starts `command` and initializes it. Only `env` and `PATH` reach the child. Throws a
   * `UserError` when the command cannot be started, an `EnvironmentError` when it does not
   * answer `initialize` properly.
   */
  static async spawn({ timeoutMs, name, ...server }: SpawnOptions): Promise<RemoteEnvironment> {
    const transport = await StdioTransport.start(server);
    return RemoteEnvironment.#initialize({ transport, timeoutMs, name });
  }

  /** Connects to an HTTP server and initializes it. */
  static async connect({ url, headers, timeoutMs, name }: ConnectOptions): Promise<RemoteEnvironment> {
    return RemoteEnvironment.#initialize({ transport: new HttpTransport({ url, headers }), timeoutMs, name });
  }

  static async #initialize({
    transport,
    timeoutMs = DEFAULT_REMOTE_TIMEOUT_MS,
    name,
  }: {
    transport: JsonRpcTransport;
    timeoutMs?: number;
    name?: string;
  }): Promise<RemoteEnvironment> {
    const client = new JsonRpcClient({ transport, timeoutMs });
    try {
      const params: InitializeParams = { protocolVersion: ENVIRONMENT_PROTOCOL_VERSION, client: 'gantry' };
      let result: unknown;
      try {
        result = await client.call('initialize', { ...params });
      } catch (error) {
        // The handshake is optional: a server without it speaks version 1 and has no name to give.
        if (error instanceof EnvironmentError && error.context.code === JSON_RPC_ERROR_CODES.methodNotFound) {
          return new RemoteEnvironment({ client, name: name ?? 'remote' });
        }
        throw error;
      }
      const info = parseMethodResult({ method: 'initialize', result, server: transport.label });
      if (info.protocolVersion !== ENVIRONMENT_PROTOCOL_VERSION) {
        throw new EnvironmentError(
          `The environment server ${transport.label} speaks protocol version ${info.protocolVersion}, ` +
            `but this Gantry speaks version ${ENVIRONMENT_PROTOCOL_VERSION}. Upgrade whichever is older.`,
          { context: { serverVersion: info.protocolVersion } },
        );
      }
      return new RemoteEnvironment({ client, name: name ?? info.name, taskTypes: info.taskTypes });
    } catch (error) {
      await transport.close();
      throw error;
    }
  }

  /** The server's process id, for a spawned server. */
  get pid(): number | undefined {
    const transport = this.#client.transport;
    return transport instanceof StdioTransport ? transport.pid : undefined;
  }

  async reset(options: ResetOptions = {}): Promise<ResetResult> {
    const params: Record<string, unknown> = {};
    if (options.taskId !== undefined) params.taskId = options.taskId;
    if (options.seed !== undefined) params.seed = options.seed;
    const result = await this.#call('reset', params);
    return parseMethodResult({ method: 'reset', result, server: this.#client.transport.label });
  }

  async step(action: string): Promise<StepResult> {
    const result = await this.#call('step', { action });
    return parseMethodResult({ method: 'step', result, server: this.#client.transport.label });
  }

  /**
   * Asks the server to `close`, then releases the transport: a spawned server gets its stdin
   * closed and is killed if it has not exited shortly after. Failures of a server that is
   * already gone are not errors here.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    try {
      await this.#client.call('close', {}, { timeoutMs: Math.min(CLOSE_REQUEST_TIMEOUT_MS, this.#client.timeoutMs) });
    } catch {
      // A server that crashed, hangs or has no `close` is shut down by the transport below.
    }
    await this.#client.transport.close();
  }

  async #call(method: string, params: Record<string, unknown>): Promise<unknown> {
    if (this.#closing !== undefined) {
      throw new EnvironmentError(`Cannot call "${method}": the environment "${this.name}" is closed.`, {
        context: { method },
      });
    }
    return this.#client.call(method, params);
  }
}
