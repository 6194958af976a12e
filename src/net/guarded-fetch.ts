import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { Agent } from 'undici';
import { VERSION } from '../version.ts';
import { PinnedLookup } from './pinned-lookup.ts';
import { ACCEPTED_ENCODINGS, readBody } from './read-body.ts';
import { assertUrlAllowed } from './url-guard.ts';
import { WebAccessError } from './web-access-error.ts';
import type { WebPolicy } from './web-policy.ts';

export { assertUrlAllowed } from './url-guard.ts';
export { WebAccessError, type WebAccessReason } from './web-access-error.ts';

/** Sent with every request, so site owners can tell what is reading their pages. */
export const GANTRY_USER_AGENT = `Gantry/${VERSION} (+https://github.com/gantry; tool-augmented agent)`;

/** Decoded body bytes kept when the caller sets no `maxBytes`; the rest is cut, not an error. */
export const DEFAULT_WEB_MAX_BYTES = 5 * 2 ** 20;
/** The whole request (DNS, redirects, headers, body) when the caller sets no `timeoutMs`. */
export const DEFAULT_WEB_TIMEOUT_MS = 20_000;
/** Redirects followed when the caller sets no `maxRedirects`. */
export const DEFAULT_WEB_MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers undici sets itself or refuses; a caller's values would be ignored or fail the request. */
const MANAGED_HEADERS = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length', 'accept-encoding']);
/** Dropped when a redirect leaves the origin, as browsers do. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
const BODY_HEADERS = ['content-type', 'content-encoding', 'content-language', 'content-location'];

export interface GuardedFetchOptions {
  /** What may be reached; checked for the first request and again for every redirect hop. */
  policy: WebPolicy;
  /** Defaults to GET. */
  method?: string;
  /** Request headers; `host`, `connection`, `content-length` and `accept-encoding` are managed and ignored. */
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Decoded body bytes kept (default 5 MiB); a larger body is cut and flagged `truncated`, not an error. */
  maxBytes?: number;
  /** For the whole request: DNS, every redirect hop, headers and body (default 20 s; `Infinity` is about 24 days). */
  timeoutMs?: number;
  /** Redirects followed before giving up (default 5); 0 refuses any redirect. */
  maxRedirects?: number;
  /** Cancels the request; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Defaults to `GANTRY_USER_AGENT`; a `user-agent` in `headers` wins over both. */
  userAgent?: string;
}

export interface GuardedResponse {
  /** The final URL, after redirects. */
  url: string;
  status: number;
  headers: Headers;
  /** Decoded (gzip, deflate and br are undone), at most `maxBytes` long. */
  body: Buffer;
  /** True when the body was longer than `maxBytes` and was cut. */
  truncated: boolean;
  /** The URLs that answered with a redirect, in order (the requested URL first); empty if none. */
  redirects: string[];
  /** Lower-cased MIME type without parameters, `''` if the server sent none. */
  contentType: string;
}

interface HopRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

/**
 * Fetches a URL through the SSRF guard. Every hop is checked (scheme, DNS, address) before it
 * connects, and the connection goes to exactly the addresses that were checked. HTTP error
 * statuses come back as responses; refusals, timeouts and network failures throw
 * `WebAccessError`; cancelling with `signal` rejects with its reason.
 */
export async function guardedFetch(url: string | URL, options: GuardedFetchOptions): Promise<GuardedResponse> {
  const { signal: callerSignal } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_WEB_TIMEOUT_MS;
  callerSignal?.throwIfAborted();
  const deadline = new AbortController();
  // setTimeout fires at once for delays past 2^31 - 1 ms, so longer limits are capped there.
  const timer = setTimeout(() => deadline.abort(), Math.min(timeoutMs, 2 ** 31 - 1));
  const signal = callerSignal ? AbortSignal.any([callerSignal, deadline.signal]) : deadline.signal;
  const pinned = new PinnedLookup();
  // One agent per call: its connections can only reach addresses pinned during this call.
  const agent = new Agent({ connect: { lookup: pinned.lookup } });
  const href = String(url);
  const progress = { current: href };
  try {
    return await followRedirects({ url, options, signal, pinned, agent, progress });
  } catch (error) {
    if (callerSignal?.aborted) throw callerSignal.reason;
    if (deadline.signal.aborted) {
      throw new WebAccessError(`Fetching ${href} took longer than ${timeoutMs} ms and was stopped.`, { url: href, reason: 'timeout', cause: error });
    }
    if (error instanceof WebAccessError) throw error;
    const at = progress.current;
    throw new WebAccessError(`Could not fetch ${at}: ${networkMessage(error)}`, { url: at, reason: 'network', cause: error });
  } finally {
    clearTimeout(timer);
    await agent.destroy().catch(() => {});
  }
}

