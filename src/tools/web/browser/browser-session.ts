import type { Page } from 'playwright-core';
import { guardedFetch } from '../../../net/guarded-fetch.ts';
import { assertUrlAllowed } from '../../../net/url-guard.ts';
import type { WebPolicy } from '../../../net/web-policy.ts';
import { extractContent } from '../extract.ts';
import type { ChromiumLauncher } from './chromium.ts';
import type { BlockedRequest, GuardedContext } from './guarded-context.ts';
import { loadPage, type LoadedPage } from './load-page.ts';
import type { PageView } from './page-view.ts';

/** Pages `back` can return to; older ones are forgotten. */
const MAX_HISTORY = 50;

export interface BrowserSessionOptions {
  chromium: ChromiumLauncher;
  policy: WebPolicy;
  timeoutMs: number;
  networkIdleMs?: number;
}

/** What opening a page produced, besides the page itself. */
export interface OpenedPage {
  view: PageView;
  status?: number;
  /** Requests the page made that the policy refused. */
  blocked: BlockedRequest[];
}

/** A quote kept in a session; its number is its position in the list, from 1. */
export interface SessionQuote {
  url: string;
  title: string;
  quote: string;
}

/**
 * One run's browser: a tab in its own guarded context (cookies persist between its pages), the
 * page being read, the pages `back` returns to and the quotes taken. Calls are serialised: a model
 * that sends two actions at once gets them applied in order.
 */
export class BrowserSession {
  readonly #options: BrowserSessionOptions;
  #tab: Promise<{ guarded: GuardedContext; page: Page }> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #history: PageView[] = [];
  #current: PageView | undefined;
  readonly quotes: SessionQuote[] = [];

  constructor(options: BrowserSessionOptions) {
    this.#options = options;
  }

  /** The page being read, if one was opened. */
  get current(): PageView | undefined {
    return this.#current;
  }

  /** Runs `task` after every task queued before it has settled. */
  serialize<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(task);
    this.#queue = result.catch(() => {});
    return result;
  }

  /**
   * Loads `url` in the tab and makes it the current page; the previous one goes on the history.
   * Throws `WebAccessError` when the policy refuses the URL or a redirect hop of it.
   */
  async open(url: string, signal: AbortSignal): Promise<OpenedPage> {
    const { policy, timeoutMs, networkIdleMs } = this.#options;
    const checked = await assertUrlAllowed(url, policy, { signal });
    const { guarded, page } = await this.#liveTab();
    const loaded = await loadPage({ guarded, page, url: checked.url.href, timeoutMs, networkIdleMs, signal });
    const extracted = await extractContent(
      loaded.body
        ? { body: await this.#documentBody({ loaded, body: loaded.body, signal }), contentType: loaded.contentType, url: loaded.url }
        : { body: Buffer.from(loaded.html), contentType: 'text/html; charset=utf-8', url: loaded.url },
    );
    const view: PageView = {
      url: loaded.url,
      title: extracted.title || loaded.title || loaded.url,
      text: extracted.text,
      links: extracted.links,
      offset: 0,
    };
    if (this.#current) this.#history.push(this.#current);
    if (this.#history.length > MAX_HISTORY) this.#history.shift();
    this.#current = view;
    return { view, status: loaded.status, blocked: loaded.blocked };
  }

  /** Returns to the previous page, where it was being read; `undefined` when there is none. */
  back(): PageView | undefined {
    const previous = this.#history.pop();
    if (previous) this.#current = previous;
    return previous;
  }

  /** Keeps a quote and returns its number; the same passage of the same page keeps its number. */
  addQuote(quote: SessionQuote): number {
    const existing = this.quotes.findIndex((kept) => kept.url === quote.url && kept.quote === quote.quote);
    if (existing !== -1) return existing + 1;
    return this.quotes.push(quote);
  }

  /** Closes the tab and its context. */
  async close(): Promise<void> {
    const tab = this.#tab;
    this.#tab = undefined;
    if (tab) await (await tab.catch(() => undefined))?.guarded.close();
  }

  /**
   * The bytes of a document the browser shows without a DOM of its own. For a PDF, Chromium hands
   * back its viewer's page instead of the file, so the file is fetched again, through the guard.
   */
  async #documentBody({ loaded, body, signal }: { loaded: LoadedPage; body: Buffer; signal: AbortSignal }): Promise<Buffer> {
    if (!/^\s*application\/pdf\b/i.test(loaded.contentType)) return body;
    const { policy, timeoutMs } = this.#options;
    return (await guardedFetch(loaded.url, { policy, signal, timeoutMs })).body;
  }

  /** The tab, opened on first use and again if the browser closed it (a crash, a page that closed itself). */
  async #liveTab(): Promise<{ guarded: GuardedContext; page: Page }> {
    const tab = await (this.#tab ??= this.#openTab());
    if (!tab.page.isClosed()) return tab;
    await this.close();
    return (this.#tab = this.#openTab());
  }

  async #openTab(): Promise<{ guarded: GuardedContext; page: Page }> {
    const { chromium, policy, timeoutMs } = this.#options;
    let guarded: GuardedContext | undefined;
    try {
      guarded = await chromium.newContext({ policy, timeoutMs });
      return { guarded, page: await guarded.context.newPage() };
    } catch (error) {
      // Forget the failure, so the next call tries again.
      this.#tab = undefined;
      await guarded?.close();
      throw error;
    }
  }
}
