import ipaddr from 'ipaddr.js';

/**
 * What kind of network an address belongs to. Only `public` is reachable by default; every
 * other class is refused unless the user allows the host on purpose.
 */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'carrier-grade-nat'
  | 'unique-local';

/**
 * Cloud instance metadata endpoints. Most also fall in a refused range (link-local, shared or
 * reserved space); naming them gives a clearer refusal and keeps them refused if a range moves.
 */
const METADATA_ADDRESSES: ReadonlySet<string> = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OpenStack, DigitalOcean, Hetzner, Oracle.
  '169.254.170.2', // AWS ECS task metadata and credentials.
  '169.254.170.23', // AWS EKS Pod Identity agent.
  '169.254.0.23', // Tencent Cloud.
  '100.100.100.200', // Alibaba Cloud.
  '192.0.0.192', // Oracle Cloud (classic).
  'fd00:ec2::254', // AWS IMDS over IPv6.
  'fd00:ec2::23', // AWS EKS Pod Identity agent over IPv6.
]);

/** Names that reach a metadata service without a DNS query that would reveal it. */
const METADATA_HOSTNAMES: ReadonlySet<string> = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
]);

/**
 * Normalises an IP literal written in any form that WHATWG URL or `inet_aton` accept, or returns
 * `undefined` for anything that is not an IP literal (a hostname).
 *
 * IPv4: one to four parts, each decimal, octal (leading `0`) or hex (`0x`), the last part filling
 * the remaining bytes (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`), one trailing dot allowed.
 * IPv6: bare or bracketed, any spelling, zone identifiers dropped. The result is a dotted quad or
 * the RFC 5952 text of the IPv6 address (IPv4-mapped forms stay IPv6: `::ffff:7f00:1`).
 */
export function parseHostLiteral(hostname: string): string | undefined {
  const host = hostname.trim().toLowerCase();
  const bracketed = host.startsWith('[') && host.endsWith(']');
  if (bracketed || host.includes(':')) {
    return parseIpv6((bracketed ? host.slice(1, -1) : host).replace(/%.*$/, ''));
  }
  const octets = parseInetAton(host.endsWith('.') ? host.slice(0, -1) : host);
  return octets && octets.join('.');
}

/**
 * ipaddr.js reads `::1.2.3.4` as `::ffff:1.2.3.4` and accepts hex in the dotted tail, so the
 * dotted-decimal tail is turned into two hex groups here, as WHATWG URL and RFC 4291 read it.
 */
