import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/agent/errors.ts';
import type { ToolFailure } from '../../../src/tools/tool.ts';
import { braveProvider, searchProviderFromEnv, searxngProvider, tavilyProvider } from '../../../src/tools/web/search-providers.ts';
import { createWebSearch } from '../../../src/tools/web/web-search.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A fake search API on 127.0.0.1 that answers every request with `reply` and records it. */
async function fakeApi(reply: (request: Seen) => { status?: number; body: unknown }): Promise<{ base: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const record = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body };
      seen.push(record);
      const answer = reply(record);
      response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
      response.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
}

const noPrivateAccess = { allow: [] };
const call = { toolCallId: 'c', runId: 'r', signal: new AbortController().signal, context: undefined };

describe('search providers', () => {
  it('SearxNG: the configured endpoint is allowed even on loopback', async () => {
    const api = await fakeApi(() => ({
      body: { results: [{ title: 'Gantry', url: 'https://example.org/g', content: 'A <b>runtime</b> for agents' }, { title: 'no url' }] },
    }));
    const results = await searxngProvider({ baseUrl: api.base, policy: noPrivateAccess }).search('gantry agents', { count: 5 });
    expect(results).toEqual([{ title: 'Gantry', url: 'https://example.org/g', snippet: 'A runtime for agents' }]);
    expect(api.seen[0]!.url).toBe('/search?q=gantry+agents&format=json');
    expect(api.seen[0]!.headers['user-agent']).toMatch(/Gantry/);
  });

  it('Brave: key in a header, results from web.results', async () => {
    const api = await fakeApi(() => ({ body: { web: { results: [{ title: 'A', url: 'https://a.example', description: 'first' }, { title: 'B', url: 'https://b.example', description: 'second' }] } } }));
    const results = await braveProvider({ apiKey: 'brave-key', baseUrl: api.base, policy: noPrivateAccess }).search('q', { count: 1 });
    expect(results).toEqual([{ title: 'A', url: 'https://a.example', snippet: 'first' }]);
    expect(api.seen[0]!.url).toBe('/res/v1/web/search?q=q&count=1');
    expect(api.seen[0]!.headers['x-subscription-token']).toBe('brave-key');
  });

  it('Tavily: POSTs the query with a bearer key', async () => {
    const api = await fakeApi(() => ({ body: { results: [{ title: 'T', url: 'https://t.example', content: 'tavily says' }] } }));
    const results = await tavilyProvider({ apiKey: 'tvly-key', baseUrl: api.base, policy: noPrivateAccess }).search('what is new', { count: 3 });
    expect(results).toEqual([{ title: 'T', url: 'https://t.example', snippet: 'tavily says' }]);
    expect(api.seen[0]!.method).toBe('POST');
    expect(api.seen[0]!.headers.authorization).toBe('Bearer tvly-key');
    expect(JSON.parse(api.seen[0]!.body)).toEqual({ query: 'what is new', max_results: 3 });
  });

  it('chooses from the environment', () => {
    expect(searchProviderFromEnv({ env: {}, policy: noPrivateAccess })).toBeUndefined();
    expect(searchProviderFromEnv({ env: { TAVILY_API_KEY: 'k' }, policy: noPrivateAccess })!.name).toBe('tavily');
    expect(searchProviderFromEnv({ env: { SEARXNG_URL: 'http://localhost:8888', BRAVE_API_KEY: 'k' }, policy: noPrivateAccess })!.name).toBe('searxng');
    expect(searchProviderFromEnv({ env: { GANTRY_SEARCH_PROVIDER: 'brave', SEARXNG_URL: 'http://x', BRAVE_API_KEY: 'k' }, policy: noPrivateAccess })!.name).toBe('brave');
    expect(() => searchProviderFromEnv({ env: { GANTRY_SEARCH_PROVIDER: 'bing' }, policy: noPrivateAccess })).toThrow(UserError);
    expect(() => searchProviderFromEnv({ env: { GANTRY_SEARCH_PROVIDER: 'tavily' }, policy: noPrivateAccess })).toThrow('needs TAVILY_API_KEY');
    expect(() => searchProviderFromEnv({ env: { SEARXNG_URL: 'localhost:8888' }, policy: noPrivateAccess })).toThrow('must be an http(s) URL');
  });
});

describe('web_search', () => {
  it('lists ranked results, marked as untrusted', async () => {
    const api = await fakeApi(() => ({ body: { results: [{ title: 'One', url: 'https://one.example', content: 'snippet one' }, { title: 'Two', url: 'https://two.example', content: '' }] } }));
    const output = (await createWebSearch({ env: { SEARXNG_URL: api.base } }).execute({ query: 'q' }, call)) as string;
    expect(output).toContain('[1] One\n    https://one.example\n    snippet one\n[2] Two\n    https://two.example');
    expect(output).toMatch(/untrusted/i);
  });

  it('says how to configure a provider when none is', async () => {
    const output = (await createWebSearch({ env: {} }).execute({ query: 'q' }, call)) as ToolFailure;
    expect(output.ok).toBe(false);
    expect(output.error).toContain('No web search provider is configured. Set one of: SEARXNG_URL=');
  });

  it('reports a provider error as a tool failure, without the key', async () => {
    const api = await fakeApi(() => ({ status: 401, body: { error: 'bad token' } }));
    const output = (await createWebSearch({ provider: braveProvider({ apiKey: 'secret-brave-key', baseUrl: api.base, policy: noPrivateAccess }) }).execute({ query: 'q' }, call)) as ToolFailure;
    expect(output.error).toBe('The brave search failed: Brave Search answered HTTP 401: {"error":"bad token"}');
    expect(output.error).not.toContain('secret-brave-key');
  });
});
