import { z } from 'zod';
import { describeError } from '../../agent/errors.ts';
import { webPolicyFromEnv, type WebPolicy } from '../../net/web-policy.ts';
import { tool, type Tool, type ToolFailure } from '../tool.ts';
import { NO_SEARCH_PROVIDER_HELP, searchProviderFromEnv, type SearchProvider, type SearchResult } from './search-providers.ts';
import { markUntrusted } from './untrusted.ts';

export interface WebSearchOptions {
  /** The backend; default: the one the environment configures (`searchProviderFromEnv`). */
  provider?: SearchProvider;
  policy?: WebPolicy;
  env?: NodeJS.ProcessEnv;
  /** Results when the model does not ask for a number (default 5). */
  defaultCount?: number;
}

const MAX_COUNT = 20;

const schema = z.object({
  query: z.string().min(1).max(400).describe('What to search the web for, as you would type it into a search engine.'),
  count: z.number().int().min(1).max(MAX_COUNT).optional().describe('How many results (default 5).'),
});

/**
 * `web_search`: ranked results (title, URL, snippet) from a pluggable provider. Results are web
 * content, so they come back marked as untrusted; read pages with `web_fetch` or `browser`.
 */
export function createWebSearch(options: WebSearchOptions = {}): Tool<z.infer<typeof schema>, string | ToolFailure> {
  const policy = options.policy ?? webPolicyFromEnv(options.env);
  // Resolved once: a misconfigured environment is a UserError when the tool is created.
  const provider = options.provider ?? searchProviderFromEnv({ env: options.env, policy });
  const defaultCount = options.defaultCount ?? 5;
  return tool({
    name: 'web_search',
    description:
      'Searches the web and returns ranked results (title, URL, snippet). Use it for facts that may be newer than your ' +
      'training data or that you are unsure of; then read the most relevant pages with web_fetch or browser, and cite the URLs.',
    schema,
    execute: async ({ query, count }, { signal }): Promise<string | ToolFailure> => {
      if (!provider) return { ok: false, error: NO_SEARCH_PROVIDER_HELP };
      let results: SearchResult[];
      try {
        results = await provider.search(query, { count: count ?? defaultCount, signal });
      } catch (error) {
        return { ok: false, error: `The ${provider.name} search failed: ${describeError(error)}` };
      }
      if (results.length === 0) return `No results for ${JSON.stringify(query)} (${provider.name}). Try other words.`;
      const listing = results
        .map((result, index) => `[${index + 1}] ${result.title}\n    ${result.url}${result.snippet ? `\n    ${result.snippet}` : ''}`)
        .join('\n');
      return markUntrusted({ url: `${provider.name}:search`, title: `Search results for ${JSON.stringify(query)}`, text: listing });
    },
  });
}
