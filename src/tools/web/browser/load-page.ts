import type { Page, Response } from 'playwright-core';
import { ToolError } from '../../../agent/errors.ts';
import { WebAccessError } from '../../../net/web-access-error.ts';
import { BLOCKED_HEADER, PROXY_ERROR_HEADER } from './guard-proxy.ts';
import type { BlockedRequest, GuardedContext } from './guarded-context.ts';
import { abortable } from '../../../agent/abort.ts';

/** A page loaded in the browser: what `PageRenderer` returns, plus what the browser tool needs. */
export interface LoadedPage {
  /** The final URL, after redirects. */
  url: string;
  status?: number;
  title: string;
  /** The rendered DOM, serialised. */
  html: string;
  /** The document's `Content-Type` ('' when unknown). */
  contentType: string;
  /** The document as served, for a type the browser shows without a DOM of its own (JSON, text). */
  body?: Buffer;
  /** Requests the page made that the policy refused. */
  blocked: BlockedRequest[];
}

/** Network idle is a hint that late content has arrived; a page that polls never gets there. */
export const DEFAULT_NETWORK_IDLE_MS = 3_000;

export interface LoadPageOptions {
  guarded: GuardedContext;
  /** A page of `guarded`'s context. */
  page: Page;
  url: string;
  /** Bounds the whole load, network-idle wait included. */
  timeoutMs: number;
  /** The longest wait for network idle after `load` (default 3,000 ms; 0 does not wait). */
  networkIdleMs?: number;
  signal?: AbortSignal;
}

/**
 * Navigates `page` to `url`, waits for `load` and then (bounded) for network idle, and snapshots
 * the result. Throws `WebAccessError` when the policy refused the document itself (at any
 * redirect hop), and an `AbortError` when `signal` aborts; the navigation itself is left to the
 * caller to cancel (by closing the page or navigating again).
 */
export async function loadPage({ guarded, page, url, timeoutMs, networkIdleMs = DEFAULT_NETWORK_IDLE_MS, signal }: LoadPageOptions): Promise<LoadedPage> {
  const deadline = Date.now() + timeoutMs;
  guarded.takeBlocked();
  let response: Response | null;
  try {
    response = await abortable(page.goto(url, { waitUntil: 'load', timeout: timeoutMs }), signal);
  } catch (error) {
    // Interception aborts a refused document, and Playwright reports net::ERR_BLOCKED_BY_CLIENT.
    const refusal = signal?.aborted ? undefined : guarded.takeBlocked().find((request) => request.url === url);
    if (refusal) throw new WebAccessError(refusal.message, { url, reason: refusal.reason, cause: error });
    throw error;
  }
  // The proxy answers a refused redirect hop itself, with a 403 that says so.
  const headers = response ? await response.allHeaders() : {};
  const refusedHop = headers[BLOCKED_HEADER];
  if (response && refusedHop !== undefined) {
    const redirected = response.url() !== url;
    throw new WebAccessError(`${refusedHop}${redirected ? ` (reached by a redirect from ${url})` : ''}`, {
      url: response.url(),
      reason: redirected ? 'redirect' : 'address',
    });
  }
  const unreachable = headers[PROXY_ERROR_HEADER];
  if (response && unreachable !== undefined) {
    throw new WebAccessError(`Could not open ${response.url()}: ${unreachable}`, { url: response.url(), reason: 'network' });
  }
  const remaining = Math.min(networkIdleMs, deadline - Date.now());
  if (remaining > 0) {
    // Timing out here is normal (analytics beacons, long polling): the page is shown as it is.
    await abortable(page.waitForLoadState('networkidle', { timeout: remaining }).catch(() => {}), signal);
  }
  const { finalUrl, title, html } = await abortable(snapshot({ page, deadline }), signal);
  const blocked = guarded.takeBlocked();
  if (finalUrl.startsWith('chrome-error:')) {
    // The page navigated on (a script, a meta refresh) and that navigation failed.
    const refusal = blocked.findLast((request) => request.navigation);
    if (refusal) throw new WebAccessError(`${refusal.message} (the page at ${url} went there by itself)`, { url: refusal.url, reason: refusal.reason });
    throw new ToolError(`the page at ${url} navigated on to an address that could not be loaded`, { context: { url } });
  }
  const contentType = headers['content-type'] ?? '';
  return {
    url: finalUrl,
    status: response?.status(),
    title,
    html,
    contentType,
    body: response && !isHtml(contentType) ? await bodyOf(response) : undefined,
    blocked,
  };
}

/** Snapshot attempts while the page keeps navigating by itself (meta refresh, script redirects). */
const SNAPSHOT_ATTEMPTS = 3;
/** The longest wait for a navigation the page started to commit before the snapshot is tried again. */
const NAVIGATION_COMMIT_MS = 2_000;

/** The page as it is now; if it is in the middle of navigating on, waits for the next page to load. */
async function snapshot({ page, deadline }: { page: Page; deadline: number }): Promise<{ finalUrl: string; title: string; html: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const html = await page.content();
      return { finalUrl: page.url(), title: await page.title(), html };
    } catch (error) {
      const navigating = error instanceof Error && /navigating/i.test(error.message);
      const remaining = deadline - Date.now();
      if (!navigating || attempt >= SNAPSHOT_ATTEMPTS || remaining <= 0) throw error;
      // The old document is still there until the next one (or an error page) commits.
      const commit = Math.min(remaining, NAVIGATION_COMMIT_MS);
      await page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame(), timeout: commit }).catch(() => {});
      await page.waitForLoadState('load', { timeout: Math.max(1, deadline - Date.now()) }).catch(() => {});
    }
  }
}

function isHtml(contentType: string): boolean {
  return contentType === '' || /^\s*(text\/html|application\/xhtml\+xml)\b/i.test(contentType);
}

async function bodyOf(response: Response): Promise<Buffer | undefined> {
  try {
    return await response.body();
  } catch {
    return undefined;
  }
}
