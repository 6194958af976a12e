/**
 * The contract between document indexes and the tools that search them. `retrieval_search` (in
 * `src/tools/retrieval/`) depends only on `PassageSearcher`, never on how an index stores chunks.
 */

/** The kinds of file an index can load. */
export type DocumentType = 'text' | 'markdown' | 'html' | 'pdf' | 'json' | 'jsonl';

/** Where a passage sits in its document; every field is optional because formats differ. */
export interface PassageLocation {
  /** The heading path of the section, outermost first: `"Install › From source"`. */
  heading?: string;
  /** 1-based page number (PDF). */
  page?: number;
  /** 1-based, inclusive line range in the source file (text, Markdown, JSONL). */
  lineStart?: number;
  lineEnd?: number;
}

/** One search hit. */
export interface Passage extends PassageLocation {
  /** The chunk's id in its index; stable until its file changes. */
  id: number;
  /** The file the passage came from, as an absolute path. */
  source: string;
  type: DocumentType;
  text: string;
  /** Higher is better. BM25 (sign flipped), cosine similarity, or a fused RRF score, by mode. */
  score: number;
  tags: string[];
}

/** Narrows a search. All given fields must match. */
export interface SearchFilter {
  /** A path prefix (`/docs/api/`) or a glob with `*` and `**` (`** /*.md` without the space). */
  path?: string;
  type?: DocumentType | DocumentType[];
  /** Every listed tag must be on the document. */
  tags?: string[];
}

export type SearchMode = 'lexical' | 'vector' | 'hybrid';

export interface SearchOptions {
  /** Number of passages (default 5, at most 50). */
  k?: number;
  filter?: SearchFilter;
  /** Default: `hybrid` when the index has vectors and an embedder, else `lexical`. */
  mode?: SearchMode;
  signal?: AbortSignal;
}

/** Anything that answers a query with ranked passages. */
export interface PassageSearcher {
  search(query: string, options?: SearchOptions): Promise<Passage[]>;
}
