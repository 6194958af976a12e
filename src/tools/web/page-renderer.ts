import type { WebPolicy } from '../../net/web-policy.ts';

/** A page as a real browser rendered it (after its JavaScript ran). */
export interface RenderedPage {
  /** The final URL, after redirects. */
  url: string;
  status?: number;
  title: string;
  /** The rendered DOM, serialised (`document.documentElement.outerHTML`). */
  html: string;
}

/**
 * Loads a page in a real browser. `web_fetch` uses it for pages that need JavaScript (or when
 * asked with `render: true`); the Chromium implementation lives in `browser/`. Every request the
 * page makes must pass the same SSRF policy as a plain fetch.
 */
export interface PageRenderer {
  render(url: string, options: { policy: WebPolicy; signal?: AbortSignal; timeoutMs?: number }): Promise<RenderedPage>;
  close(): Promise<void>;
}
