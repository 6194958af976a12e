import { z } from 'zod';
import { describeError, isAbortError, UserError } from '../../../agent/errors.ts';
import { DEFAULT_WEB_TIMEOUT_MS } from '../../../net/guarded-fetch.ts';
import { WebAccessError } from '../../../net/web-access-error.ts';
import { webPolicyFromEnv, type WebPolicy } from '../../../net/web-policy.ts';
import { tool, type Tool, type ToolExecuteOptions, type ToolFailure } from '../../tool.ts';
import { BrowserSession } from './browser-session.ts';
import { ChromiumLauncher } from './chromium.ts';
import { currentWindow, findNext, pageContains, renderView, type PageView } from './page-view.ts';

export interface BrowserToolOptions {
  /** What pages (and every request they make) may reach (default: `webPolicyFromEnv(env)`). */
  policy?: WebPolicy;
  /** The Chromium binary (default: `GANTRY_CHROMIUM`, else `/usr/bin/chromium`). */
  executablePath?: string;
  /** Where `GANTRY_WEB_ALLOW` and `GANTRY_CHROMIUM` are read from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Characters of page text the model sees at a time (default 4,000). */
  viewChars?: number;
  /** Bounds loading one page, network-idle wait included (default 20,000 ms). */
  timeoutMs?: number;
  /** The longest wait for network idle after a page's `load` event (default 3,000 ms; 0 does not wait). */
  networkIdleMs?: number;
  /**
   * A launcher to share the browser process with (a `ChromiumRenderer`, other tools); the caller
   * then closes it. By default the tool launches its own and `close()` closes it.
   */
  chromium?: ChromiumLauncher;
}

export const DEFAULT_BROWSER_VIEW_CHARS = 4_000;

/** A browser tool that owns its sessions (and, unless one was given, its browser). */
export type BrowserTool = Tool<BrowserAction, string | ToolFailure> & {
  /** Closes every session, and the browser if the tool launched it. */
  close(): Promise<void>;
};

/** One browser action, as `execute` receives it after validation. */
export type BrowserAction =
  | { action: 'open'; url: string }
  | { action: 'follow'; link: number }
  | { action: 'find'; text: string }
  | { action: 'scroll'; direction: 'down' | 'up' }
  | { action: 'back' }
  | { action: 'quote'; text: string };

const ACTIONS = ['open', 'follow', 'find', 'scroll', 'back', 'quote'] as const;

/** Which field each action needs, and how to tell the model about it. */
const REQUIRED_FIELD: Record<BrowserAction['action'], { field: 'url' | 'link' | 'text' | 'direction'; help: string } | undefined> = {
  open: { field: 'url', help: 'the absolute http(s) URL to open' },
  follow: { field: 'link', help: 'the number N shown as [N] after a link on the current page' },
  find: { field: 'text', help: 'the text to look for on the current page' },
  scroll: { field: 'direction', help: '"down" or "up"' },
  back: undefined,
  quote: { field: 'text', help: 'the passage of the current page to keep, copied word for word' },
};

/**
 * One flat object rather than a union per action: OpenAI and Anthropic refuse tool schemas with
 * `oneOf`/`anyOf` at the top level. The refinement enforces each action's field and the
 * transform hands `execute` the discriminated union.
 */
const schema = z
  .object({
    action: z.enum(ACTIONS).describe('What to do; each action uses the field named in its description.'),
    url: z.string().min(1).max(4_000).optional().describe('open: the absolute http(s) URL to open.'),
    link: z.number().int().min(1).optional().describe('follow: the link number N, written [N] after the link text.'),
    text: z.string().max(2_000).optional().describe('find: text to look for (case-insensitive). quote: the passage to keep, verbatim.'),
    direction: z.enum(['down', 'up']).optional().describe('scroll: "down" for the next part of the page, "up" for the previous.'),
  })
  .superRefine((input, context) => {
    const required = REQUIRED_FIELD[input.action];
    if (!required) return;
    const value = input[required.field];
    if (value === undefined || (typeof value === 'string' && value.trim() === '')) {
      context.addIssue({ code: 'custom', path: [required.field], message: `The ${input.action} action needs ${required.field}: ${required.help}.` });
    }
  })
  .transform((input): BrowserAction => {
    switch (input.action) {
      case 'open':
        return { action: 'open', url: (input.url as string).trim() };
      case 'follow':
        return { action: 'follow', link: input.link as number };
      case 'find':
      case 'quote':
        return { action: input.action, text: (input.text as string).trim() };
      case 'scroll':
        return { action: 'scroll', direction: input.direction as 'down' | 'up' };
      case 'back':
        return { action: 'back' };
    }
  });

