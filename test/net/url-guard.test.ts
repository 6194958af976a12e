import { lookup as systemLookup } from 'node:dns/promises';
import { describe, expect, it, vi } from 'vitest';
import { GantryError } from '../../src/agent/errors.ts';
import { assertUrlAllowed } from '../../src/net/url-guard.ts';
import { DEFAULT_WEB_POLICY, type WebPolicy } from '../../src/net/web-policy.ts';
import { fakeDns, refuseLookup, webAccessError as refusal } from './net-harness.ts';

// No real DNS query may leave the machine: the system resolver answers only what a test scripts.
vi.mock('node:dns/promises', () => ({
  lookup: vi.fn(async (hostname: string) => {
    throw Object.assign(new Error(`test tried a real DNS lookup of ${hostname}`), { code: 'ETESTDNS' });
  }),
}));

describe('assertUrlAllowed', () => {
  it.each(['file:///etc/passwd', 'ftp://ftp.example.com/file', 'data:text/plain,hello', 'javascript:alert(1)', 'gopher://example.com/', 'ws://example.com/'])(
    'refuses the %s scheme',
    async (url) => {
      const error = await refusal(assertUrlAllowed(url, DEFAULT_WEB_POLICY));
      expect(error.reason).toEqual('scheme');
      expect(error.url).toEqual(url);
      expect(error.message).toContain('only http and https URLs can be fetched');
    },
  );

  it('refuses a string that is not a URL', async () => {
    const error = await refusal(assertUrlAllowed('not a url', DEFAULT_WEB_POLICY));
    expect(error.message).toEqual('Refused "not a url": it is not a valid absolute URL.');
  });

  it.each([
    ['http://127.0.0.1/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://127.1:8080/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::127.0.0.1]/', 'loopback'],
    ['http://10.0.0.5/', 'private'],
    ['http://192.168.0.1/', 'private'],
    ['http://[::ffff:192.168.0.1]/', 'private'],
    ['http://[64:ff9b::10.1.2.3]/', 'private'],
    ['http://[2002:c0a8:1::]/', 'private'],
    ['http://[fd12::1]/', 'unique-local'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata'],
    ['http://0xa9fea9fe/', 'metadata'],
    ['http://[::ffff:169.254.169.254]/', 'metadata'],
    ['http://[fd00:ec2::254]/', 'metadata'],
    ['http://100.100.100.200/', 'metadata'],
    ['http://169.254.1.1/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://0/', 'unspecified'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://100.64.1.1/', 'carrier-grade-nat'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://255.255.255.255/', 'broadcast'],
    ['https://240.0.0.1/', 'reserved'],
  ])('refuses %s (%s) by default, without a DNS lookup', async (url, addressClass) => {
    const error = await refusal(assertUrlAllowed(url, { allow: [], lookup: refuseLookup }));
    expect(error.reason).toEqual('address');
    expect(error.context.addressClass).toEqual(addressClass);
  });

  it('says what was refused, why and how to allow it', async () => {
    await expect(assertUrlAllowed('http://10.0.0.5/', DEFAULT_WEB_POLICY)).rejects.toThrowErrorMatchingInlineSnapshot(
      `[WebAccessError: Refused http://10.0.0.5/: 10.0.0.5 is a private address. Gantry does not reach private networks unless allowed: set GANTRY_WEB_ALLOW=10.0.0.5:80 to allow it.]`,
    );
    await expect(assertUrlAllowed('https://[::1]:8443/x', DEFAULT_WEB_POLICY)).rejects.toThrowErrorMatchingInlineSnapshot(
      `[WebAccessError: Refused https://[::1]:8443/x: ::1 is a loopback address (this machine). Gantry does not reach private networks unless allowed: set GANTRY_WEB_ALLOW=[::1]:8443 to allow it.]`,
    );
    await expect(assertUrlAllowed('http://169.254.169.254/latest/', DEFAULT_WEB_POLICY)).rejects.toThrowErrorMatchingInlineSnapshot(
      `[WebAccessError: Refused http://169.254.169.254/latest/: 169.254.169.254 is a cloud metadata address. Gantry does not reach cloud metadata services unless allowed: set GANTRY_WEB_ALLOW=169.254.169.254:80 to allow it.]`,
    );
  });

  it('is a GantryError with the url and reason', async () => {
    const error = await refusal(assertUrlAllowed('http://10.0.0.5/', DEFAULT_WEB_POLICY));
    expect(error).toBeInstanceOf(GantryError);
    expect(error.name).toEqual('WebAccessError');
    expect(error.url).toEqual('http://10.0.0.5/');
    expect(error.context).toMatchObject({ url: 'http://10.0.0.5/', reason: 'address', address: '10.0.0.5', addressClass: 'private' });
  });

  it('refuses a hostname that resolves to a private address', async () => {
    const lookup = fakeDns({ 'intranet.example': ['10.0.0.5'] });
    await expect(assertUrlAllowed('https://intranet.example/wiki', { allow: [], lookup })).rejects.toThrowErrorMatchingInlineSnapshot(
      `[WebAccessError: Refused https://intranet.example/wiki: intranet.example resolves to 10.0.0.5, a private address. Gantry does not reach private networks unless allowed: set GANTRY_WEB_ALLOW=intranet.example:443 to allow it.]`,
    );
    expect(lookup.calls).toEqual(['intranet.example']);
  });

  it('refuses a hostname when any one of its addresses is not public', async () => {
    const lookup = fakeDns({ 'mixed.example': ['93.184.215.14', '2606:4700::1', '::ffff:127.0.0.1'] });
    const error = await refusal(assertUrlAllowed('http://mixed.example/', { allow: [], lookup }));
    expect(error.context).toMatchObject({ address: '::ffff:7f00:1', addressClass: 'loopback' });
  });

  it('allows a hostname that resolves only to public addresses and returns every address', async () => {
    const lookup = fakeDns({ 'www.example': ['93.184.215.14', '2606:4700:0::1', '93.184.215.14'] });
    const vetted = await assertUrlAllowed('https://WWW.example/a?b=1', { allow: [], lookup });
    expect(vetted.url.href).toEqual('https://www.example/a?b=1');
    expect(vetted.addresses).toEqual(['93.184.215.14', '2606:4700::1']);
    expect(lookup.calls).toEqual(['www.example']);
  });

  it('allows a public IP literal without a lookup', async () => {
    const vetted = await assertUrlAllowed(new URL('http://8.8.8.8:8080/'), { allow: [], lookup: refuseLookup });
    expect(vetted.addresses).toEqual(['8.8.8.8']);
  });

  it('refuses localhost and metadata names without asking DNS', async () => {
    const lookup = fakeDns({});
    const local = await refusal(assertUrlAllowed('http://localhost:3000/', { allow: [], lookup }));
    expect(local.message).toEqual(
      'Refused http://localhost:3000/: localhost is a loopback address (this machine). Gantry does not reach private networks unless allowed: set GANTRY_WEB_ALLOW=localhost:3000 to allow it.',
    );
    const metadata = await refusal(assertUrlAllowed('http://metadata.google.internal/computeMetadata/v1/', { allow: [], lookup }));
    expect(metadata.context.addressClass).toEqual('metadata');
    expect(lookup.calls).toEqual([]);
  });

  it('lets an allowed hostname through on its port even when it resolves privately', async () => {
    const lookup = fakeDns({ 'intranet.local': ['10.0.0.5'], localhost: ['127.0.0.1', '::1'] });
    const policy: WebPolicy = { allow: [{ host: 'intranet.local' }, { host: 'localhost', port: 3000 }], lookup };
    expect((await assertUrlAllowed('http://intranet.local:8080/', policy)).addresses).toEqual(['10.0.0.5']);
    expect((await assertUrlAllowed('http://localhost:3000/', policy)).addresses).toEqual(['127.0.0.1', '::1']);
    expect((await refusal(assertUrlAllowed('http://localhost:3001/', policy))).reason).toEqual('address');
  });

  it('lets an allowed IP through only on the allowed port, whatever name led there', async () => {
    const lookup = fakeDns({ 'dev.example': ['127.0.0.1'] });
    const policy: WebPolicy = { allow: [{ host: '127.0.0.1', port: 8080 }], lookup };
    expect((await assertUrlAllowed('http://127.0.0.1:8080/', policy)).addresses).toEqual(['127.0.0.1']);
    expect((await assertUrlAllowed('http://0x7f.1:8080/', policy)).addresses).toEqual(['127.0.0.1']);
    expect((await assertUrlAllowed('http://dev.example:8080/', policy)).addresses).toEqual(['127.0.0.1']);
    expect((await refusal(assertUrlAllowed('http://127.0.0.1:8081/', policy))).reason).toEqual('address');
    expect((await refusal(assertUrlAllowed('http://127.0.0.1/', policy))).reason).toEqual('address');
  });

  it('reports a failed lookup as a network error', async () => {
    const error = await refusal(assertUrlAllowed('http://nowhere.invalid/', { allow: [], lookup: fakeDns({}) }));
    expect(error.reason).toEqual('network');
    expect(error.message).toEqual('Could not fetch http://nowhere.invalid/: looking up nowhere.invalid failed (ENOTFOUND).');
  });

  it('uses the system resolver when the policy has none', async () => {
    vi.mocked(systemLookup).mockResolvedValueOnce([{ address: '192.168.1.20', family: 4 }] as never);
    const error = await refusal(assertUrlAllowed('http://printer.example/', { allow: [] }));
    expect(error.context).toMatchObject({ address: '192.168.1.20', addressClass: 'private' });
    expect(vi.mocked(systemLookup)).toHaveBeenLastCalledWith('printer.example', { all: true, verbatim: true });
  });

  it('stops waiting for DNS when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = assertUrlAllowed('http://slow.example/', { allow: [], lookup: () => new Promise<string[]>(() => {}) }, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
