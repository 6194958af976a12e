import { lookup } from 'node:dns/promises';
import type { Browser, BrowserContext, Request, Route } from 'playwright-core';
import { describeError } from '../../../agent/errors.ts';
import { GANTRY_USER_AGENT } from '../../../net/guarded-fetch.ts';
import { assertUrlAllowed } from '../../../net/url-guard.ts';
import { WebAccessError, type WebAccessReason } from '../../../net/web-access-error.ts';
import type { WebPolicy } from '../../../net/web-policy.ts';
import { startGuardProxy } from './guard-proxy.ts';

/** A request the browser wanted to make and the web policy refused. */
export interface BlockedRequest {
  url: string;
  /** Why, in words the model can act on (the `WebAccessError` message). */
  message: string;
  /**
   * Which guard stopped it: `interception` before Chromium's network stack saw the request,
   * `proxy` when the network stack tried to connect (redirect hops, requests not intercepted).
   */
  layer: 'interception' | 'proxy';
  reason: WebAccessReason;
  /** True when it was the page itself navigating (a top-level document), not something it loads. */
  navigation: boolean;
}

/** A browser context whose every request passes the web policy. */
export interface GuardedContext {
  readonly context: BrowserContext;
  /** Returns the requests refused since the last call, and forgets them. */
  takeBlocked(): BlockedRequest[];
  /** Closes the context and its proxy; safe to call twice. */
  close(): Promise<void>;
}

export interface GuardedContextOptions {
  browser: Browser;
  policy: WebPolicy;
  /** Default timeout of navigations and other page operations. */
  timeoutMs: number;
}

/** Refused requests kept per context at most; a page that keeps trying should not grow memory. */
const MAX_BLOCKED = 200;
/** How long a context reuses a host name's addresses. */
const LOOKUP_CACHE_MS = 60_000;

/**
 * Opens a context in which nothing reaches the network unchecked. Two layers:
 * - request interception (`context.route`) checks every request Playwright reports, documents,
 *   subresources, fetch/XHR and workers' requests alike, and aborts refused ones with
 *   `blockedbyclient`;
 * - the context's proxy (see `startGuardProxy`) checks, after DNS resolution, whatever Chromium's
 *   network stack actually sends, including the redirect hops that interception never sees.
 * WebSockets are refused outright, service workers are blocked (their fetches would bypass
 * interception) and downloads are refused.
 */
export async function openGuardedContext({ browser, policy, timeoutMs }: GuardedContextOptions): Promise<GuardedContext> {
  const blocked: BlockedRequest[] = [];
  const remember = (layer: BlockedRequest['layer']) => (url: string, error: unknown, navigation = false) => {
    if (blocked.length >= MAX_BLOCKED) blocked.shift();
    const reason = error instanceof WebAccessError ? error.reason : 'network';
    blocked.push({ url, message: describeError(error), layer, reason, navigation });
  };
  const contextPolicy = withLookupCache(policy);
  const proxy = await startGuardProxy({
    authorize: async (target) => (await assertUrlAllowed(target, contextPolicy)).addresses,
    onRefused: remember('proxy'),
  });
  let context: BrowserContext | undefined;
  try {
    context = await browser.newContext({
      proxy: { server: proxy.server },
      serviceWorkers: 'block',
      acceptDownloads: false,
      userAgent: GANTRY_USER_AGENT,
    });
    context.setDefaultTimeout(timeoutMs);
    context.setDefaultNavigationTimeout(timeoutMs);
    const intercepted = remember('interception');
    await context.route('**/*', (route) => checkRoute({ route, policy: contextPolicy, remember: intercepted }));
    await context.routeWebSocket(/.*/, async (socket) => {
      intercepted(socket.url(), new WebAccessError(`Refused ${socket.url()}: the browser does not open WebSockets.`, { url: socket.url(), reason: 'scheme' }));
      // Without `connectToServer()` the socket never leaves the page; closing it tells the page.
      await socket.close({ code: 1008, reason: 'Blocked by Gantry' }).catch(() => {});
    });
  } catch (error) {
    await context?.close().catch(() => {});
    await proxy.close();
    throw error;
  }
  const opened = context;
  return {
    context: opened,
    takeBlocked: () => blocked.splice(0, blocked.length),
    close: once(async () => {
      await opened.close().catch(() => {});
      await proxy.close();
    }),
  };
}

/**
 * The policy with a lookup that answers each host name once per context (for a minute): a page
 * asks for the same hosts over and over, and both guards (interception, then the proxy) check
 * each request. It also makes them agree: the proxy connects to the addresses interception saw.
 * Failed lookups are not kept.
 */
function withLookupCache(policy: WebPolicy): WebPolicy {
  const resolve = policy.lookup ?? systemLookup;
  const answers = new Map<string, { addresses: Promise<string[]>; expires: number }>();
  return {
    ...policy,
    lookup: (hostname) => {
      const cached = answers.get(hostname);
      if (cached && cached.expires > Date.now()) return cached.addresses;
      const addresses = resolve(hostname);
      answers.set(hostname, { addresses, expires: Date.now() + LOOKUP_CACHE_MS });
      addresses.catch(() => {
        if (answers.get(hostname)?.addresses === addresses) answers.delete(hostname);
      });
      return addresses;
    },
  };
}

async function systemLookup(hostname: string): Promise<string[]> {
  return (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);
}

async function checkRoute({ route, policy, remember }: {
  route: Route;
  policy: WebPolicy;
  remember(url: string, error: unknown, navigation: boolean): void;
}): Promise<void> {
  const request = route.request();
  const url = request.url();
  try {
    await assertUrlAllowed(url, policy);
  } catch (error) {
    remember(url, error, isTopLevelNavigation(request));
    await route.abort('blockedbyclient').catch(() => {});
    return;
  }
  // Fails only when the page went away meanwhile, and then there is nothing left to continue.
  await route.continue().catch(() => {});
}

function isTopLevelNavigation(request: Request): boolean {
  try {
    return request.isNavigationRequest() && request.frame().parentFrame() === null;
  } catch {
    // A service worker's request has no frame.
    return false;
  }
}

function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}
