import { UserError } from '../agent/errors.ts';
import { parseHostLiteral } from './address-policy.ts';

/** One host (and optionally one port) the user allows even on a private address. */
export interface AllowRule {
  /** A lower-cased hostname or a normalised IP literal (no brackets). */
  host: string;
  /** When set, only this port of the host is allowed; otherwise every port. */
  port?: number;
}

/**
 * What the web tools (and plugins) may reach. Public addresses are always reachable; loopback,
 * private, link-local, metadata and other special addresses only through an allow rule.
 */
export interface WebPolicy {
  allow: readonly AllowRule[];
  /** Resolves a hostname to every address it has; injectable for tests. Defaults to the system resolver. */
  lookup?: (hostname: string) => Promise<string[]>;
}

/** Allows nothing private: the policy when the user configured nothing. */
export const DEFAULT_WEB_POLICY: WebPolicy = Object.freeze({ allow: Object.freeze([]) });

const ENV_NAME = 'GANTRY_WEB_ALLOW';
const EXPECTED_FORM = 'a host, host:port, IPv4, IPv4:port, IPv6 or [IPv6]:port, entries separated by commas (e.g. 127.0.0.1:8080,intranet.local,[::1]:9000)';
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * Parses an allow-list such as `127.0.0.1:8080,intranet.local,[::1]:9000`. Empty entries are
 * skipped; anything else that is not a host with an optional port throws a `UserError` naming
 * the entry and the expected form. `source` names where the text came from, for that message.
 */
export function parseAllowList(text: string | undefined, source: string = ENV_NAME): AllowRule[] {
  if (!text) return [];
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const rule = parseAllowEntry(entry);
      if (!rule) {
        throw new UserError(`${source} entry ${JSON.stringify(entry)} is not valid: expected ${EXPECTED_FORM}.`, {
          context: { source, entry },
        });
      }
      return rule;
    });
}

function parseAllowEntry(entry: string): AllowRule | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return ruleFor(`[${bracketed[1]}]`, bracketed[2], { ipOnly: true });
  // Two or more colons without brackets: a bare IPv6 address, which cannot carry a port.
  if ((entry.match(/:/g) ?? []).length > 1) return ruleFor(entry, undefined, { ipOnly: true });
  const [host = '', port] = entry.split(':');
  if (port !== undefined && !/^\d+$/.test(port)) return undefined;
  return ruleFor(host, port, { ipOnly: false });
}

function ruleFor(host: string, portText: string | undefined, options: { ipOnly: boolean }): AllowRule | undefined {
  const literal = parseHostLiteral(host);
  const name = literal ?? (options.ipOnly ? undefined : host.toLowerCase().replace(/\.$/, ''));
  if (name === undefined || (literal === undefined && !isHostname(name))) return undefined;
  if (portText === undefined) return { host: name };
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host: name, port };
}

/** A DNS name; one whose last label is a number would be parsed by URLs as an IPv4 address. */
function isHostname(name: string): boolean {
  const last = name.slice(name.lastIndexOf('.') + 1);
  return HOSTNAME.test(name) && !/^(\d+|0x[0-9a-f]*)$/.test(last);
}

/** Reads the allow-list from `GANTRY_WEB_ALLOW`; the system resolver does the lookups. */
export function webPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): WebPolicy {
  return { allow: parseAllowList(env[ENV_NAME]) };
}

/**
 * A host as rules compare it: IP literals normalised (any encoding, brackets dropped), names
 * lower-cased without a trailing dot.
 */
export function normalizeHost(host: string): string {
  return parseHostLiteral(host) ?? host.toLowerCase().replace(/\.$/, '');
}

/** The port a URL connects to: its explicit port, or the scheme's default. */
export function effectivePort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/**
 * The rule that allows connecting to `port` of any of `hosts` (the URL's hostname, or an address
 * it resolved to), if there is one. Rules built by hand are normalised the same way.
 */
export function findAllowRule(policy: WebPolicy, target: { hosts: readonly string[]; port: number }): AllowRule | undefined {
  const hosts = new Set(target.hosts.map(normalizeHost));
  return policy.allow.find((rule) => hosts.has(normalizeHost(rule.host)) && (rule.port === undefined || rule.port === target.port));
}

/** The allow-list entry that would let `host:port` through, as a user would write it. */
export function suggestAllowEntry(host: string, port: number): string {
  const normalized = normalizeHost(host);
  return normalized.includes(':') ? `[${normalized}]:${port}` : `${normalized}:${port}`;
}
