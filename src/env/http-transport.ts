import { EnvironmentError, describeError } from '../agent/errors.ts';
import { isRecord, preview, type JsonRpcRequest, type JsonRpcTransport } from './json-rpc.ts';

/** Where an HTTP environment server listens. */
export interface HttpServerOptions {
  /** The endpoint every request is POSTed to: `http://127.0.0.1:8765/`. */
  url: string;
  /** Extra request headers, such as `Authorization`. */
  headers?: Record<string, string>;
}

/**
 * A server spoken to over HTTP: each JSON-RPC request is one POST, and the response body is the
 * JSON-RPC response. The connection holds no state, so closing it releases nothing.
 */
export class HttpTransport implements JsonRpcTransport {
  readonly label: string;
  readonly #url: string;
  readonly #headers: Record<string, string>;

  constructor({ url, headers = {} }: HttpServerOptions) {
    this.#url = url;
    this.#headers = headers;
    this.label = `at ${url}`;
  }

  async send(request: JsonRpcRequest, signal: AbortSignal): Promise<unknown> {
    const { method } = request;
    let response: Response;
    let body: string;
    try {
      response = await fetch(this.#url, {
        method: 'POST',
        headers: { ...this.#headers, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(request),
        signal,
      });
      body = await response.text();
    } catch (error) {
      if (signal.aborted) throw error;
      throw new EnvironmentError(
        `Could not reach the environment server ${this.label} for "${method}": ${describeFetchError(error)}. ` +
          'Check that the server is running and the URL is right.',
        { cause: error, context: { method, url: this.#url } },
      );
    }
    let message: unknown;
    try {
      message = JSON.parse(body);
    } catch {
      message = undefined;
    }
    // A JSON-RPC error is the server's answer whatever the HTTP status that came with it.
    if (isRecord(message) && (response.ok || isRecord(message.error))) return message;
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    throw new EnvironmentError(
      response.ok
        ? `The environment server ${this.label} answered "${method}" with a body that is not a JSON-RPC message: "${preview(body)}".`
        : `The environment server ${this.label} answered "${method}" with ${status}: "${preview(body)}".`,
      { context: { method, url: this.#url, status: response.status } },
    );
  }

  async close(): Promise<void> {}
}

/** Names the network reason behind undici's generic "fetch failed". */
function describeFetchError(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (isRecord(cause) && typeof cause.code === 'string') return `${describeError(error)} (${cause.code})`;
  return describeError(error);
}
