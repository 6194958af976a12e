import { describe, expect, it } from 'vitest';
import { classifyAddress, classifyHostname, describeAddressClass, parseHostLiteral, type AddressClass } from '../../src/net/address-policy.ts';

describe('parseHostLiteral', () => {
  const loopbackSpellings = [
    '127.0.0.1',
    '2130706433',
    '017700000001',
    '0x7f000001',
    '0177.0.0.1',
    '0177.0000.0000.0001',
    '0x7f.0.0.1',
    '0x7f.0x0.0x0.0x1',
    '0x7f.1',
    '127.1',
    '127.0.1',
    '127.0.0.1.',
    '0x7F.1',
  ];
  it.each(loopbackSpellings)('reads %s as 127.0.0.1', (spelling) => {
    expect(parseHostLiteral(spelling)).toEqual('127.0.0.1');
  });

  it.each([
    ['0', '0.0.0.0'],
    ['0x', '0.0.0.0'],
    ['10.1', '10.0.0.1'],
    ['192.168.257', '192.168.1.1'],
    ['3232235777', '192.168.1.1'],
    ['0xa9fea9fe', '169.254.169.254'],
    ['0251.0376.0251.0376', '169.254.169.254'],
    ['169.16689662', '169.254.169.254'],
    ['4294967295', '255.255.255.255'],
  ])('reads %s as %s', (spelling, expected) => {
    expect(parseHostLiteral(spelling)).toEqual(expected);
  });

  it('agrees with WHATWG URL on every IPv4 spelling it accepts', () => {
    const spellings = [...loopbackSpellings, '0', '10.1', '192.168.257', '0xa9fea9fe', '0251.0376.0251.0376', '169.16689662', '4294967295'];
    expect(spellings.map((spelling) => new URL(`http://${spelling}/`).hostname)).toEqual(spellings.map(parseHostLiteral));
  });

  it.each([
    ['[::1]', '::1'],
    ['::1', '::1'],
    ['[0:0:0:0:0:0:0:1]', '::1'],
    ['[::ffff:127.0.0.1]', '::ffff:7f00:1'],
    ['[0:0:0:0:0:ffff:7f00:1]', '::ffff:7f00:1'],
    ['[::127.0.0.1]', '::7f00:1'],
    ['[::]', '::'],
    ['[FD00:EC2::254]', 'fd00:ec2::254'],
    ['fe80::1%eth0', 'fe80::1'],
    ['[64:ff9b::10.0.0.1]', '64:ff9b::a00:1'],
  ])('normalises IPv6 %s to %s', (spelling, expected) => {
    expect(parseHostLiteral(spelling)).toEqual(expected);
  });

  it('normalises IPv6 the way WHATWG URL serialises it', () => {
    const spellings = ['[0:0:0:0:0:0:0:1]', '[::ffff:127.0.0.1]', '[::127.0.0.1]', '[FD00:EC2:0::254]', '[2001:db8:0:0:1:0:0:1]'];
    expect(spellings.map((spelling) => new URL(`http://${spelling}/`).hostname.slice(1, -1))).toEqual(spellings.map(parseHostLiteral));
  });

  it.each([
    'example.com',
    'localhost',
    '',
    '1.2.3.4.5',
    '256.1.1.1',
    '1.2.3.256',
    '1.2.65536',
    '08.1.1.1',
    '0x100000000',
    '4294967296',
    '1..1',
    '0x7g.1',
    '[::1',
    '[gg::1]',
    '::ffff:0x7f.0.0.1',
    '::ffff:256.0.0.1',
    '127.0.0.1:80',
  ])('says %j is not an IP literal', (spelling) => {
    expect(parseHostLiteral(spelling)).toBeUndefined();
  });
});

describe('classifyAddress', () => {
  const table: [string, AddressClass][] = [
    // Loopback in every encoding, and carried inside IPv6.
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['2130706433', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['127.1', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['2002:7f00:1::', 'loopback'],
    // Private networks.
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['0xc0a80101', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a00:1', 'private'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b:1::5', 'private'],
    ['2002:c0a8:101::1', 'private'],
    ['fec0::1', 'private'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['100.64.0.1', 'carrier-grade-nat'],
    // Link-local and cloud metadata.
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['0xa9fea9fe', 'metadata'],
    ['2852039166', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['2002:a9fe:a9fe::', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['192.0.0.192', 'metadata'],
    // Teredo: the client's IPv4 address is stored inverted in the last 32 bits.
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'private'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'],
    ['2001:0:808:808:8000:63bf:f7f7:f7f7', 'public'],
    // Unspecified, multicast, broadcast, reserved.
    ['0.0.0.0', 'unspecified'],
    ['0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
    // Public.
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['93.184.215.14', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['2002:808:808::1', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
  ];
  it.each(table)('classifies %s as %s', (address, expected) => {
    expect(classifyAddress(address)).toEqual(expected);
  });

  it('throws on something that is not an address', () => {
    expect(() => classifyAddress('example.com')).toThrow('Not an IP address: "example.com"');
  });

  it('has words for every class', () => {
    expect(describeAddressClass('metadata')).toEqual('a cloud metadata address');
    expect(describeAddressClass('private')).toEqual('a private address');
  });
});

describe('classifyHostname', () => {
  it.each([
    ['localhost', 'loopback'],
    ['LOCALHOST.', 'loopback'],
    ['api.localhost', 'loopback'],
    ['metadata.google.internal', 'metadata'],
    ['Metadata.Google.Internal.', 'metadata'],
    ['metadata', 'metadata'],
    ['instance-data.ec2.internal', 'metadata'],
    ['example.com', undefined],
    ['localhost.example.com', undefined],
    ['notlocalhost', undefined],
  ])('classifies %s by name as %s', (hostname, expected) => {
    expect(classifyHostname(hostname)).toEqual(expected);
  });
});
