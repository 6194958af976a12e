/**
 * The web tools' costs, against pages served on 127.0.0.1 (nothing leaves the machine):
 *
 *   node bench/web.ts [--runs 10] [--json]
 *
 * 1. fetch + extract time for a 1 MB HTML page (guarded fetch, Readability, Markdown);
 * 2. browser page-load overhead versus a plain fetch, for a 50 KB page (warm Chromium);
 * 3. the prompt tokens a 20-step browse of 50 KB pages sends with web_fetch's windows, versus a
 *    naive fetch tool that returns whole pages. Tokens are Gantry's character estimate (chars/4)
 *    summed over every model request of the run, since each request resends the history.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createAgent, tool } from '../src/index.ts';
import { estimateTokens } from '../src/agent/usage.ts';
import { guardedFetch } from '../src/net/guarded-fetch.ts';
import type { WebPolicy } from '../src/net/web-policy.ts';
import { ScriptedChatModel } from '../src/testing/index.ts';
import { ChromiumRenderer } from '../src/tools/web/browser/chromium-renderer.ts';
import { extractContent } from '../src/tools/web/extract.ts';
import { createWebFetch } from '../src/tools/web/web-fetch.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, json: { type: 'boolean', default: false } } });
const runs = Number(values.runs);
const STEPS = 20;

/** An article of about `bytes` of HTML: headings, paragraphs and links, like a long wiki page. */
function article(bytes: number, seed: number): string {
  const parts = [`<!doctype html><html><head><title>Page ${seed}</title></head><body><nav><a href="/">Home</a> <a href="/about">About</a></nav><article><h1>Page ${seed}</h1>`];
  let size = parts[0]!.length;
  for (let index = 0; size < bytes; index++) {
    const paragraph =
      (index % 12 === 0 ? `<h2>Section ${index / 12 + 1}</h2>` : '') +
      `<p>Paragraph ${index} of page ${seed}: the survey describes tool manipulation, environments and plugins; ` +
      `see <a href="/page/${(seed + index) % 97}">related page ${index}</a> for the measured results, which ` +
      `compare ${index * 7} runs across ${index % 13} settings and report the mean and the spread.</p>`;
    parts.push(paragraph);
    size += paragraph.length;
  }
  parts.push('</article><footer>Footer text</footer></body></html>');
  return parts.join('');
}

const pages = new Map<string, string>([['/big', article(1_000_000, 0)]]);
for (let index = 0; index < STEPS; index++) pages.set(`/page-${index}`, article(50_000, index + 1));

const server = createServer((request, response) => {
  const body = pages.get(request.url ?? '');
  response.writeHead(body ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
  response.end(body ?? 'not found');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const base = `http://127.0.0.1:${port}`;
const policy: WebPolicy = { allow: [{ host: '127.0.0.1', port }] };

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
async function time(task: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await task();
  return performance.now() - started;
}
async function fetchAndExtract(url: string) {
  const response = await guardedFetch(url, { policy });
  return extractContent({ body: response.body, contentType: response.headers.get('content-type') ?? '', url: response.url });
}

// 1. A 1 MB page.
await fetchAndExtract(`${base}/big`);
const bigSamples: number[] = [];
for (let run = 0; run < runs; run++) bigSamples.push(await time(() => fetchAndExtract(`${base}/big`)));
const bigText = (await fetchAndExtract(`${base}/big`)).text.length;

// 2. Browser versus plain fetch for a 50 KB page, with Chromium already running.
const renderer = new ChromiumRenderer();
await renderer.render(`${base}/page-0`, { policy });
const plainSamples: number[] = [];
const browserSamples: number[] = [];
for (let run = 0; run < runs; run++) {
  plainSamples.push(await time(() => fetchAndExtract(`${base}/page-0`)));
  browserSamples.push(await time(async () => {
    const page = await renderer.render(`${base}/page-0`, { policy });
    return extractContent({ body: Buffer.from(page.html), contentType: 'text/html', url: page.url });
  }));
}
await renderer.close();

// 3. A 20-step browse: the same scripted model reads 20 pages, then answers.
async function browseTokens(fetchTool: ReturnType<typeof createWebFetch> | ReturnType<typeof tool>, toolName: string): Promise<number> {
  const model = new ScriptedChatModel({
    replies: [
      ...Array.from({ length: STEPS }, (_, index) => ({ toolCalls: [{ name: toolName, args: { url: `${base}/page-${index}` } }] })),
      'Done reading.',
    ],
  });
  const result = await createAgent({ model, tools: [fetchTool], limits: { maxSteps: STEPS + 1, maxToolOutputChars: 200_000 } }).run('Read the twenty pages.');
  if (result.stopReason !== 'final') throw new Error(`The browse stopped with ${result.stopReason}.`);
  return model.requests.reduce((sum, request) => sum + request.messages.reduce((total, message) => total + estimateTokens(String(message.content)), 0), 0);
}
const wholePageFetch = tool({
  name: 'fetch_whole_page',
  description: 'Returns a whole page as Markdown.',
  schema: z.object({ url: z.string() }),
  execute: async ({ url }) => (await fetchAndExtract(url)).text,
});
const windowedTokens = await browseTokens(createWebFetch({ policy }), 'web_fetch');
const wholeTokens = await browseTokens(wholePageFetch, 'fetch_whole_page');
server.close();

const figures = {
  fetchExtract1MB: { runs, medianMs: median(bigSamples), extractedChars: bigText },
  browserVersusFetch50KB: { runs, plainMedianMs: median(plainSamples), browserMedianMs: median(browserSamples), overheadMs: median(browserSamples) - median(plainSamples) },
  browse20Pages50KB: { windowedPromptTokens: windowedTokens, wholePagePromptTokens: wholeTokens, ratio: windowedTokens / wholeTokens },
};
if (values.json) {
  console.log(JSON.stringify(figures, null, 2));
} else {
  const f = figures;
  console.log(`Web tools, Node ${process.version}, ${runs} runs each, pages served on 127.0.0.1.`);
  console.log(`fetch + extract, 1 MB page:          median ${f.fetchExtract1MB.medianMs.toFixed(1)} ms (${f.fetchExtract1MB.extractedChars} characters of Markdown)`);
  console.log(`50 KB page, plain fetch + extract:   median ${f.browserVersusFetch50KB.plainMedianMs.toFixed(1)} ms`);
  console.log(`50 KB page, Chromium render + extract: median ${f.browserVersusFetch50KB.browserMedianMs.toFixed(1)} ms (overhead ${f.browserVersusFetch50KB.overheadMs.toFixed(1)} ms)`);
  console.log(
    `20-step browse of 50 KB pages, prompt tokens: windowed ${f.browse20Pages50KB.windowedPromptTokens}, whole pages ` +
      `${f.browse20Pages50KB.wholePagePromptTokens}: ${(f.browse20Pages50KB.ratio * 100).toFixed(1)}% (goal ≤ 25%)`,
  );
}
