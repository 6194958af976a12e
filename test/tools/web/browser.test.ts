import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/agent/errors.ts';
import { WebAccessError } from '../../../src/net/web-access-error.ts';
import type { WebPolicy } from '../../../src/net/web-policy.ts';
import type { Source, ToolFailure } from '../../../src/tools/tool.ts';
import { toModelJsonSchema } from '../../../src/tools/validation.ts';
import { createBrowserTool, type BrowserTool } from '../../../src/tools/web/browser/browser-tool.ts';
import { ChromiumLauncher } from '../../../src/tools/web/browser/chromium.ts';
import { ChromiumRenderer } from '../../../src/tools/web/browser/chromium-renderer.ts';
import { loadPage } from '../../../src/tools/web/browser/load-page.ts';

// These tests drive the real Chromium against servers on 127.0.0.1. One browser serves the file.

interface TestServer {
  port: number;
  origin: string;
  /** Request paths, in order. */
  requests: string[];
  /** TCP connections accepted, requests or not. */
  connections: number;
  server: Server;
}

async function startServer(handler: RequestListener): Promise<TestServer> {
  const server = createServer();
  const state: TestServer = { port: 0, origin: '', requests: [], connections: 0, server };
  server.on('connection', () => (state.connections += 1));
  server.on('request', (request, response) => {
    state.requests.push(request.url ?? '');
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.origin = `http://127.0.0.1:${state.port}`;
  return state;
}

function html(body: string): RequestListener {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(body);
  };
}

const paragraph = (n: number) =>
  `<p>Paragraph ${n} of the long page talks about bridges, rivers and the towns between them.${n % 10 === 0 ? ' Here is a needle.' : ''}</p>`;

let site: TestServer;
/** A loopback server the policy does not allow: it must never see a request or a connection. */
let forbidden: TestServer;
let policy: WebPolicy;
const chromium = new ChromiumLauncher({ idleMs: 60_000 });

beforeAll(async () => {
  const pdf = await readFile(new URL('../../fixtures/web/two-pages.pdf', import.meta.url));
  forbidden = await startServer(html('<p>secret</p>'));
  const f = forbidden.origin;
  const pages: Record<string, string> = {
    '/js': '<title>JS page</title><div id="root"></div><script>document.getElementById("root").textContent = "Rendered by JavaScript: " + 6 * 7;</script>',
    '/start': '<title>Start</title><h1>Start page</h1><p>Welcome. Go to <a href="/a">page A</a>, <a href="/b">page B</a> or <a href="/c">page C</a>.</p>',
    '/a': '<title>Page A</title><p>This is page A.</p>',
    '/b': '<title>Page B</title><p>This is page B, reached by following a link.</p>',
    '/c': '<title>Page C</title><p>This is page C.</p>',
    '/long': `<title>Long page</title><h1>Long page</h1>${Array.from({ length: 40 }, (_, i) => paragraph(i + 1)).join('')}`,
    '/quote':
      '<title>Facts</title><h1>Facts</h1><p>The <b>Golden Gate Bridge</b> opened in 1937 and spans 1,280 metres.</p>' +
      '<p>It is painted <a href="/a">International Orange</a>.</p>',
    '/js-redirect': `<title>Moving</title><script>location.href = 'http://169.254.169.254/latest/';</script><p>Moving on.</p>`,
    '/meta-refresh': `<title>Refreshing</title><meta http-equiv="refresh" content="0; url=${f}/refreshed"><p>Refreshing.</p>`,
    '/attack':
      `<title>Attack</title><p>A page that tries to reach what it should not.</p>` +
      `<link rel="preconnect" href="${f}">` +
      `<img src="${f}/img"><img src="http://169.254.169.254/latest/meta-data/"><img src="/bounce?to=img">` +
      `<iframe src="${f}/frame"></iframe>` +
      `<script>
        fetch('${f}/fetch').catch(() => {});
        fetch('http://169.254.169.254/latest/meta-data/iam/security-credentials/').catch(() => {});
        fetch('/bounce?to=fetch').catch(() => {});
        const xhr = new XMLHttpRequest(); xhr.open('GET', '${f}/xhr'); xhr.send();
        try { new WebSocket('ws://127.0.0.1:${forbidden.port}/ws'); } catch {}
        new Worker('/worker.js');
        navigator.sendBeacon('${f}/beacon', 'x');
      </script>`,
  };
  site = await startServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname === '/bounce') {
      response.writeHead(302, { location: `${f}/bounced-${url.searchParams.get('to')}` });
      return response.end();
    }
    if (url.pathname === '/to-start') {
      response.writeHead(302, { location: '/start' });
      return response.end();
    }
    if (url.pathname === '/data.json') {
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end(JSON.stringify({ bridge: 'Golden Gate', opened: 1937 }));
    }
    if (url.pathname === '/two-pages.pdf') {
      response.writeHead(200, { 'content-type': 'application/pdf' });
      return response.end(pdf);
    }
    if (url.pathname === '/export.csv') {
      response.writeHead(200, { 'content-type': 'text/csv', 'content-disposition': 'attachment; filename="export.csv"' });
      return response.end('a,b\n1,2\n');
    }
    if (url.pathname === '/worker.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      return response.end(`fetch('${f}/from-worker').catch(() => {});`);
    }
    const page = pages[url.pathname];
    if (page === undefined) {
      response.writeHead(404, { 'content-type': 'text/html' });
      return response.end('<title>Not found</title><p>No such page.</p>');
    }
    html(page)(request, response);
  });
  policy = { allow: [{ host: '127.0.0.1', port: site.port }] };
});

