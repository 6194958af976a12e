import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';
import { WebAccessError } from '../../src/net/web-access-error.ts';
import type { WebPolicy } from '../../src/net/web-policy.ts';

/** A `node:http` server on 127.0.0.1 that records the requests it received. */
export interface LoopbackServer {
  port: number;
  origin: string;
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

export async function startLoopbackServer(
  handler: (request: http.IncomingMessage, response: http.ServerResponse, body: string) => void,
  host: '127.0.0.1' | '::1' = '127.0.0.1',
): Promise<LoopbackServer> {
  const requests: LoopbackServer['requests'] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      handler(request, response, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    origin: host === '::1' ? `http://[::1]:${port}` : `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A tripwire for the whole test file: any socket that would connect anywhere but loopback, or to
 * a hostname without the guard's pinned `lookup` (which would send a real DNS query), is stopped
 * before it connects and recorded. Tests assert the record stays empty.
 */
export function installLoopbackTripwire(): { violations: string[]; uninstall(): void } {
  const violations: string[] = [];
  const original = net.Socket.prototype.connect;
  const loopback = new Set(['127.0.0.1', '::1']);
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const options = (typeof first === 'object' && first !== null ? first : {}) as { host?: string; lookup?: unknown; path?: string };
    const host = options.host ?? 'localhost';
    const pinnedName = net.isIP(host) === 0 && typeof options.lookup === 'function';
    if (options.path === undefined && !loopback.has(host) && !pinnedName) {
      violations.push(host);
      throw new Error(`Test tried to connect to ${host}; only loopback is allowed`);
    }
    if (pinnedName) options.lookup = loopbackOnlyLookup(options.lookup as net.LookupFunction, violations);
    return (original as (...rest: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
  return {
    violations,
    uninstall: () => {
      net.Socket.prototype.connect = original;
    },
  };
}

/** Lets a pinned lookup answer only with loopback addresses. */
function loopbackOnlyLookup(lookup: net.LookupFunction, violations: string[]): net.LookupFunction {
  return (hostname, options, callback) =>
    lookup(hostname, options, (error, address, family) => {
      const addresses = Array.isArray(address) ? address.map((entry) => entry.address) : [address];
      const outside = addresses.filter((entry) => entry !== '127.0.0.1' && entry !== '::1');
      if (!error && outside.length > 0) {
        violations.push(...outside);
        callback(new Error(`Test tried to connect to ${outside.join(', ')}; only loopback is allowed`), '', undefined);
        return;
      }
      callback(error, address, family);
    });
}

/** A resolver for policies whose hosts are all IP literals: any lookup is a bug. */
export async function refuseLookup(hostname: string): Promise<string[]> {
  throw new Error(`unexpected lookup of ${hostname}`);
}

/** Resolves from a table, recording each question; names outside it fail like an unknown domain. */
export function fakeDns(table: Record<string, string[]>): NonNullable<WebPolicy['lookup']> & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    calls.push(hostname);
    const found = table[hostname];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return found;
  };
  return Object.assign(lookup, { calls });
}

/** The `WebAccessError` a promise rejects with; fails the test if it resolves or throws anything else. */
export async function webAccessError(promise: Promise<unknown>): Promise<WebAccessError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(WebAccessError);
  return error as WebAccessError;
}

/**
 * Installs the tripwire for every test of the calling file and fails the file if anything
 * connected beyond loopback.
 */
export function useLoopbackTripwire(): { readonly violations: string[] } {
  let tripwire: ReturnType<typeof installLoopbackTripwire>;
  beforeAll(() => {
    tripwire = installLoopbackTripwire();
  });
  afterAll(() => {
    tripwire.uninstall();
    expect(tripwire.violations).toEqual([]);
  });
  return {
    get violations() {
      return tripwire.violations;
    },
  };
}
