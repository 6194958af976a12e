import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { describeError } from '../../agent/errors.ts';
import { VERSION } from '../../version.ts';
import { ChildProcessTransport } from './child-process-transport.ts';
import { isStdioConfig, type McpHttpServerConfig, type McpServerConfig } from './server-config.ts';

/** Which transport a connection uses; `auto` resolves to one of the HTTP two. */
export type McpTransportKind = 'stdio' | 'streamable-http' | 'sse';

export interface OpenedClient {
  client: Client;
  transport: Transport;
  kind: McpTransportKind;
}

/**
 * Starts (stdio) or reaches (HTTP) a server and completes the MCP handshake. Throws an `Error`
 * whose message says why it failed, with the end of the server's stderr for a process.
 */
export async function openClient({ config, timeoutMs }: { config: McpServerConfig; timeoutMs: number }): Promise<OpenedClient> {
  if (isStdioConfig(config)) {
    const transport = new ChildProcessTransport({ command: config.command, args: config.args, cwd: config.cwd, env: config.env ?? {} });
    const client = newClient();
    try {
      await client.connect(transport, { timeout: timeoutMs });
    } catch (error) {
      await transport.close().catch(() => {});
      throw new Error(withStderr({ reason: startFailure({ transport, error }), stderr: transport.stderrTail }), { cause: error });
    }
    return { client, transport, kind: 'stdio' };
  }
  const mode = config.transport ?? 'auto';
  if (mode === 'sse') return connectHttp({ config, timeoutMs, kind: 'sse' });
  try {
    return await connectHttp({ config, timeoutMs, kind: 'streamable-http' });
  } catch (error) {
    if (mode === 'streamable-http' || !answeredWithClientError(error)) throw error;
  }
  try {
    return await connectHttp({ config, timeoutMs, kind: 'sse' });
  } catch (error) {
    throw new Error(`the server refused Streamable HTTP with a 4xx status, and the SSE fallback failed too: ${describeError(error)}`, { cause: error });
  }
}

async function connectHttp({ config, timeoutMs, kind }: { config: McpHttpServerConfig; timeoutMs: number; kind: 'streamable-http' | 'sse' }): Promise<OpenedClient> {
  const url = new URL(config.url);
  const requestInit: RequestInit = { headers: { ...config.headers } };
  const transport = kind === 'sse'
    ? new SSEClientTransport(url, { requestInit })
    : new StreamableHTTPClientTransport(url, { requestInit, reconnectionOptions: HTTP_RECONNECTION });
  const client = newClient();
  try {
    await client.connect(transport, { timeout: timeoutMs });
  } catch (error) {
    await client.close().catch(() => {});
    throw withStatus(error);
  }
  return { client, transport, kind };
}

/**
 * The Streamable HTTP transport reopens its event stream after a drop; a server that is gone is
 * noticed by the next call instead, so a few quick retries are enough.
 */
const HTTP_RECONNECTION = { initialReconnectionDelay: 500, maxReconnectionDelay: 5000, reconnectionDelayGrowFactor: 2, maxRetries: 2 };

function newClient(): Client {
  const client = new Client({ name: 'gantry', version: VERSION }, { capabilities: {} });
  // Protocol noise (a stray notification, a dropped event stream) is not the user's business;
  // failures that matter surface through the request that hits them.
  client.onerror = () => {};
  return client;
}

/** Puts the HTTP status, which the SDK keeps in `code`, into the message people read. */
function withStatus(error: unknown): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  const isHttpError = error instanceof StreamableHTTPError || error instanceof SseError;
  if (!isHttpError || typeof code !== 'number' || code < 100) return error;
  const wrapped = new Error(`HTTP ${code} (${describeError(error)})`, { cause: error });
  return Object.assign(wrapped, { status: code });
}

/** The spec's fallback signal: the server answered the initial POST with a 4xx status. */
function answeredWithClientError(error: unknown): boolean {
  const status = (error as { status?: unknown } | undefined)?.status;
  return error instanceof Error && error.cause instanceof StreamableHTTPError && typeof status === 'number' && status >= 400 && status < 500;
}

function startFailure({ transport, error }: { transport: ChildProcessTransport; error: unknown }): string {
  const ended = transport.exitDescription;
  if (ended?.startsWith('could not be started')) return `the process ${ended}`;
  if (ended !== undefined) return `the process ${ended} before completing the MCP handshake`;
  return `the MCP handshake failed: ${describeError(error)}`;
}

/** Appends the end of the server's stderr, which usually says what went wrong. */
export function withStderr({ reason, stderr }: { reason: string; stderr: string }): string {
  return stderr === '' ? reason : `${reason}. Its stderr ended with:\n${stderr}`;
}
