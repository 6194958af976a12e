import type { Command } from 'commander';
import { createRetrievalSearch } from '../tools/retrieval/retrieval-search.ts';
import type { ToolLike } from '../tools/registered-tool.ts';
import type { DocumentIndex } from '../memory/document-index.ts';
import { openNamedIndex } from './named-index.ts';

/** Adds `--index NAME` to `gantry run` and `gantry chat`. */
export function addIndexOption(command: Command): Command {
  return command.option('--index <name>', 'give the agent retrieval_search over this document index (see gantry index add)');
}

/** The `retrieval_search` tool over a named index, and a way to close the index after the run. */
export interface IndexTools {
  tools: ToolLike[];
  close(): void;
}

/**
 * Opens the index named by `--index` (nothing without it). An index built with `openai:`
 * embeddings embeds queries through `baseUrl` / `OPENAI_BASE_URL`, as `gantry index search` does.
 */
export async function openIndexTools({ name, env, baseUrl }: { name: string | undefined; env: NodeJS.ProcessEnv; baseUrl?: string }): Promise<IndexTools> {
  if (name === undefined) return { tools: [], close: () => {} };
  const index: DocumentIndex = await openNamedIndex({ name, env, ...(baseUrl ? { baseUrl } : {}) });
  return {
    tools: [createRetrievalSearch({ searcher: index })],
    close: () => index.close(),
  };
}