const NO_PAGE = 'No page is open in this browser session yet: start with {"action": "open", "url": "https://…"}.';

/**
 * `browser`: a stateful, text-mode web browser in the style of WebGPT, one session per run. The
 * model opens a page, reads it one window at a time, follows numbered links, searches within it,
 * goes back, and quotes passages, which are recorded as sources with their URL so the answer can
 * cite them. Pages run in headless Chromium; every request they make passes the web policy.
 */
export function createBrowserTool(options: BrowserToolOptions = {}): BrowserTool {
  const policy = options.policy ?? webPolicyFromEnv(options.env);
  const viewChars = options.viewChars ?? DEFAULT_BROWSER_VIEW_CHARS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_WEB_TIMEOUT_MS;
  for (const [name, value] of [['viewChars', viewChars], ['timeoutMs', timeoutMs]] as const) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new UserError(`createBrowserTool: ${name} must be a positive whole number; got ${JSON.stringify(value)}.`);
    }
  }
  // An own browser closes as soon as the last session ends: runs are long, and a browser left
  // running would keep the process (a CLI run, say) from exiting.
  const chromium = options.chromium ?? new ChromiumLauncher({ executablePath: options.executablePath, env: options.env, idleMs: 0 });
  const sessions = new Map<string, BrowserSession>();
  const sessionFor = (runId: string) => {
    let session = sessions.get(runId);
    if (!session) {
      session = new BrowserSession({ chromium, policy, timeoutMs, networkIdleMs: options.networkIdleMs });
      sessions.set(runId, session);
    }
    return session;
  };
  const endSession = async (runId: string) => {
    const session = sessions.get(runId);
    sessions.delete(runId);
    await session?.close();
  };

  const definition = tool({
    name: 'browser',
    description: describeTool(viewChars),
    schema,
    // Launching the browser and waiting for network idle come on top of the page's own time.
    timeoutMs: timeoutMs + 10_000,
    execute: (action, { runId, signal, recordSource }): Promise<string | ToolFailure> => {
      // A session that exists may be opening its first page: `perform` checks once it is its turn.
      if (action.action !== 'open' && !sessions.has(runId)) return Promise.resolve({ ok: false, error: NO_PAGE });
      const session = sessionFor(runId);
      return session.serialize(() => perform({ session, action, viewChars, signal, recordSource }));
    },
    onRunEnd: endSession,
  });
  return Object.assign(definition, {
    close: async () => {
      await Promise.all([...sessions.keys()].map(endSession));
      if (!options.chromium) await chromium.close();
    },
  });
}

async function perform({ session, action, viewChars, signal, recordSource }: {
  session: BrowserSession;
  action: BrowserAction;
  viewChars: number;
  signal: AbortSignal;
  recordSource: ToolExecuteOptions['recordSource'];
}): Promise<string | ToolFailure> {
  const view = session.current;
  if (action.action === 'open') return openPage({ session, url: action.url, viewChars, signal, recordSource });
  if (!view) return { ok: false, error: NO_PAGE };
  switch (action.action) {
    case 'follow': {
      const link = view.links[action.link - 1];
      if (!link) {
        const range = view.links.length === 0 ? 'this page has no links' : `its links are numbered 1–${view.links.length}`;
        return { ok: false, error: `There is no link [${action.link}] on ${view.url}: ${range}. Use a number shown as [N] in the page text.` };
      }
      return openPage({ session, url: link.url, viewChars, signal, recordSource });
    }
    case 'find': {
      const found = findNext({ view, query: action.text, viewChars });
      if (!found) return { ok: false, error: `${JSON.stringify(action.text)} does not occur on ${view.url}. Try fewer or other words.` };
      const wrapped = found.wrapped ? ' (no more matches below; back to the first)' : '';
      return renderView({ view, viewChars, notes: [`Match ${found.ordinal} of ${found.count} for ${JSON.stringify(action.text)}${wrapped}.`] });
    }
    case 'scroll':
      return scroll({ view, direction: action.direction, viewChars });
    case 'back': {
      const previous = session.back();
      if (!previous) return { ok: false, error: `There is no previous page: ${view.url} is the first page of this session.` };
      return renderView({ view: previous, viewChars, notes: ['Back to the previous page, where you left it.'] });
    }
    case 'quote': {
      if (!pageContains(view.text, action.text)) {
        return {
          ok: false,
          error: `That passage does not occur on ${view.url}. Quote the page word for word (use find to check), or open the page that says it.`,
        };
      }
      const number = session.addQuote({ url: view.url, title: view.title, quote: action.text });
      recordSource?.({ url: view.url, title: view.title, quote: action.text });
      return `Quote ${number} recorded from ${view.url}. Cite it in your answer as [${number}] with that URL.`;
    }
  }
}

