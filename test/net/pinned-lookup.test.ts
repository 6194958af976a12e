import type { LookupAddress, LookupOptions } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { PinnedLookup } from '../../src/net/pinned-lookup.ts';

function ask(pinned: PinnedLookup, hostname: string, options: LookupOptions): Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }> {
  return new Promise((resolve) => pinned.lookup(hostname, options, (error, address, family) => resolve({ error, address, family })));
}

describe('PinnedLookup', () => {
  const pinned = new PinnedLookup();
  pinned.pin('Intranet.Test', ['127.0.0.1', '::1']);

  it('answers with every vetted address when asked for all (as happy eyeballs does)', async () => {
    expect(await ask(pinned, 'intranet.test', { all: true })).toEqual({
      error: null,
      address: [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ],
    });
  });

  it('answers with one address of the asked family otherwise', async () => {
    expect(await ask(pinned, 'INTRANET.test.', {})).toEqual({ error: null, address: '127.0.0.1', family: 4 });
    expect(await ask(pinned, 'intranet.test', { family: 6 })).toEqual({ error: null, address: '::1', family: 6 });
    expect(await ask(pinned, 'intranet.test', { family: 'IPv6', all: true })).toMatchObject({ address: [{ address: '::1', family: 6 }] });
  });

  it('never resolves a name that was not vetted', async () => {
    const answer = await ask(pinned, 'other.test', { all: true });
    expect(answer.error?.code).toEqual('ENOTFOUND');
    expect(answer.error?.message).toEqual('other.test was not vetted by the SSRF guard; refusing to resolve it');
  });

  it('replaces the addresses when a name is vetted again', async () => {
    const repinned = new PinnedLookup();
    repinned.pin('a.test', ['127.0.0.1']);
    repinned.pin('a.test', ['::1']);
    expect(await ask(repinned, 'a.test', {})).toEqual({ error: null, address: '::1', family: 6 });
    expect((await ask(repinned, 'a.test', { family: 4 })).error?.code).toEqual('ENOTFOUND');
  });
});