function parseIpv6(text: string): string | undefined {
  let hex = text;
  const tail = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(2).map(Number) as [number, number, number, number];
    if ([a, b, c, d].some((octet) => octet > 255)) return undefined;
    hex = `${tail[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  if (hex.includes('.') || !ipaddr.IPv6.isValid(hex)) return undefined;
  return ipaddr.IPv6.parse(hex).toRFC5952String();
}

/** The `inet_aton` grammar, which WHATWG URL's IPv4 parser follows. */
function parseInetAton(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length > 4) return undefined;
  const numbers: number[] = [];
  for (const part of parts) {
    const value = parseIpv4Number(part);
    if (value === undefined) return undefined;
    numbers.push(value);
  }
  const last = numbers.pop() as number;
  if (numbers.some((value) => value > 255)) return undefined;
  const lastBytes = 4 - numbers.length;
  if (last >= 256 ** lastBytes) return undefined;
  const octets = [...numbers];
  for (let shift = lastBytes - 1; shift >= 0; shift--) octets.push(Math.floor(last / 256 ** shift) % 256);
  return octets;
}

function parseIpv4Number(part: string): number | undefined {
  let digits = part;
  let radix = 10;
  if (/^0x/.test(part)) {
    digits = part.slice(2);
    radix = 16;
  } else if (part.length > 1 && part.startsWith('0')) {
    digits = part.slice(1);
    radix = 8;
  }
  // WHATWG accepts a bare "0x" as zero.
  if (digits === '' && radix === 16) return 0;
  const pattern = radix === 16 ? /^[0-9a-f]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!pattern.test(digits)) return undefined;
  const value = parseInt(digits, radix);
  return value <= 0xffffffff ? value : undefined;
}

/**
 * Classifies a hostname by name alone, before any DNS query: `localhost` (and `*.localhost`) is
 * loopback, and well-known metadata names are metadata. `undefined` means "resolve it and look".
 */
export function classifyHostname(hostname: string): AddressClass | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  if (METADATA_HOSTNAMES.has(host)) return 'metadata';
  return undefined;
}

/**
 * Classifies an IP address (any form `parseHostLiteral` accepts). IPv6 addresses that carry an
 * IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) are classified by the IPv4 address they
 * carry, so `::ffff:127.0.0.1` is as much loopback as `127.0.0.1`. Throws on a non-address.
 */
export function classifyAddress(ip: string): AddressClass {
  const literal = parseHostLiteral(ip);
  if (literal === undefined) throw new TypeError(`Not an IP address: ${JSON.stringify(ip)}`);
  const address = ipaddr.parse(literal);
  return address.kind() === 'ipv4' ? classifyIpv4(address as ipaddr.IPv4) : classifyIpv6(address as ipaddr.IPv6);
}

function classifyIpv4(address: ipaddr.IPv4): AddressClass {
  if (METADATA_ADDRESSES.has(address.toString())) return 'metadata';
  switch (address.range()) {
    case 'unicast':
    case 'as112':
    case 'amt':
      return 'public';
    case 'unspecified':
      return 'unspecified';
    case 'broadcast':
      return 'broadcast';
    case 'multicast':
      return 'multicast';
    case 'linkLocal':
      return 'link-local';
    case 'loopback':
      return 'loopback';
    case 'carrierGradeNat':
      return 'carrier-grade-nat';
    case 'private':
      return 'private';
    default:
      return 'reserved';
  }
}

function classifyIpv6(address: ipaddr.IPv6): AddressClass {
  if (METADATA_ADDRESSES.has(address.toRFC5952String())) return 'metadata';
  const embedded = embeddedIpv4(address);
  if (embedded === 'local-use-nat64') return 'private';
  if (embedded) {
    const classes = embedded.map(classifyIpv4);
    return classes.find((kind) => kind !== 'public') ?? 'public';
  }
  // ipaddr's range names are strings; those it adds later fall to `reserved` below.
  const range: string = address.range();
  switch (range) {
    case 'unspecified':
      return 'unspecified';
    case 'loopback':
      return 'loopback';
    case 'linkLocal':
      return 'link-local';
    case 'multicast':
      return 'multicast';
    case 'uniqueLocal':
      return 'unique-local';
    case 'deprecatedSiteLocal':
      return 'private';
    case 'amt':
    case 'as112v6':
      return 'public';
    case 'unicast':
      // Only 2000::/3 is allocated for global unicast; the rest of the space is unassigned.
      return address.parts[0]! >> 13 === 1 ? 'public' : 'reserved';
    default:
      return 'reserved';
  }
}

/**
 * The IPv4 addresses an IPv6 address carries, if it is one of the translation or tunnelling
 * forms; Teredo carries two (server and obfuscated client) and both must be public.
 */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4[] | 'local-use-nat64' | undefined {
  const p = address.parts as [number, number, number, number, number, number, number, number];
  const v4 = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  const zeros = (from: number, to: number) => p.slice(from, to).every((part) => part === 0);
  // ::a.b.c.d (IPv4-compatible, deprecated), except :: and ::1 themselves.
  if (zeros(0, 6) && (p[6] !== 0 || p[7] > 1)) return [v4(p[6], p[7])];
  // ::ffff:a.b.c.d (IPv4-mapped) and ::ffff:0:a.b.c.d (RFC 6145 translated).
  if (zeros(0, 5) && p[5] === 0xffff) return [v4(p[6], p[7])];
  if (zeros(0, 4) && p[4] === 0xffff && p[5] === 0) return [v4(p[6], p[7])];
  // 64:ff9b::/96 is the well-known NAT64 prefix; 64:ff9b:1::/48 is for local networks, where
  // the IPv4 address may sit anywhere, so it is treated as private.
  if (p[0] === 0x64 && p[1] === 0xff9b) {
    if (zeros(2, 6)) return [v4(p[6], p[7])];
    if (p[2] === 1) return 'local-use-nat64';
  }
  // 2002:AABB:CCDD::/48 is 6to4 for the IPv4 address AA.BB.CC.DD.
  if (p[0] === 0x2002) return [v4(p[1], p[2])];
  // 2001:0::/32 is Teredo: server IPv4 in bits 32-63, client IPv4 inverted in the last 32 bits.
  if (p[0] === 0x2001 && p[1] === 0) return [v4(p[2], p[3]), v4(p[6] ^ 0xffff, p[7] ^ 0xffff)];
  return undefined;
}

/** Words for a refusal message: "10.0.0.5 is a private address". */
export function describeAddressClass(kind: AddressClass): string {
  switch (kind) {
    case 'public':
      return 'a public address';
    case 'loopback':
      return 'a loopback address (this machine)';
    case 'private':
      return 'a private address';
    case 'link-local':
      return 'a link-local address';
    case 'metadata':
      return 'a cloud metadata address';
    case 'unspecified':
      return 'an unspecified address (it means this machine)';
    case 'multicast':
      return 'a multicast address';
    case 'broadcast':
      return 'a broadcast address';
    case 'reserved':
      return 'a reserved address';
    case 'carrier-grade-nat':
      return 'a carrier-grade NAT (shared) address';
    case 'unique-local':
      return 'a unique-local (private IPv6) address';
  }
}