async function openPage({ session, url, viewChars, signal, recordSource }: {
  session: BrowserSession;
  url: string;
  viewChars: number;
  signal: AbortSignal;
  recordSource: ToolExecuteOptions['recordSource'];
}): Promise<string | ToolFailure> {
  let opened;
  try {
    opened = await session.open(url, signal);
  } catch (error) {
    if (isAbortError(error) || signal.aborted) throw error;
    return { ok: false, error: describeOpenFailure(url, error) };
  }
  const { view, status, blocked } = opened;
  recordSource?.({ url: view.url, title: view.title });
  const notes = view.url === normalizeUrl(url) ? [] : [`(Redirected from ${url}.)`];
  if (status !== undefined && status >= 400) notes.push(`The server answered HTTP ${status}; the text below is its error page.`);
  return renderView({ view, viewChars, notes, blocked });
}

function scroll({ view, direction, viewChars }: { view: PageView; direction: 'down' | 'up'; viewChars: number }): string | ToolFailure {
  const window = currentWindow(view, viewChars);
  if (direction === 'down') {
    if (window.nextOffset === undefined) {
      return { ok: false, error: `Already at the end of ${view.url} (${window.total} characters). Scroll up, use find, follow a link or go back.` };
    }
    view.offset = window.nextOffset;
  } else {
    if (window.offset === 0) return { ok: false, error: `Already at the top of ${view.url}. Scroll down, use find, follow a link or go back.` };
    view.offset = previousWindowStart({ view, viewChars });
  }
  return renderView({ view, viewChars });
}

/** The start of the window that ends where the current one starts, as scrolling down would have cut it. */
function previousWindowStart({ view, viewChars }: { view: PageView; viewChars: number }): number {
  let start = 0;
  for (;;) {
    const next = currentWindow({ ...view, offset: start }, viewChars).nextOffset;
    if (next === undefined || next >= view.offset) return next === view.offset ? start : Math.max(0, view.offset - viewChars);
    start = next;
  }
}

/** The URL as the browser writes it (`http://a.test` becomes `http://a.test/`), to tell redirects from spelling. */
function normalizeUrl(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

function describeOpenFailure(url: string, error: unknown): string {
  if (error instanceof WebAccessError) return error.message;
  // Playwright's messages carry a call log after the first line; the first line says it all.
  const message = describeError(error).split('\n')[0] ?? '';
  if (/Download is starting/i.test(message)) return `${url} is a file download, not a page: read it with web_fetch.`;
  return `Could not open ${url}: ${message.replace(/^page\.goto: /, '')}`;
}

function describeTool(viewChars: number): string {
  return [
    'A web browser with a session that lasts for this run. Pages run their JavaScript, so use it for pages web_fetch cannot read.',
    `You see ${viewChars} characters of a page at a time, as Markdown where each link is followed by its number [N].`,
    'Actions (set "action" and the one field it uses):',
    '- open {url}: load a page.',
    '- follow {link}: open link [N] of the current page.',
    '- find {text}: jump to the next occurrence of the text on the current page.',
    '- scroll {direction: "down" | "up"}: move through the current page.',
    '- back: return to the previous page.',
    '- quote {text}: keep a passage of the current page, word for word, as a source to cite; you get its citation number.',
    'Cite quoted passages in your answer with their URLs.',
  ].join('\n');
}
