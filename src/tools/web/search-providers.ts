import { UserError } from '../../agent/errors.ts';
import { guardedFetch, type GuardedResponse } from '../../net/guarded-fetch.ts';
import type { WebPolicy } from '../../net/web-policy.ts';

/** One hit, as every provider's results are normalised. */
export interface SearchResult {
  title: string;
  url: string;
  snippet: string;
}

/** A web search backend. Implementations only translate; safety comes from `guardedFetch`. */
export interface SearchProvider {
  readonly name: string;
  search(query: string, options: { count: number; signal?: AbortSignal }): Promise<SearchResult[]>;
}

export const SEARCH_PROVIDER_NAMES = ['searxng', 'brave', 'tavily'] as const;
export type SearchProviderName = (typeof SEARCH_PROVIDER_NAMES)[number];

const SEARCH_TIMEOUT_MS = 15_000;
const SEARCH_MAX_BYTES = 2 * 2 ** 20;

/**
 * The endpoint the user configured is allowed on purpose, even on a private address: a
 * self-hosted SearxNG usually runs on localhost or the intranet.
 */
function allowingOrigin(policy: WebPolicy, endpoint: URL): WebPolicy {
  const port = Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80));
  return { ...policy, allow: [...policy.allow, { host: endpoint.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port }] };
}

async function requestJson(options: {
  provider: string;
  url: URL;
  policy: WebPolicy;
  signal?: AbortSignal;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}): Promise<unknown> {
  const { provider, url, policy, ...rest } = options;
  const response: GuardedResponse = await guardedFetch(url, {
    ...rest,
    policy: allowingOrigin(policy, url),
    timeoutMs: SEARCH_TIMEOUT_MS,
    maxBytes: SEARCH_MAX_BYTES,
    headers: { accept: 'application/json', ...rest.headers },
  });
  const text = response.body.toString('utf8');
  if (response.status >= 400) {
    throw new Error(`${provider} answered HTTP ${response.status}: ${text.slice(0, 300).trim() || '(empty body)'}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${provider} did not answer with JSON (content-type ${response.contentType || 'none'}): ${text.slice(0, 200).trim()}`);
  }
}

function toResults(items: unknown, fields: { snippet: string }, count: number): SearchResult[] {
  if (!Array.isArray(items)) return [];
  return items
    .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null && typeof item.url === 'string')
    .slice(0, count)
    .map((item) => ({
      title: typeof item.title === 'string' ? item.title : String(item.url),
      url: item.url as string,
      snippet: typeof item[fields.snippet] === 'string' ? stripTags(item[fields.snippet] as string) : '',
    }));
}

/** Snippets may carry highlighting markup (`<strong>`); the model only needs the words. */
function stripTags(text: string): string {
  return text.replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim();
}

/** SearxNG's JSON API (self-hosted, no key); the instance must have the `json` format enabled. */
export function searxngProvider(options: { baseUrl: string; policy: WebPolicy }): SearchProvider {
  const base = parseEndpoint('SEARXNG_URL', options.baseUrl);
  return {
    name: 'searxng',
    async search(query, { count, signal }) {
      const url = new URL('search', withSlash(base));
      url.search = new URLSearchParams({ q: query, format: 'json' }).toString();
      const body = (await requestJson({ provider: 'SearxNG', url, policy: options.policy, signal })) as { results?: unknown };
      return toResults(body.results, { snippet: 'content' }, count);
    },
  };
}

/** Brave Search API; the key travels in `X-Subscription-Token`, never in the URL. */
export function braveProvider(options: { apiKey: string; baseUrl?: string; policy: WebPolicy }): SearchProvider {
  const base = parseEndpoint('Brave base URL', options.baseUrl ?? 'https://api.search.brave.com');
  return {
    name: 'brave',
    async search(query, { count, signal }) {
      const url = new URL('res/v1/web/search', withSlash(base));
      url.search = new URLSearchParams({ q: query, count: String(Math.min(count, 20)) }).toString();
      const body = (await requestJson({
        provider: 'Brave Search',
        url,
        policy: options.policy,
        signal,
        headers: { 'x-subscription-token': options.apiKey },
      })) as { web?: { results?: unknown } };
      return toResults(body.web?.results, { snippet: 'description' }, count);
    },
  };
}

/** Tavily's search API; the key travels as a bearer token. */
export function tavilyProvider(options: { apiKey: string; baseUrl?: string; policy: WebPolicy }): SearchProvider {
  const base = parseEndpoint('Tavily base URL', options.baseUrl ?? 'https://api.tavily.com');
  return {
    name: 'tavily',
    async search(query, { count, signal }) {
      const url = new URL('search', withSlash(base));
      const body = (await requestJson({
        provider: 'Tavily',
        url,
        policy: options.policy,
        signal,
        method: 'POST',
        headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query, max_results: Math.min(count, 20) }),
      })) as { results?: unknown };
      return toResults(body.results, { snippet: 'content' }, count);
    },
  };
}

export const NO_SEARCH_PROVIDER_HELP =
  'No web search provider is configured. Set one of: SEARXNG_URL=http://localhost:8888 (a self-hosted ' +
  'SearxNG with the json format enabled, no key), BRAVE_API_KEY=... (Brave Search API), or ' +
  'TAVILY_API_KEY=... (Tavily). With several configured, choose with GANTRY_SEARCH_PROVIDER=searxng|brave|tavily.';

/**
 * The provider the environment configures: `GANTRY_SEARCH_PROVIDER` names it, else the first of
 * SearxNG, Brave and Tavily whose setting is present. Undefined when none is.
 */
export function searchProviderFromEnv(options: { env?: NodeJS.ProcessEnv; policy: WebPolicy }): SearchProvider | undefined {
  const env = options.env ?? process.env;
  const chosen = env.GANTRY_SEARCH_PROVIDER?.trim().toLowerCase();
  const configured: Record<SearchProviderName, () => SearchProvider | undefined> = {
    searxng: () => (env.SEARXNG_URL ? searxngProvider({ baseUrl: env.SEARXNG_URL, policy: options.policy }) : undefined),
    brave: () => (env.BRAVE_API_KEY ? braveProvider({ apiKey: env.BRAVE_API_KEY, policy: options.policy }) : undefined),
    tavily: () => (env.TAVILY_API_KEY ? tavilyProvider({ apiKey: env.TAVILY_API_KEY, policy: options.policy }) : undefined),
  };
  if (chosen) {
    if (!(SEARCH_PROVIDER_NAMES as readonly string[]).includes(chosen)) {
      throw new UserError(`GANTRY_SEARCH_PROVIDER=${chosen} is not a provider: use ${SEARCH_PROVIDER_NAMES.join(', ')}.`);
    }
    const provider = configured[chosen as SearchProviderName]();
    if (!provider) {
      const needs = { searxng: 'SEARXNG_URL', brave: 'BRAVE_API_KEY', tavily: 'TAVILY_API_KEY' }[chosen as SearchProviderName];
      throw new UserError(`GANTRY_SEARCH_PROVIDER=${chosen} needs ${needs} to be set.`);
    }
    return provider;
  }
  for (const name of SEARCH_PROVIDER_NAMES) {
    const provider = configured[name]();
    if (provider) return provider;
  }
  return undefined;
}

function parseEndpoint(what: string, value: string): URL {
  const url = URL.parse(value);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UserError(`${what} must be an http(s) URL such as http://localhost:8888; got ${JSON.stringify(value)}.`);
  }
  return url;
}

function withSlash(url: URL): URL {
  return url.pathname.endsWith('/') ? url : new URL(`${url.href}/`);
}