afterAll(async () => {
  await chromium.close();
  await Promise.all([site, forbidden].map(({ server }) => new Promise((resolve) => server.close(resolve))));
});

function caller(tool: BrowserTool, runId = 'run-1') {
  const sources: Source[] = [];
  const call = async (input: unknown) => {
    const action = tool.schema.parse(input);
    return tool.execute(action, { toolCallId: 'call', runId, signal: new AbortController().signal, context: undefined, recordSource: (source) => sources.push(source) });
  };
  return { call, sources };
}

function text(result: string | ToolFailure): string {
  if (typeof result !== 'string') throw new Error(`expected a page, got the failure: ${result.error}`);
  return result;
}

function failure(result: string | ToolFailure): string {
  if (typeof result === 'string') throw new Error(`expected a failure, got:\n${result}`);
  return result.error;
}

/** The text between the untrusted-content markers. */
function pageBody(result: string | ToolFailure): string {
  return /<<<untrusted-content id="\w+">>>\n([\s\S]*)\n<<<end-untrusted-content/.exec(text(result))?.[1] ?? '';
}

describe('ChromiumRenderer', () => {
  it('returns the DOM after the page\'s JavaScript ran', async () => {
    const renderer = new ChromiumRenderer({ chromium });
    const page = await renderer.render(`${site.origin}/js`, { policy });
    expect(page).toMatchObject({ url: `${site.origin}/js`, status: 200, title: 'JS page' });
    expect(page.html).toContain('<div id="root">Rendered by JavaScript: 42</div>');
    await renderer.close();
    // The renderer did not launch the shared browser, so it does not close it.
    expect((await chromium.browser())?.isConnected()).toBe(true);
  });

  it('refuses a URL outside the policy without loading it', async () => {
    const renderer = new ChromiumRenderer({ chromium });
    const error = await renderer.render(`${forbidden.origin}/`, { policy }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WebAccessError);
    expect((error as WebAccessError).reason).toBe('address');
    expect(forbidden.connections).toBe(0);
  });

  it('refuses a redirect to a port the policy does not allow', async () => {
    const renderer = new ChromiumRenderer({ chromium });
    const error = await renderer.render(`${site.origin}/bounce?to=document`, { policy }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WebAccessError);
    expect(error).toMatchObject({ reason: 'redirect', url: `${forbidden.origin}/bounced-document` });
    expect(forbidden.requests).toEqual([]);
    expect(forbidden.connections).toBe(0);
  });
});

