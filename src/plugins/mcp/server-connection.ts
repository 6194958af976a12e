import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { describeError } from '../../agent/errors.ts';
import { ChildProcessTransport } from './child-process-transport.ts';
import { openClient, type McpTransportKind, type OpenedClient } from './open-client.ts';
import type { McpCallResult } from './render-result.ts';
import { DEFAULT_MCP_TIMEOUT_MS, type McpServerConfig } from './server-config.ts';

/** How long `close` waits for a Streamable HTTP server to acknowledge the end of the session. */
const SESSION_END_WAIT_MS = 1000;

/** A guard against a server whose cursors never end. */
const MAX_LIST_PAGES = 1000;

/**
 * A tool as listed by the server, read leniently: the SDK's own schema rejects a whole page for
 * one malformed tool, and one broken tool must not hide the others.
 */
const ListedToolsSchema = z.looseObject({
  tools: z.array(z.unknown()).default([]),
  nextCursor: z.string().optional(),
});

const CallResultSchema = z.looseObject({
  content: z.array(z.unknown()).optional(),
  structuredContent: z.unknown().optional(),
  isError: z.boolean().optional(),
});

export interface ListedTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: unknown;
  annotations?: { title?: unknown };
}

/** A failed call, split by whether the server is still usable afterwards. */
export class CallFailure extends Error {
  /** True when the connection is gone (the process exited, the HTTP connection failed). */
  readonly connectionLost: boolean;
  /** The end of a process server's stderr when the connection was lost; empty otherwise. */
  readonly stderr: string;

  constructor(message: string, { connectionLost, stderr = '', cause }: { connectionLost: boolean; stderr?: string; cause?: unknown }) {
    super(message, { cause });
    this.name = 'CallFailure';
    this.connectionLost = connectionLost;
    this.stderr = stderr;
  }
}

/**
 * One live session with an MCP server: the client, its transport, and whether it is still up.
 * A session that lost its server stays lost; the plugin opens a new one to restart.
 */
export class ServerConnection {
  readonly kind: McpTransportKind;
  readonly #client: Client;
  readonly #transport: OpenedClient['transport'];
  readonly #timeoutMs: number;
  readonly #listTimeoutMs: number;
  #lostReason: string | undefined;
  #closed: Promise<void> | undefined;

  private constructor({ opened, timeoutMs, listTimeoutMs }: { opened: OpenedClient; timeoutMs: number; listTimeoutMs: number }) {
    this.kind = opened.kind;
    this.#client = opened.client;
    this.#transport = opened.transport;
    this.#timeoutMs = timeoutMs;
    this.#listTimeoutMs = listTimeoutMs;
    this.#client.onclose = () => {
      if (this.#closed === undefined) this.#markLost(this.#describeClose());
    };
  }

  /**
   * Opens a session. `onToolsChanged` runs when the server sends `notifications/tools/list_changed`.
   * Throws an `Error` saying why the server could not be started or reached.
   *
   * `timeoutMs` bounds each tool call. Starting, the handshake and each `tools/list` page get at
   * least the default 60 s: servers started with `npx` can take that long, and a short call
   * timeout must not make them unusable.
   */
  static async open({ config, timeoutMs, onToolsChanged }: {
    config: McpServerConfig;
    timeoutMs: number;
    onToolsChanged: () => void;
  }): Promise<ServerConnection> {
    const listTimeoutMs = Math.max(timeoutMs, DEFAULT_MCP_TIMEOUT_MS);
    const opened = await openClient({ config, timeoutMs: listTimeoutMs });
    const connection = new ServerConnection({ opened, timeoutMs, listTimeoutMs });
    opened.client.setNotificationHandler(ToolListChangedNotificationSchema, () => onToolsChanged());
    return connection;
  }

  /** Why the server can no longer be used (`the process exited (code 1)`), once it cannot. */
  get lostReason(): string | undefined {
    return this.#lostReason;
  }

  /** The end of a process server's stderr (empty for HTTP servers). */
  get stderrTail(): string {
    return this.#transport instanceof ChildProcessTransport ? this.#transport.stderrTail : '';
  }

  /** True when the server's handshake said it offers tools. */
  get offersTools(): boolean {
    return this.#client.getServerCapabilities()?.tools !== undefined;
  }