async function followRedirects(options: {
  url: string | URL;
  options: GuardedFetchOptions;
  signal: AbortSignal;
  pinned: PinnedLookup;
  agent: Agent;
  /** The URL being fetched right now, for the error message if it fails. */
  progress: { current: string };
}): Promise<GuardedResponse> {
  const { signal, pinned, agent, progress } = options;
  const { policy, maxBytes = DEFAULT_WEB_MAX_BYTES, maxRedirects = DEFAULT_WEB_MAX_REDIRECTS } = options.options;
  const redirects: string[] = [];
  let target: string | URL = options.url;
  let request: Omit<HopRequest, 'url'> = {
    method: (options.options.method ?? 'GET').toUpperCase(),
    headers: requestHeaders(options.options),
    body: options.options.body,
  };
  for (;;) {
    const redirectedFrom = redirects.at(-1);
    const vetted = await assertUrlAllowed(target, policy, redirectedFrom ? { signal, redirectedFrom } : { signal });
    const hop: HopRequest = { ...request, url: vetted.url };
    progress.current = hop.url.href;
    pinned.pin(hop.url.hostname, vetted.addresses);
    const response = await agent.request({
      origin: hop.url.origin,
      path: `${hop.url.pathname}${hop.url.search}`,
      method: hop.method,
      headers: hop.headers,
      body: hop.body,
      signal,
    });
    const location = headerValue(response.headers, 'location');
    if (!REDIRECT_STATUSES.has(response.statusCode) || location === undefined) {
      const read = await readBody({ body: response.body, contentEncoding: headerValue(response.headers, 'content-encoding') ?? '', maxBytes });
      const headers = toHeaders(response.headers);
      return {
        url: hop.url.href,
        status: response.statusCode,
        headers,
        body: read.body,
        truncated: read.truncated,
        redirects,
        contentType: (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase(),
      };
    }
    discard(response.body);
    redirects.push(hop.url.href);
    if (redirects.length > maxRedirects) {
      throw new WebAccessError(`Refused to follow more than ${maxRedirects} redirects, starting at ${redirects[0]}; the last pointed to ${location}.`, {
        url: hop.url.href,
        reason: 'redirect',
        context: { redirects },
      });
    }
    target = redirectTarget(hop.url, location);
    request = redirectedRequest(hop, response.statusCode, target);
  }
}

/** Closes a body nobody will read; undici reports that as an abort, which is expected here. */
function discard(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}

function requestHeaders(options: GuardedFetchOptions): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': options.userAgent ?? GANTRY_USER_AGENT };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (!MANAGED_HEADERS.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  headers['accept-encoding'] = ACCEPTED_ENCODINGS;
  return headers;
}

function redirectTarget(from: URL, location: string): URL {
  try {
    return new URL(location, from);
  } catch (error) {
    throw new WebAccessError(`Refused the redirect from ${from.href}: its Location ${JSON.stringify(location)} is not a valid URL.`, {
      url: from.href,
      reason: 'redirect',
      cause: error,
    });
  }
}

/**
 * The request for the next hop, as the Fetch standard has it: 303 turns anything but HEAD into a
 * body-less GET, 301 and 302 do so for POST; 307 and 308 repeat the request. Credentials do not
 * follow a redirect to another origin.
 */
function redirectedRequest(hop: HopRequest, status: number, target: URL): Omit<HopRequest, 'url'> {
  const headers = { ...hop.headers };
  let { method, body } = hop;
  if ((status === 303 && method !== 'GET' && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
    method = 'GET';
    body = undefined;
    for (const name of BODY_HEADERS) delete headers[name];
  }
  if (target.origin !== hop.url.origin) for (const name of CREDENTIAL_HEADERS) delete headers[name];
  return { method, headers, body };
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function toHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      try {
        headers.append(name, item);
      } catch {
        // A header value a browser would reject (bad bytes) is left out rather than failing the page.
      }
    }
  }
  return headers;
}

function networkMessage(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}
