import { isIPv6 } from 'node:net';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { normalizeHost } from './web-policy.ts';

/**
 * A DNS "resolver" that only knows the addresses the guard vetted. Sockets given its `lookup`
 * connect to exactly those addresses, so a name cannot resolve to a public address for the check
 * and to a private one for the connection (DNS rebinding): there is no second resolution.
 * Hostnames stay in the request, so the Host header and TLS SNI are unchanged.
 */
export class PinnedLookup {
  readonly #vetted = new Map<string, readonly string[]>();

  /** Records the vetted addresses of a hostname, replacing earlier ones. */
  pin(hostname: string, addresses: readonly string[]): void {
    this.#vetted.set(normalizeHost(hostname), addresses);
  }

  /** Node's `lookup` signature, for `net.connect`, `tls.connect` or undici's `connect` option. */
  readonly lookup: LookupFunction = (hostname: string, options: LookupOptions, callback) => {
    const vetted = this.#vetted.get(normalizeHost(hostname)) ?? [];
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const addresses: LookupAddress[] = vetted
      .map((address) => ({ address, family: isIPv6(address) ? 6 : 4 }))
      .filter((entry) => !family || entry.family === family);
    if (addresses.length === 0) {
      const error: NodeJS.ErrnoException = new Error(`${hostname} was not vetted by the SSRF guard; refusing to resolve it`);
      error.code = 'ENOTFOUND';
      process.nextTick(callback, error, '', undefined);
      return;
    }
    if (options.all) process.nextTick(callback, null, addresses);
    else process.nextTick(callback, null, addresses[0]!.address, addresses[0]!.family);
  };
}