  /** Every tool the server offers, following `nextCursor` through all pages. */
  async listTools({ signal }: { signal?: AbortSignal } = {}): Promise<{ tools: unknown[]; warnings: string[] }> {
    const tools: unknown[] = [];
    const warnings: string[] = [];
    const seenCursors = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
      const params = cursor === undefined ? {} : { cursor };
      const result = await this.#request({ method: 'tools/list', params, schema: ListedToolsSchema, signal, timeoutMs: this.#listTimeoutMs });
      tools.push(...result.tools);
      cursor = result.nextCursor;
      if (cursor === undefined) return { tools, warnings };
      if (seenCursors.has(cursor)) {
        warnings.push(`the server repeated the cursor ${JSON.stringify(cursor)} in tools/list; listing stopped there`);
        return { tools, warnings };
      }
      seenCursors.add(cursor);
    }
    warnings.push(`tools/list still had more pages after ${MAX_LIST_PAGES}; the rest were not listed`);
    return { tools, warnings };
  }

  /** Calls a tool. Throws a `CallFailure` for anything but a result (an `isError` result is a result). */
  async callTool({ name, args, signal }: { name: string; args: Record<string, unknown>; signal?: AbortSignal }): Promise<McpCallResult> {
    return this.#request({ method: 'tools/call', params: { name, arguments: args }, schema: CallResultSchema, signal, timeoutMs: this.#timeoutMs });
  }

  /** Closes the session; for a process server, makes sure the process is gone. Safe twice. */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    const wasLive = this.#lostReason === undefined;
    this.#lostReason ??= 'the connection was closed';
    // The spec asks clients to end a Streamable HTTP session explicitly; a server that does not
    // answer promptly is not waited for.
    if (wasLive && this.#transport instanceof StreamableHTTPClientTransport) {
      await settleWithin({ promise: this.#transport.terminateSession(), ms: SESSION_END_WAIT_MS });
    }
    await this.#client.close().catch(() => {});
  }

  async #request<T extends z.ZodType>({ method, params, schema, signal, timeoutMs }: {
    method: 'tools/list' | 'tools/call';
    params: Record<string, unknown>;
    schema: T;
    signal: AbortSignal | undefined;
    timeoutMs: number;
  }): Promise<z.output<T>> {
    if (this.#lostReason !== undefined) throw new CallFailure(this.#lostReason, { connectionLost: true, stderr: this.stderrTail });
    try {
      // The SDK types `request` by its own result schemas; these lenient ones parse the same methods.
      return (await this.#client.request({ method, params } as never, schema as never, { signal, timeout: timeoutMs })) as z.output<T>;
    } catch (error) {
      throw this.#classify({ error, signal, timeoutMs });
    }
  }

  #classify({ error, signal, timeoutMs }: { error: unknown; signal: AbortSignal | undefined; timeoutMs: number }): CallFailure {
    if (signal?.aborted) return new CallFailure(`cancelled (${describeError(signal.reason)})`, { connectionLost: false, cause: error });
    if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
      return new CallFailure(`the server did not answer within ${timeoutMs} ms`, { connectionLost: false, cause: error });
    }
    if (error instanceof McpError && error.code !== ErrorCode.ConnectionClosed) {
      return new CallFailure(`the server answered with an error: ${error.message}`, { connectionLost: false, cause: error });
    }
    // Anything else means the transport broke: the process exited, or HTTP requests fail.
    if (this.#lostReason === undefined) this.#markLost(`the connection failed: ${describeNetworkError(error)}`);
    return new CallFailure(this.#lostReason!, { connectionLost: true, stderr: this.stderrTail, cause: error });
  }

  #markLost(reason: string): void {
    this.#lostReason ??= reason;
    // A lost HTTP session may still hold an event stream open; a lost process is already gone.
    void this.close();
  }

  #describeClose(): string {
    if (this.#transport instanceof ChildProcessTransport) return `the server process ${this.#transport.exitDescription ?? 'closed its pipes'}`;
    return 'the connection to the server closed';
  }
}

/** `fetch failed` says little; its cause (`connect ECONNREFUSED 127.0.0.1:4000`) says what happened. */
function describeNetworkError(error: unknown): string {
  const message = describeError(error);
  const cause = error instanceof Error ? error.cause : undefined;
  return cause === undefined ? message : `${message} (${describeError(cause)})`;
}

/** Waits for `promise` (ignoring its failure) or `ms` milliseconds, whichever comes first. */
async function settleWithin({ promise, ms }: { promise: Promise<unknown>; ms: number }): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([promise.catch(() => {}), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