describe('request guard', () => {
  it('blocks subresources, fetch, XHR, WebSockets, workers and redirect hops to addresses the policy refuses', async () => {
    const guarded = await chromium.newContext({ policy, timeoutMs: 10_000 });
    try {
      const page = await guarded.context.newPage();
      const loaded = await loadPage({ guarded, page, url: `${site.origin}/attack`, timeoutMs: 10_000 });
      // Give late requests (the worker's, the beacon) time to be tried.
      await page.waitForTimeout(300);
      const blocked = [...loaded.blocked, ...guarded.takeBlocked()];
      const layerOf = (url: string) => blocked.find((request) => request.url === url)?.layer;
      const f = forbidden.origin;
      expect(layerOf('http://169.254.169.254/latest/meta-data/')).toBe('interception');
      expect(layerOf('http://169.254.169.254/latest/meta-data/iam/security-credentials/')).toBe('interception');
      for (const path of ['/img', '/frame', '/fetch', '/xhr', '/from-worker', '/beacon']) expect(layerOf(`${f}${path}`)).toBe('interception');
      expect(layerOf(`ws://127.0.0.1:${forbidden.port}/ws`)).toBe('interception');
      // Interception never sees redirect hops; the proxy Chromium must connect through does.
      expect(layerOf(`${f}/bounced-img`)).toBe('proxy');
      expect(layerOf(`${f}/bounced-fetch`)).toBe('proxy');
      expect(blocked.find((request) => request.url.endsWith('/meta-data/'))?.message).toMatch(/169\.254\.169\.254 is a cloud metadata address/);
    } finally {
      await guarded.close();
    }
    expect(forbidden.requests).toEqual([]);
    // Not even a preconnect: nothing reached the port.
    expect(forbidden.connections).toBe(0);
  });

  it('lets the policy resolve host names: Chromium resolves nothing itself and connects only to vetted addresses', async () => {
    const lookups: string[] = [];
    const named: WebPolicy = {
      allow: [{ host: 'docs.test', port: site.port }],
      lookup: async (hostname) => {
        lookups.push(hostname);
        if (hostname === 'docs.test') return ['127.0.0.1'];
        throw Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' });
      },
    };
    const page = await new ChromiumRenderer({ chromium }).render(`http://docs.test:${site.port}/start`, { policy: named });
    expect(page.title).toBe('Start');
    expect(lookups.length).toBeGreaterThan(0);
    expect(new Set(lookups)).toEqual(new Set(['docs.test']));
  });

  it('keeps WebRTC from sending UDP around the proxy', async () => {
    const udp = dgram.createSocket('udp4');
    let datagrams = 0;
    udp.on('message', () => (datagrams += 1));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const stun = `stun:127.0.0.1:${udp.address().port}`;
    const guarded = await chromium.newContext({ policy, timeoutMs: 10_000 });
    try {
      const page = await guarded.context.newPage();
      await page.goto(`${site.origin}/a`);
      const gathered = await page.evaluate(async (url) => {
        // The test's TypeScript setup has no DOM types; this runs in the page.
        const { RTCPeerConnection } = globalThis as unknown as { RTCPeerConnection: new (config: unknown) => PeerConnection };
        const connection = new RTCPeerConnection({ iceServers: [{ urls: url }] });
        connection.createDataChannel('probe');
        await connection.setLocalDescription(await connection.createOffer());
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const state = connection.iceGatheringState;
        connection.close();
        return state;
      }, stun);
      expect(gathered).toBe('complete');
    } finally {
      await guarded.close();
      udp.close();
    }
    expect(datagrams).toBe(0);
  });
});

