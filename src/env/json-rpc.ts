import { EnvironmentError } from '../agent/errors.ts';

/** A JSON-RPC 2.0 request. The protocol uses no notifications, so every request has an id. */
export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: number;
  method: string;
  params?: Record<string, unknown>;
}

/**
 * Carries requests to a server and brings back the response with the same id. A transport knows
 * nothing of methods or results: it hands back the parsed JSON message, and the client checks it.
 */
export interface JsonRpcTransport {
  /** The server as messages should name it: `` `python3 server.py` `` or a URL. */
  readonly label: string;
  /**
   * Resolves with the response to `request` (any JSON value with its id, unchecked). Rejects with
   * an `EnvironmentError` when the server cannot answer (it exited, it is unreachable), and once
   * `signal` aborts, with any error: the client has already given up on the request.
   */
  send(request: JsonRpcRequest, signal: AbortSignal): Promise<unknown>;
  /** Releases the connection or process. Safe to call twice. */
  close(): Promise<void>;
}

/** Sends requests with fresh ids, gives up on them after a timeout and unwraps the responses. */
export class JsonRpcClient {
  readonly transport: JsonRpcTransport;
  /** How long a request may go unanswered, unless a call says otherwise. */
  readonly timeoutMs: number;
  #nextId = 1;

  constructor({ transport, timeoutMs }: { transport: JsonRpcTransport; timeoutMs: number }) {
    this.transport = transport;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Calls `method` and resolves with its `result`. A JSON-RPC error response rejects with an
   * `EnvironmentError` carrying the server's code and message (in `context.code`); no answer
   * within the timeout rejects with one that names the method.
   */
  async call(method: string, params?: Record<string, unknown>, options: { timeoutMs?: number } = {}): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const request: JsonRpcRequest = { jsonrpc: '2.0', id: this.#nextId++, method, ...(params ? { params } : {}) };
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new EnvironmentError(
            `The environment server ${this.transport.label} did not answer "${method}" within ${timeoutMs} ms. ` +
              'It may be stuck, or slow to start: raise timeoutMs if it needs longer.',
            { context: { method, timeoutMs } },
          ),
        );
        controller.abort();
      }, timeoutMs);
    });
    const sent = this.transport.send(request, controller.signal);
    // After a timeout the transport's own rejection (its abort) has nobody left to hear it.
    sent.catch(() => {});
    let response: unknown;
    try {
      response = await Promise.race([sent, timedOut]);
    } finally {
      clearTimeout(timer);
    }
    return unwrapResponse({ response, method, server: this.transport.label });
  }
}

/** Returns a response's result, or throws its error as an `EnvironmentError`. */
function unwrapResponse({ response, method, server }: { response: unknown; method: string; server: string }): unknown {
  if (!isRecord(response) || response.jsonrpc !== '2.0') {
    throw new EnvironmentError(
      `The environment server ${server} answered "${method}" with something that is not a JSON-RPC 2.0 response: ` +
        `${preview(response)}.`,
      { context: { method } },
    );
  }
  if ('error' in response) {
    const error = response.error;
    if (!isRecord(error) || typeof error.code !== 'number' || typeof error.message !== 'string') {
      throw new EnvironmentError(
        `The environment server ${server} answered "${method}" with a malformed error object: ${preview(error)}.`,
        { context: { method } },
      );
    }
    return throwServerError({ method, code: error.code, message: error.message, data: error.data });
  }
  if (!('result' in response)) {
    throw new EnvironmentError(
      `The environment server ${server} answered "${method}" with neither "result" nor "error": ${preview(response)}.`,
      { context: { method } },
    );
  }
  return response.result;
}

/** Throws the `EnvironmentError` for a JSON-RPC error the server sent. */
export function throwServerError({
  method,
  code,
  message,
  data,
}: {
  method: string;
  code: number;
  message: string;
  data?: unknown;
}): never {
  throw new EnvironmentError(`The environment refused "${method}": ${message} (JSON-RPC error ${code}).`, {
    context: { method, code, serverMessage: message, ...(data === undefined ? {} : { data }) },
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short rendering of a value for an error message. */
export function preview(value: unknown, maxChars = 200): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}
