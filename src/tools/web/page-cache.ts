import { UserError } from '../../agent/errors.ts';
import type { ExtractedPage } from './extract.ts';

/** How a page was loaded: fetched over HTTP, or asked to be rendered in a browser. */
export type PageMode = 'plain' | 'rendered';

/** A page as `web_fetch` keeps it between calls. */
export interface CachedPage {
  /** The URL the content came from, after redirects. */
  finalUrl: string;
  page: ExtractedPage;
  /** Notes for the model about how the page was loaded (cut at the size limit, rendering unavailable…). */
  notes: string[];
}

export interface PageCacheOptions {
  /** How long a page stays fresh, in milliseconds. Default 5 minutes. */
  ttlMs?: number;
  /** The most pages kept; the least recently used go first. Default 100. */
  maxEntries?: number;
  /** The most text kept, in UTF-16 code units across all pages (roughly bytes / 2). Default 16 million. */
  maxChars?: number;
  /** The clock, in milliseconds; tests inject a fake one. Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  value: CachedPage;
  expiresAt: number;
  size: number;
}

export const DEFAULT_PAGE_CACHE_TTL_MS = 5 * 60_000;
const DEFAULT_MAX_ENTRIES = 100;
const DEFAULT_MAX_CHARS = 16_000_000;

/**
 * A small TTL + LRU cache of extracted pages keyed by URL and mode, so reading a long page window
 * by window fetches it once. The URL's fragment is ignored: it never reaches the server.
 */
export class PageCache {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #maxChars: number;
  readonly #now: () => number;
  #chars = 0;

  constructor(options: PageCacheOptions = {}) {
    this.#ttlMs = positive('ttlMs', options.ttlMs ?? DEFAULT_PAGE_CACHE_TTL_MS);
    this.#maxEntries = positive('maxEntries', options.maxEntries ?? DEFAULT_MAX_ENTRIES);
    this.#maxChars = positive('maxChars', options.maxChars ?? DEFAULT_MAX_CHARS);
    this.#now = options.now ?? Date.now;
  }

  /** The fresh page stored for this URL and mode, marked as most recently used; undefined otherwise. */
  get(url: string, mode: PageMode): CachedPage | undefined {
    const key = cacheKey(url, mode);
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#remove(key, entry);
    if (entry.expiresAt <= this.#now()) return undefined;
    this.#entries.set(key, entry);
    this.#chars += entry.size;
    return entry.value;
  }

  /** Stores a page, evicting expired and then least recently used pages to stay within the limits. */
  set(url: string, mode: PageMode, value: CachedPage): void {
    const key = cacheKey(url, mode);
    this.delete(url, mode);
    const size = pageSize(value);
    // A page bigger than the whole cache would only flush everything else.
    if (size > this.#maxChars) return;
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs, size });
    this.#chars += size;
    this.#evict();
  }

  delete(url: string, mode: PageMode): void {
    const key = cacheKey(url, mode);
    const entry = this.#entries.get(key);
    if (entry) this.#remove(key, entry);
  }

  clear(): void {
    this.#entries.clear();
    this.#chars = 0;
  }

  /** The number of pages held, fresh or not yet evicted. */
  get size(): number {
    return this.#entries.size;
  }

  #evict(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#remove(key, entry);
    }
    // Map iteration order is insertion order, and `get` re-inserts: the first key is the least recently used.
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && this.#chars <= this.#maxChars) break;
      this.#remove(key, entry);
    }
  }

  #remove(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#chars -= entry.size;
  }
}

function cacheKey(url: string, mode: PageMode): string {
  let normalized = url;
  try {
    const parsed = new URL(url);
    parsed.hash = '';
    normalized = parsed.href;
  } catch {
    // Not a URL: used as written, so it still finds itself.
  }
  return `${mode} ${normalized}`;
}

function pageSize({ finalUrl, page, notes }: CachedPage): number {
  const links = page.links.reduce((sum, link) => sum + link.url.length + link.text.length, 0);
  return finalUrl.length + page.title.length + page.text.length + links + notes.join('').length;
}

function positive(name: string, value: number): number {
  if (!(value > 0)) throw new UserError(`PageCache option ${name} must be a positive number, got ${value}.`);
  return value;
}
