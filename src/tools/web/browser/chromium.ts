import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { describeError, UserError } from '../../../agent/errors.ts';
import type { WebPolicy } from '../../../net/web-policy.ts';
import { startGuardProxy, type GuardProxy } from './guard-proxy.ts';
import { openGuardedContext, type GuardedContext } from './guarded-context.ts';

/** Debian's package puts Chromium here; `GANTRY_CHROMIUM` overrides it. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * How long a browser with no open context stays up before it is closed: long enough to serve
 * renders that follow each other, short enough not to hold a finished CLI process open for long
 * (a running browser keeps Node's event loop alive).
 */
export const DEFAULT_CHROMIUM_IDLE_MS = 2_000;

/**
 * Headless, and quiet: without the background-networking flags Chromium calls Google (updates,
 * sync, field trials) on its own. `--no-sandbox` because containers often run as root, where
 * Chromium's sandbox refuses to start. The last two keep traffic on the guarded path: WebRTC may
 * only go through the proxy (no UDP around it), and Chromium's own resolver answers no name, so
 * the browser sends no DNS query (prefetches included); names travel to the proxy, which resolves
 * them through the policy. 127.0.0.1 is excluded because that is where the proxies listen.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--webrtc-ip-handling-policy=disable_non_proxied_udp',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

export interface ChromiumLauncherOptions {
  /** The Chromium binary (default: `GANTRY_CHROMIUM`, else `/usr/bin/chromium`). */
  executablePath?: string;
  /** Where `GANTRY_CHROMIUM` is read from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Close the browser after this long without an open context (default 2,000 ms; 0 closes it at once). */
  idleMs?: number;
}

interface Running {
  browser: Browser;
  /** Refuses everything: the default context, which Gantry never uses, has no business online. */
  denyAll: GuardProxy;
}

/**
 * One Chromium process, launched on first use and shared by every context opened through it;
 * closed after `idleMs` without an open context and relaunched when needed again.
 */
export class ChromiumLauncher {
  readonly executablePath: string;
  readonly #idleMs: number;
  #running: Promise<Running> | undefined;
  #openContexts = 0;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(options: ChromiumLauncherOptions = {}) {
    this.executablePath = options.executablePath ?? (options.env ?? process.env).GANTRY_CHROMIUM ?? DEFAULT_CHROMIUM_PATH;
    this.#idleMs = options.idleMs ?? DEFAULT_CHROMIUM_IDLE_MS;
  }

  /** The running browser, if any (for diagnostics and tests). */
  async browser(): Promise<Browser | undefined> {
    return this.#running ? (await this.#running.catch(() => undefined))?.browser : undefined;
  }

  /** Opens a context guarded by `policy`, launching the browser if it is not running. */
  async newContext({ policy, timeoutMs }: { policy: WebPolicy; timeoutMs: number }): Promise<GuardedContext> {
    this.#openContexts += 1;
    clearTimeout(this.#idleTimer);
    let guarded: GuardedContext;
    try {
      const { browser } = await (this.#running ??= this.#launch());
      guarded = await openGuardedContext({ browser, policy, timeoutMs });
    } catch (error) {
      this.#release();
      throw error;
    }
    let released = false;
    return {
      ...guarded,
      close: async () => {
        await guarded.close();
        if (!released) this.#release();
        released = true;
      },
    };
  }

  /** Closes the browser now; open contexts close with it. */
  async close(): Promise<void> {
    clearTimeout(this.#idleTimer);
    const running = this.#running;
    this.#running = undefined;
    if (!running) return;
    const launched = await running.catch(() => undefined);
    if (!launched) return;
    await launched.browser.close().catch(() => {});
    await launched.denyAll.close();
  }

  #release(): void {
    this.#openContexts -= 1;
    if (this.#openContexts > 0) return;
    this.#idleTimer = setTimeout(() => {
      if (this.#openContexts === 0) this.close().catch(() => {});
    }, this.#idleMs);
    // The browser process holds the event loop open anyway; the timer need not.
    this.#idleTimer.unref();
  }

  #launch(): Promise<Running> {
    const running = launchChromium(this.executablePath);
    running.then(
      ({ browser }) => browser.on('disconnected', () => {
        if (this.#running === running) this.#running = undefined;
      }),
      () => {
        if (this.#running === running) this.#running = undefined;
      },
    );
    return running;
  }
}

async function launchChromium(executablePath: string): Promise<Running> {
  try {
    await access(executablePath, constants.X_OK);
  } catch {
    throw new UserError(
      `Chromium not found at ${executablePath}; install it (apt-get install chromium) or set GANTRY_CHROMIUM to its path.`,
      { context: { executablePath } },
    );
  }
  const denyAll = await startGuardProxy({
    authorize: async () => {
      throw new Error('the default browser context may not go online');
    },
    onRefused: () => {},
  });
  try {
    // Loaded here, not at start-up: Playwright takes about half a second to import.
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath,
      args: [...CHROMIUM_ARGS],
      proxy: { server: denyAll.server, bypass: '<-loopback>' },
    });
    return { browser, denyAll };
  } catch (error) {
    await denyAll.close();
    throw new UserError(`Chromium at ${executablePath} failed to start: ${describeError(error)}`, { cause: error, context: { executablePath } });
  }
}
