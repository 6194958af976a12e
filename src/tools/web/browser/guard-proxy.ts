import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { describeError } from '../../../agent/errors.ts';

/**
 * Decides whether the proxy may connect to `target`: resolves it to the addresses to connect to,
 * or throws to refuse. Connecting to the returned addresses (not resolving the name again) is
 * what keeps a DNS answer that changes between the check and the connection from getting through.
 */
export type AuthorizeTarget = (target: URL) => Promise<string[]>;

export interface GuardProxyOptions {
  authorize: AuthorizeTarget;
  /** Told about every refused request, with what `authorize` threw. */
  onRefused(url: string, error: unknown): void;
}

/** A forward proxy on a loopback port; Chromium sends all of a context's traffic through it. */
export interface GuardProxy {
  /** The address to give Chromium, `http://127.0.0.1:PORT`. */
  readonly server: string;
  close(): Promise<void>;
}

/** The response header that tells the page loader a document was refused here, not by the site. */
export const BLOCKED_HEADER = 'x-gantry-blocked';
/** The response header that tells the page loader the proxy could not reach the site. */
export const PROXY_ERROR_HEADER = 'x-gantry-proxy-error';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/**
 * Starts the proxy that Chromium's network stack must go through. Playwright's request
 * interception never sees redirect hops (it continues them itself), nor requests it cannot tie to
 * a frame; this proxy does, because it is the only way out: each plain-HTTP request (every
 * redirect hop included) and each `CONNECT` tunnel (HTTPS, WebSockets) is authorized before the
 * proxy connects anywhere. Refused requests get a 403 carrying `BLOCKED_HEADER`; sites it cannot
 * reach, a 502 carrying `PROXY_ERROR_HEADER`.
 */
export async function startGuardProxy({ authorize, onRefused }: GuardProxyOptions): Promise<GuardProxy> {
  const tunnels = new Set<Duplex>();
  const server = http.createServer((request, response) => {
    forwardRequest({ request, response, authorize, onRefused }).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      const message = describeError(error);
      response.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', [PROXY_ERROR_HEADER]: headerSafe(message) });
      response.end(`Gantry's proxy could not reach the site: ${message}`);
    });
  });
  server.on('connect', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    tunnels.add(socket);
    socket.on('close', () => tunnels.delete(socket));
    socket.on('error', () => socket.destroy());
    openTunnel({ request, socket, head, authorize, onRefused, tunnels }).catch(() => socket.destroy());
  });
  // A plain `ws:` upgrade sent to the proxy instead of a CONNECT: WebSockets are not allowed.
  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex) => {
    onRefused(request.url ?? '', new Error(`Refused ${request.url ?? 'a WebSocket'}: the browser does not open WebSockets.`));
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    server: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of tunnels) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function forwardRequest({ request, response, authorize, onRefused }: {
  request: http.IncomingMessage;
  response: http.ServerResponse;
  authorize: AuthorizeTarget;
  onRefused: GuardProxyOptions['onRefused'];
}): Promise<void> {
  const target = parseAbsoluteUrl(request.url);
  if (!target) {
    response.writeHead(400).end('This is a forward proxy: send absolute http: URLs.');
    return;
  }
  let addresses: string[];
  try {
    addresses = await authorize(target);
  } catch (error) {
    onRefused(target.href, error);
    refuse({ response, reason: describeError(error) });
    return;
  }
  const upstream = http.request({
    host: addresses[0],
    port: Number(target.port || 80),
    method: request.method,
    path: `${target.pathname}${target.search}`,
    headers: withoutHopByHop(request.rawHeaders),
    setHost: false,
    agent: false,
  });
  upstream.on('response', (reply) => {
    response.writeHead(reply.statusCode ?? 502, reply.statusMessage, withoutHopByHop(reply.rawHeaders));
    reply.pipe(response);
  });
  const failed = new Promise<never>((_, reject) => upstream.on('error', reject));
  response.on('close', () => upstream.destroy());
  request.pipe(upstream);
  await Promise.race([failed, new Promise<void>((resolve) => response.on('close', () => resolve()))]);
}

async function openTunnel({ request, socket, head, authorize, onRefused, tunnels }: {
  request: http.IncomingMessage;
  socket: Duplex;
  head: Buffer;
  authorize: AuthorizeTarget;
  onRefused: GuardProxyOptions['onRefused'];
  tunnels: Set<Duplex>;
}): Promise<void> {
  // CONNECT names only host and port; HTTPS is the scheme that tunnels through a proxy.
  const target = parseAbsoluteUrl(`https://${request.url ?? ''}`);
  if (!target) {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    return;
  }
  let addresses: string[];
  try {
    addresses = await authorize(target);
  } catch (error) {
    onRefused(target.href, error);
    socket.end(`HTTP/1.1 403 Forbidden\r\n${BLOCKED_HEADER}: ${headerSafe(describeError(error))}\r\nConnection: close\r\n\r\n`);
    return;
  }
  const upstream = net.connect({ host: addresses[0], port: Number(target.port || 443) });
  tunnels.add(upstream);
  upstream.on('close', () => tunnels.delete(upstream));
  upstream.on('error', () => {
    upstream.destroy();
    socket.destroy();
  });
  socket.on('close', () => upstream.destroy());
  upstream.once('connect', () => {
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
}

function refuse({ response, reason }: { response: http.ServerResponse; reason: string }): void {
  response.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', [BLOCKED_HEADER]: headerSafe(reason) });
  response.end(`Blocked by Gantry's web policy: ${reason}`);
}

function parseAbsoluteUrl(value: string | undefined): URL | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

function withoutHopByHop(rawHeaders: string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] as string;
    if (!HOP_BY_HOP.has(name.toLowerCase())) kept.push(name, rawHeaders[index + 1] as string);
  }
  return kept;
}

/** Header values may not hold line breaks or characters outside Latin-1. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, ' ').slice(0, 500);
}
