import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/agent/errors.ts';
import { PageCache, type CachedPage } from '../../../src/tools/web/page-cache.ts';

function cached(text: string): CachedPage {
  return { finalUrl: 'https://example.test/', page: { kind: 'text', title: '', text, links: [] }, notes: [] };
}

function fakeClock() {
  let now = 1_000;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('PageCache', () => {
  it('keeps pages per URL and mode, ignoring the fragment', () => {
    const cache = new PageCache();
    cache.set('https://example.test/a#top', 'plain', cached('plain A'));
    cache.set('https://example.test/a', 'rendered', cached('rendered A'));
    expect(cache.get('https://example.test/a', 'plain')?.page.text).toEqual('plain A');
    expect(cache.get('https://example.test/a#other', 'rendered')?.page.text).toEqual('rendered A');
    expect(cache.get('https://example.test/b', 'plain')).toEqual(undefined);
  });

  it('forgets a page once its time to live has passed', () => {
    const clock = fakeClock();
    const cache = new PageCache({ ttlMs: 5_000, now: clock.now });
    cache.set('https://example.test/', 'plain', cached('x'));
    clock.advance(4_999);
    expect(cache.get('https://example.test/', 'plain')?.page.text).toEqual('x');
    clock.advance(1);
    expect(cache.get('https://example.test/', 'plain')).toEqual(undefined);
    expect(cache.size).toEqual(0);
  });

  it('defaults to five minutes', () => {
    const clock = fakeClock();
    const cache = new PageCache({ now: clock.now });
    cache.set('https://example.test/', 'plain', cached('x'));
    clock.advance(299_999);
    expect(cache.get('https://example.test/', 'plain')).toBeDefined();
    clock.advance(1);
    expect(cache.get('https://example.test/', 'plain')).toEqual(undefined);
  });

  it('evicts the least recently used page beyond maxEntries', () => {
    const cache = new PageCache({ maxEntries: 2 });
    cache.set('https://example.test/1', 'plain', cached('1'));
    cache.set('https://example.test/2', 'plain', cached('2'));
    cache.get('https://example.test/1', 'plain');
    cache.set('https://example.test/3', 'plain', cached('3'));
    expect(cache.get('https://example.test/2', 'plain')).toEqual(undefined);
    expect(cache.get('https://example.test/1', 'plain')?.page.text).toEqual('1');
    expect(cache.get('https://example.test/3', 'plain')?.page.text).toEqual('3');
  });

  it('evicts by size, and does not keep a page larger than the whole cache', () => {
    const urlChars = 'https://example.test/'.length;
    const cache = new PageCache({ maxChars: 2 * (urlChars + 100) });
    cache.set('https://example.test/1', 'plain', cached('a'.repeat(100)));
    cache.set('https://example.test/2', 'plain', cached('b'.repeat(100)));
    expect(cache.size).toEqual(2);
    cache.set('https://example.test/3', 'plain', cached('c'.repeat(100)));
    expect(cache.get('https://example.test/1', 'plain')).toEqual(undefined);
    expect(cache.size).toEqual(2);
    cache.set('https://example.test/big', 'plain', cached('d'.repeat(1_000)));
    expect(cache.get('https://example.test/big', 'plain')).toEqual(undefined);
    expect(cache.size).toEqual(2);
  });

  it('replaces a page stored again, and deletes and clears', () => {
    const cache = new PageCache();
    cache.set('https://example.test/', 'plain', cached('old'));
    cache.set('https://example.test/', 'plain', cached('new'));
    expect(cache.size).toEqual(1);
    expect(cache.get('https://example.test/', 'plain')?.page.text).toEqual('new');
    cache.delete('https://example.test/', 'plain');
    expect(cache.size).toEqual(0);
    cache.set('https://example.test/', 'plain', cached('again'));
    cache.clear();
    expect(cache.get('https://example.test/', 'plain')).toEqual(undefined);
  });

  it('refuses limits that are not positive', () => {
    expect(() => new PageCache({ ttlMs: 0 })).toThrow(UserError);
    expect(() => new PageCache({ maxEntries: -1 })).toThrowErrorMatchingInlineSnapshot(
      `[UserError: PageCache option maxEntries must be a positive number, got -1.]`,
    );
  });
});
