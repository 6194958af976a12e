import { DEFAULT_WEB_TIMEOUT_MS } from '../../../net/guarded-fetch.ts';
import { assertUrlAllowed } from '../../../net/url-guard.ts';
import type { WebPolicy } from '../../../net/web-policy.ts';
import type { PageRenderer, RenderedPage } from '../page-renderer.ts';
import { ChromiumLauncher, type ChromiumLauncherOptions } from './chromium.ts';
import { loadPage } from './load-page.ts';

export interface ChromiumRendererOptions extends ChromiumLauncherOptions {
  /**
   * A launcher to share with other users of the browser (the `browser` tool, other renderers);
   * the caller then closes it. By default the renderer launches its own and `close()` closes it.
   */
  chromium?: ChromiumLauncher;
  /** Default for `render`'s `timeoutMs` (default 20,000 ms). */
  timeoutMs?: number;
  /** The longest wait for network idle after the `load` event (default 3,000 ms; 0 does not wait). */
  networkIdleMs?: number;
}

/**
 * Renders pages in headless Chromium, each in a fresh context (no cookies or storage carried
 * between pages), with every request the page makes checked against the policy.
 */
export class ChromiumRenderer implements PageRenderer {
  readonly #chromium: ChromiumLauncher;
  readonly #ownsChromium: boolean;
  readonly #timeoutMs: number;
  readonly #networkIdleMs: number | undefined;

  constructor(options: ChromiumRendererOptions = {}) {
    this.#chromium = options.chromium ?? new ChromiumLauncher(options);
    this.#ownsChromium = options.chromium === undefined;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_WEB_TIMEOUT_MS;
    this.#networkIdleMs = options.networkIdleMs;
  }

  /**
   * Loads `url`, waits for `load` and (bounded) network idle, and returns the rendered DOM.
   * Throws `WebAccessError` when the policy refuses the URL or a redirect hop of the document.
   */
  async render(url: string, options: { policy: WebPolicy; signal?: AbortSignal; timeoutMs?: number }): Promise<RenderedPage> {
    const { policy, signal } = options;
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const checked = await assertUrlAllowed(url, policy, { signal });
    const guarded = await this.#chromium.newContext({ policy, timeoutMs });
    // Closing the context is what stops a navigation that is still going.
    const onAbort = () => {
      guarded.close().catch(() => {});
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const page = await guarded.context.newPage();
      const loaded = await loadPage({ guarded, page, url: checked.url.href, timeoutMs, networkIdleMs: this.#networkIdleMs, signal });
      return { url: loaded.url, status: loaded.status, title: loaded.title, html: loaded.html };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await guarded.close();
    }
  }

  /** Closes the browser if this renderer launched it. */
  async close(): Promise<void> {
    if (this.#ownsChromium) await this.#chromium.close();
  }
}
