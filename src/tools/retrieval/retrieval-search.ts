import { z } from 'zod';
import { describeError, isAbortError } from '../../agent/errors.ts';
import type { DocumentType, Passage, PassageSearcher, SearchFilter } from '../../memory/passages.ts';
import { tool, type Tool, type ToolFailure } from '../tool.ts';
import { markUntrusted } from '../web/untrusted.ts';
import { fitTexts, passageHeader, passageUrl } from './passage-format.ts';

export interface RetrievalSearchOptions {
  /** Where passages come from: a `DocumentIndex`, or anything that ranks passages for a query. */
  searcher: PassageSearcher;
  /** The tool name the model sees (default `retrieval_search`); give each index its own when offering several. */
  name?: string;
  /** Replaces the default description, for example to say what the documents are about. */
  description?: string;
  /** Passages when the model does not ask for a number (default 5, at most 20). */
  defaultK?: number;
  /** The most characters of passage text in one result, shared among the passages (default 10,000). */
  maxChars?: number;
}

const MAX_K = 20;
const DEFAULT_K = 5;
const DEFAULT_MAX_CHARS = 10_000;
// A mapped type, so adding a type to `DocumentType` fails to compile until it is listed here.
const DOCUMENT_TYPES: { [Type in DocumentType]: Type } = {
  text: 'text', markdown: 'markdown', html: 'html', pdf: 'pdf', json: 'json', jsonl: 'jsonl',
};

const DEFAULT_DESCRIPTION =
  'Searches the indexed documents (local files) and returns the most relevant passages, numbered, each with its source ' +
  'file, location (section heading, page or line range) and a relevance score. Use it before answering questions about ' +
  'these documents, and cite the passages you rely on by number, source and location. If nothing relevant comes back, ' +
  'search again with other words.';

const documentType = z.enum(DOCUMENT_TYPES);
const TYPE_ERROR = `expected one of ${Object.keys(DOCUMENT_TYPES).map((type) => `"${type}"`).join(', ')}, or a list of them`;

const schema = z.object({
  query: z.string().trim().min(1).max(1000).describe(
    'What to look for: a question or its key words, e.g. "how to install from source".',
  ),
  k: z.number().int().min(1).max(MAX_K).optional().describe(`How many passages to return (1-${MAX_K}, default ${DEFAULT_K}).`),
  filter: z.object({
    path: z.string().min(1).optional().describe(
      'Only documents under this path prefix (e.g. "/docs/api/") or matching this glob (e.g. "**/*.md").',
    ),
    type: z.union([documentType, z.array(documentType).min(1)], { error: TYPE_ERROR }).optional().describe(
      'Only documents of this type, or of any of these types.',
    ),
    tags: z.array(z.string().min(1)).optional().describe('Only documents that carry every one of these tags.'),
  }).optional().describe('Narrows the search; leave it out to search everything.'),
});

type RetrievalSearchInput = z.infer<typeof schema>;

/**
 * `retrieval_search`: ranked passages from a document index, numbered so the model can cite
 * them. Passage text is the documents' own and may contain instructions, so it comes back marked
 * as untrusted; each passage returned is recorded as a source (`file://PATH#L12-30` or `#page=3`).
 */
export function createRetrievalSearch(options: RetrievalSearchOptions): Tool<RetrievalSearchInput, string | ToolFailure> {
  const { searcher } = options;
  const defaultK = Math.min(MAX_K, Math.max(1, Math.floor(options.defaultK ?? DEFAULT_K)));
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  return tool({
    name: options.name ?? 'retrieval_search',
    description: options.description ?? DEFAULT_DESCRIPTION,
    schema,
    execute: async ({ query, k, filter }, { signal, recordSource }): Promise<string | ToolFailure> => {
      signal.throwIfAborted();
      let passages: Passage[];
      try {
        passages = await searcher.search(query, { k: k ?? defaultK, signal, ...(filter ? { filter: filter as SearchFilter } : {}) });
      } catch (error) {
        if (signal.aborted || isAbortError(error)) throw error;
        return { ok: false, error: `The document search failed: ${describeError(error)}` };
      }
      if (passages.length === 0) return noPassagesMessage({ query, filter });
      for (const passage of passages) {
        recordSource?.({ url: passageUrl(passage), ...(passage.heading ? { title: passage.heading } : {}) });
      }
      return formatPassages({ query, passages, maxChars });
    },
  });
}

function formatPassages({ query, passages, maxChars }: { query: string; passages: Passage[]; maxChars: number }): string {
  const texts = fitTexts({ texts: passages.map((passage) => passage.text.trim()), maxChars });
  const listing = passages
    .map((passage, index) => `${passageHeader({ passage, number: index + 1 })}\n${texts[index]}`)
    .join('\n\n');
  const sources = new Set(passages.map((passage) => passage.source));
  const [onlySource] = sources;
  const origin = sources.size === 1 && onlySource !== undefined ? `file://${onlySource}` : `${sources.size} indexed documents`;
  const count = passages.length === 1 ? '1 passage' : `${passages.length} passages`;
  return (
    `${count} for ${JSON.stringify(query)}, best first. Cite a passage as [n] with its source and location.\n` +
    markUntrusted({ url: origin, title: `Passages for ${JSON.stringify(query)}`, text: listing })
  );
}

function noPassagesMessage({ query, filter }: Pick<RetrievalSearchInput, 'query' | 'filter'>): string {
  const filtered = filter !== undefined && Object.values(filter).some((value) => value !== undefined);
  return (
    `No passages match ${JSON.stringify(query)}${filtered ? ` with the filter ${JSON.stringify(filter)}` : ''}. ` +
    `Try other words: synonyms, fewer words, or the terms the documents would use${filtered ? ', or a looser filter' : ''}.`
  );
}