describe('browser tool', () => {
  let tool: BrowserTool;
  beforeAll(() => {
    // Static test pages: waiting for network idle would only slow the suite down.
    tool = createBrowserTool({ policy, chromium, viewChars: 1_000, networkIdleMs: 0 });
  });
  afterAll(() => tool.close());

  it('opens a page, follows link 2 and goes back to where it was', async () => {
    const { call, sources } = caller(tool, 'follow');
    const start = text(await call({ action: 'open', url: `${site.origin}/start` }));
    expect(start).toContain(`URL: ${site.origin}/start\nView 1–`);
    expect(pageBody(start)).toBe(
      [
        'Title: Start',
        '',
        '## Start page',
        '',
        'Welcome. Go to page A [1], page B [2] or page C [3].',
        '',
        'Links in this view:',
        `[1] ${site.origin}/a`,
        `[2] ${site.origin}/b`,
        `[3] ${site.origin}/c`,
      ].join('\n'),
    );
    const b = text(await call({ action: 'follow', link: 2 }));
    expect(b).toContain(`URL: ${site.origin}/b\n`);
    expect(pageBody(b)).toContain('This is page B, reached by following a link.');
    const back = text(await call({ action: 'back' }));
    expect(back).toContain(`URL: ${site.origin}/start\n`);
    expect(back).toContain('Back to the previous page');
    expect(failure(await call({ action: 'back' }))).toBe(`There is no previous page: ${site.origin}/start is the first page of this session.`);
    expect(failure(await call({ action: 'follow', link: 9 }))).toBe(
      `There is no link [9] on ${site.origin}/start: its links are numbered 1–3. Use a number shown as [N] in the page text.`,
    );
    expect(sources).toEqual([
      { url: `${site.origin}/start`, title: 'Start' },
      { url: `${site.origin}/b`, title: 'Page B' },
    ]);
  });

  it('scrolls through a long page in windows that tile it', async () => {
    const { call } = caller(tool, 'scroll');
    const first = text(await call({ action: 'open', url: `${site.origin}/long` }));
    const total = Number(/of (\d+) characters/.exec(first)?.[1]);
    expect(total).toBeGreaterThan(3_000);
    expect(first).toMatch(/View 1–\d+ of \d+ characters \(scroll down for more\)\./);
    const views = [first];
    for (;;) {
      const next = await call({ action: 'scroll', direction: 'down' });
      if (typeof next !== 'string') {
        expect(next.error).toMatch(/^Already at the end of/);
        break;
      }
      views.push(next);
    }
    const ranges = views.map((view) => /View (\d+)–(\d+) of/.exec(view)!.slice(1).map(Number) as [number, number]);
    expect(ranges[0]![0]).toBe(1);
    for (let index = 1; index < ranges.length; index++) expect(ranges[index]![0]).toBe(ranges[index - 1]![1] + 1);
    expect(ranges.at(-1)![1]).toBe(total);
    expect(views.at(-1)).toContain('(scroll up for earlier text; end of page)');
    const up = text(await call({ action: 'scroll', direction: 'up' }));
    expect(up).toContain(`View ${ranges.at(-2)![0]}–${ranges.at(-2)![1]} of`);
  });

  it('finds text: reports the matches and moves the view to the next one', async () => {
    const { call } = caller(tool, 'find');
    await call({ action: 'open', url: `${site.origin}/long` });
    const first = text(await call({ action: 'find', text: 'a NEEDLE' }));
    expect(first).toContain('Match 1 of 4 for "a NEEDLE".');
    expect(pageBody(first)).toMatch(/^Title: Long page\n\nParagraph 10 of the long page .* Here is a needle\./);
    const second = text(await call({ action: 'find', text: 'a NEEDLE' }));
    expect(second).toContain('Match 2 of 4');
    expect(pageBody(second)).toMatch(/^Title: Long page\n\nParagraph 20 /);
    await call({ action: 'find', text: 'a NEEDLE' });
    await call({ action: 'find', text: 'a NEEDLE' });
    expect(text(await call({ action: 'find', text: 'a NEEDLE' }))).toContain('Match 1 of 4 for "a NEEDLE" (no more matches below; back to the first).');
    expect(failure(await call({ action: 'find', text: 'haystack' }))).toBe(`"haystack" does not occur on ${site.origin}/long. Try fewer or other words.`);
  });

  it('records a quote that occurs on the page as a source, and refuses one that does not', async () => {
    const { call, sources } = caller(tool, 'quote');
    await call({ action: 'open', url: `${site.origin}/quote` });
    // Markdown (bold) and a link marker sit in the page text; the quote is the words a reader sees.
    const quoted = await call({ action: 'quote', text: 'It is painted International Orange.' });
    expect(quoted).toBe(`Quote 1 recorded from ${site.origin}/quote. Cite it in your answer as [1] with that URL.`);
    const second = await call({ action: 'quote', text: 'The Golden Gate Bridge opened in 1937' });
    expect(second).toMatch(/^Quote 2 recorded/);
    expect(await call({ action: 'quote', text: 'It is painted International Orange.' })).toMatch(/^Quote 1 recorded/);
    expect(failure(await call({ action: 'quote', text: 'The bridge opened in 1938' }))).toBe(
      `That passage does not occur on ${site.origin}/quote. Quote the page word for word (use find to check), or open the page that says it.`,
    );
    expect(sources).toEqual([
      { url: `${site.origin}/quote`, title: 'Facts' },
      { url: `${site.origin}/quote`, title: 'Facts', quote: 'It is painted International Orange.' },
      { url: `${site.origin}/quote`, title: 'Facts', quote: 'The Golden Gate Bridge opened in 1937' },
      { url: `${site.origin}/quote`, title: 'Facts', quote: 'It is painted International Orange.' },
    ]);
  });

  it('tells the model what was refused: the URL, a redirect out of the policy, the page\'s own requests', async () => {
    const { call, sources } = caller(tool, 'refusals');
    expect(failure(await call({ action: 'follow', link: 1 }))).toMatch(/^No page is open in this browser session yet/);
    expect(failure(await call({ action: 'open', url: 'http://169.254.169.254/latest/meta-data/' }))).toMatch(
      /^Refused http:\/\/169\.254\.169\.254\/latest\/meta-data\/: 169\.254\.169\.254 is a cloud metadata address\./,
    );
    expect(failure(await call({ action: 'open', url: `${site.origin}/bounce?to=page` }))).toMatch(
      new RegExp(`^Refused ${forbidden.origin}/bounced-page: .* \\(reached by a redirect from ${site.origin}/bounce\\?to=page\\)$`),
    );
    const attack = text(await call({ action: 'open', url: `${site.origin}/attack` }));
    expect(attack).toMatch(/The web policy blocked \d+ requests this page made \(not loaded; the page may be incomplete\):\n- Refused /);
    const redirected = text(await call({ action: 'open', url: `${site.origin}/to-start` }));
    expect(redirected).toContain(`URL: ${site.origin}/start\n`);
    expect(redirected).toContain(`(Redirected from ${site.origin}/to-start.)`);
    const missing = text(await call({ action: 'open', url: `${site.origin}/missing` }));
    expect(missing).toContain('The server answered HTTP 404; the text below is its error page.');
    expect(sources.map((source) => source.url)).toEqual([`${site.origin}/attack`, `${site.origin}/start`, `${site.origin}/missing`]);
    expect(forbidden.requests).toEqual([]);
    expect(forbidden.connections).toBe(0);
  });

  it('reads JSON and PDF documents as served, and sends downloads to web_fetch', async () => {
    const { call } = caller(tool, 'documents');
    expect(pageBody(await call({ action: 'open', url: `${site.origin}/data.json` }))).toContain('"bridge": "Golden Gate"');
    expect(pageBody(await call({ action: 'open', url: `${site.origin}/two-pages.pdf` }))).toContain('--- page 1 ---\n\nHello from page one');
    expect(failure(await call({ action: 'open', url: `${site.origin}/export.csv` }))).toBe(
      `${site.origin}/export.csv is a file download, not a page: read it with web_fetch.`,
    );
  });

  it('refuses where a page sends itself by script or meta refresh', async () => {
    // Waiting for network idle is what gives a page's own navigation time to start.
    const waiting = createBrowserTool({ policy, chromium });
    const { call } = caller(waiting, 'client-redirects');
    expect(failure(await call({ action: 'open', url: `${site.origin}/js-redirect` }))).toMatch(
      new RegExp(`^Refused http://169\\.254\\.169\\.254/latest/: .* \\(the page at ${site.origin}/js-redirect went there by itself\\)$`),
    );
    expect(failure(await call({ action: 'open', url: `${site.origin}/meta-refresh` }))).toMatch(
      new RegExp(`^Refused ${forbidden.origin}/refreshed: .* \\(the page at ${site.origin}/meta-refresh went there by itself\\)$`),
    );
    expect(forbidden.requests).toEqual([]);
    await waiting.close();
  });

  it('keeps one session per run and closes it when the run ends', async () => {
    const browser = (await chromium.browser())!;
    const contextsBefore = browser.contexts().length;
    const first = caller(tool, 'run-a');
    const second = caller(tool, 'run-b');
    await first.call({ action: 'open', url: `${site.origin}/a` });
    await second.call({ action: 'open', url: `${site.origin}/b` });
    expect(browser.contexts().length).toBe(contextsBefore + 2);
    expect(failure(await first.call({ action: 'back' }))).toContain(`${site.origin}/a is the first page`);
    expect(failure(await second.call({ action: 'back' }))).toContain(`${site.origin}/b is the first page`);
    await tool.onRunEnd!('run-a');
    expect(browser.contexts().length).toBe(contextsBefore + 1);
    expect(failure(await first.call({ action: 'back' }))).toMatch(/^No page is open/);
    expect(pageBody(await second.call({ action: 'find', text: 'page B' }))).toContain('This is page B');
    await tool.onRunEnd!('run-b');
    expect(browser.contexts().length).toBe(contextsBefore);
  });

  it('offers the model one object schema and names the missing field', () => {
    const schema = toModelJsonSchema(tool.schema);
    expect(schema.type).toBe('object');
    expect(schema).not.toHaveProperty('oneOf');
    expect(schema).not.toHaveProperty('anyOf');
    const parsed = tool.schema.safeParse({ action: 'follow' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map(({ path, message }) => ({ path, message }))).toEqual([
      { path: ['link'], message: 'The follow action needs link: the number N shown as [N] after a link on the current page.' },
    ]);
  });
});

describe('browser process', () => {
  it('says how to install Chromium when the binary is missing', async () => {
    const renderer = new ChromiumRenderer({ executablePath: '/nonexistent/chromium' });
    const error = await renderer.render(`${site.origin}/a`, { policy }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatchInlineSnapshot(
      `"Chromium not found at /nonexistent/chromium; install it (apt-get install chromium) or set GANTRY_CHROMIUM to its path."`,
    );
  });

  it('a tool with its own browser closes it when its last session ends', async () => {
    const own = createBrowserTool({ policy });
    const { call } = caller(own, 'solo');
    text(await call({ action: 'open', url: `${site.origin}/a` }));
    expect(chromiumChildren().length).toBe(2);
    await own.onRunEnd!('solo');
    await expect.poll(() => chromiumChildren().length, { timeout: 5_000 }).toBe(1);
    await own.close();
  });

  it('closes the shared browser, leaving no Chromium process behind', async () => {
    const browser = (await chromium.browser())!;
    expect(browser.isConnected()).toBe(true);
    expect(chromiumChildren().length).toBe(1);
    await chromium.close();
    expect(browser.isConnected()).toBe(false);
    await expect.poll(() => chromiumChildren().length, { timeout: 5_000 }).toBe(0);
  });
});

/** The part of the browser's RTCPeerConnection the WebRTC test uses. */
interface PeerConnection {
  createDataChannel(label: string): unknown;
  createOffer(): Promise<unknown>;
  setLocalDescription(description: unknown): Promise<void>;
  readonly iceGatheringState: string;
  close(): void;
}

/** Chromium processes started by this test process. */
function chromiumChildren(): string[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-f', 'chromium'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
