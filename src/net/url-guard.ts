import { lookup as dnsLookup } from 'node:dns/promises';
import { classifyAddress, classifyHostname, describeAddressClass, parseHostLiteral, type AddressClass } from './address-policy.ts';
import { WebAccessError } from './web-access-error.ts';
import { effectivePort, findAllowRule, suggestAllowEntry, type WebPolicy } from './web-policy.ts';
import { abortable } from '../agent/abort.ts';

const SCHEMES = new Set(['http:', 'https:']);

/**
 * Checks a URL against the policy before anything connects: the scheme must be http or https,
 * and the host (an IP literal, or every address its name resolves to) must be public or allowed
 * by a rule. Returns the parsed URL and the vetted addresses; connect only to those.
 * The browser calls this for every request it intercepts.
 */
export async function assertUrlAllowed(
  url: string | URL,
  policy: WebPolicy,
  options: {
    signal?: AbortSignal;
    /** The URL that redirected here, for the refusal message. */
    redirectedFrom?: string;
  } = {},
): Promise<{ url: URL; addresses: string[] }> {
  const target = parseUrl(url);
  const via = options.redirectedFrom ? ` (redirected from ${options.redirectedFrom})` : '';
  if (!SCHEMES.has(target.protocol)) {
    throw new WebAccessError(`Refused ${target.href}${via}: only http and https URLs can be fetched, not ${target.protocol}`, {
      url: target.href,
      reason: 'scheme',
    });
  }
  const hostname = target.hostname;
  const port = effectivePort(target);
  const literal = parseHostLiteral(hostname);
  const allowedByName = literal === undefined && findAllowRule(policy, { hosts: [hostname], port }) !== undefined;
  const refuse = (address: string, kind: AddressClass): never => {
    const resolved = literal === undefined && address !== hostname;
    const subject = resolved ? `${hostname} resolves to ${address}, ${describeAddressClass(kind)}` : `${address} is ${describeAddressClass(kind)}`;
    const scope = kind === 'metadata' ? 'cloud metadata services' : 'private networks';
    const entry = suggestAllowEntry(literal === undefined ? hostname : address, port);
    throw new WebAccessError(
      `Refused ${target.href}${via}: ${subject}. Gantry does not reach ${scope} unless allowed: set GANTRY_WEB_ALLOW=${entry} to allow it.`,
      { url: target.href, reason: 'address', context: { hostname, address, addressClass: kind } },
    );
  };

  // `localhost` and metadata names are refused without a DNS query.
  const nameClass = literal === undefined ? classifyHostname(hostname) : undefined;
  if (nameClass && !allowedByName) refuse(hostname, nameClass);

  const addresses = literal !== undefined ? [literal] : await resolve({ hostname, url: target, policy, signal: options.signal });
  for (const address of addresses) {
    const kind = classifyAddress(address);
    if (kind === 'public' || allowedByName) continue;
    if (!findAllowRule(policy, { hosts: [address], port })) refuse(address, kind);
  }
  return { url: target, addresses };
}

function parseUrl(url: string | URL): URL {
  if (url instanceof URL) return new URL(url.href);
  try {
    return new URL(url);
  } catch (error) {
    throw new WebAccessError(`Refused ${JSON.stringify(url)}: it is not a valid absolute URL.`, { url, reason: 'scheme', cause: error });
  }
}

async function resolve(options: { hostname: string; url: URL; policy: WebPolicy; signal?: AbortSignal }): Promise<string[]> {
  const { hostname, url, policy, signal } = options;
  const lookup = policy.lookup ?? systemLookup;
  let found: string[];
  try {
    found = await abortable(lookup(hostname), signal);
  } catch (error) {
    if (signal?.aborted) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new WebAccessError(`Could not fetch ${url.href}: looking up ${hostname} failed${code ? ` (${code})` : ''}.`, {
      url: url.href,
      reason: 'network',
      cause: error,
    });
  }
  const addresses = [...new Set(found.map((address) => parseHostLiteral(address)).filter((address) => address !== undefined))];
  if (addresses.length === 0) {
    throw new WebAccessError(`Could not fetch ${url.href}: ${hostname} has no usable address.`, { url: url.href, reason: 'network' });
  }
  return addresses;
}

async function systemLookup(hostname: string): Promise<string[]> {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map((entry) => entry.address);
}
