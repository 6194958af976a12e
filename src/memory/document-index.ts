import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { UserError, describeError, isAbortError } from '../agent/errors.ts';
import { chunkDocument, resolveChunking, type Chunk } from './chunker.ts';
import { openDatabase, transaction } from './database.ts';
import { matchAnyWord, queryWords, selectQueryWords } from './fts-query.ts';
import { IndexStore, type StoredDocument } from './index-store.ts';
import { DEFAULT_MAX_FILE_BYTES, loadDocument, walkFiles, type FoundFile } from './loaders.ts';
import type { DocumentType, Passage, PassageSearcher, SearchFilter, SearchMode, SearchOptions } from './passages.ts';
import { compilePathFilter } from './path-filter.ts';
import { reciprocalRankFusion } from './rank-fusion.ts';
import type { VectorMatrix } from './vector-search.ts';

export interface DocumentIndexOptions {
  /** The SQLite file (created if missing), or `:memory:`. */
  file: string;
  /** Embeds chunks when files are added and queries for vector and hybrid search. Without it the index is lexical. */
  embeddings?: EmbeddingsInterface;
}

/** Reported while `add` runs. `scan`: roots walked; `index`: files done; `embed`: chunks of the current file embedded. */
export interface IndexProgress {
  phase: 'scan' | 'index' | 'embed';
  done: number;
  total: number;
  path?: string;
}

export interface AddOptions {
  /** Tags for the files added; given, they replace the tags of files already indexed. */
  tags?: string[];
  /** Largest chunk in characters (default: the index's setting, else 1000). */
  chunkSize?: number;
  /** Overlap between consecutive chunks in characters (default: the index's setting, else 150). */
  chunkOverlap?: number;
  /** Names the embeddings (`"openai:text-embedding-3-small"`); stored on first use, and must match afterwards. */
  embeddingsSpec?: string;
  /** Files larger than this are skipped (default 20 MB). */
  maxFileBytes?: number;
  onProgress?(progress: IndexProgress): void;
  /** Stops between files (and between embedding batches); files already written stay indexed. */
  signal?: AbortSignal;
}

export interface IndexReport {
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  /** Chunks written for added and updated files. */
  chunks: number;
  skipped: { path: string; reason: string }[];
  failed: { path: string; error: string }[];
  durationMs: number;
}

export interface IndexStats {
  documents: number;
  chunks: number;
  vectors: number;
  dimensions?: number;
  embeddingsSpec?: string;
  roots: string[];
  /** Documents per type. */
  byType: Record<string, number>;
  /** When files were last added or removed (ISO 8601). */
  updatedAt?: string;
}

const DOCUMENT_TYPES: readonly DocumentType[] = ['text', 'markdown', 'html', 'pdf', 'json', 'jsonl'];
const SEARCH_MODES: readonly SearchMode[] = ['lexical', 'vector', 'hybrid'];
const EMBEDDING_BATCH = 64;
const DEFAULT_K = 5;
/**
 * At most about this many chunks are scored by BM25 per query (about 10 ms): on a large index the
 * most common query words are left out of the match first (see `selectQueryWords`).
 */
const LEXICAL_ROW_BUDGET = 10_000;
const MAX_K = 50;

/**
 * A folder-and-file index in one SQLite database: chunks searchable by BM25 (FTS5), optionally with
 * dense vectors beside them for vector and hybrid (reciprocal rank fusion) search. Adding is
 * incremental: unchanged files (same SHA-256) are skipped, changed ones re-chunked, and files gone
 * from an added folder dropped. Each file is written in its own short transaction, so other
 * processes sharing the database wait at most one file and an interrupted add keeps what it finished.
 */
export class DocumentIndex implements PassageSearcher {
  readonly #file: string;
  readonly #store: IndexStore;
  readonly #embeddings: EmbeddingsInterface | undefined;
  /** Loaded on the first vector search; dropped when this instance writes or another connection commits. */
  #vectors: { matrix: VectorMatrix | undefined; dataVersion: number } | undefined;
  #closed = false;

  private constructor({ file, store, embeddings }: { file: string; store: IndexStore; embeddings: EmbeddingsInterface | undefined }) {
    this.#file = file;
    this.#store = store;
    this.#embeddings = embeddings;
  }

  static open({ file, embeddings }: DocumentIndexOptions): DocumentIndex {
    if (typeof file !== 'string' || !file.trim()) throw new UserError('DocumentIndex.open needs a file: the path of the index database, or ":memory:".');
    const path = file === ':memory:' ? file : resolve(file);
    const db = openDatabase(path);
    try {
      return new DocumentIndex({ file: path, store: new IndexStore(db), embeddings });
    } catch (error) {
      db.close();
      throw error;
    }
  }

  get file(): string {
    return this.#file;
  }

  /** The embeddings spec stored when the index was created with vectors, or undefined. */
  get embeddingsSpec(): string | undefined {
    return this.#open().getMeta('embeddings_spec');
  }

  /**
   * Indexes files and folders. Unchanged files are skipped; changed files are re-chunked (and
   * re-embedded); files that were indexed under one of `paths` and are gone (or no longer
   * indexable) are removed. A file that fails to load is reported in `failed` and keeps its
   * previous chunks. Throws a UserError for a path that does not exist and was never indexed, and
   * when the embeddings do not match the index (another spec or dimension, vectors on a lexical index).
   */
  async add(paths: string[], options: AddOptions = {}): Promise<IndexReport> {
    const store = this.#open();
    const started = performance.now();
    const { signal, onProgress } = options;
    if (!Array.isArray(paths) || paths.length === 0 || !paths.every((path) => typeof path === 'string' && path.trim())) {
      throw new UserError('add needs a non-empty list of file or folder paths.');
    }
    const roots = [...new Set(paths.map((path) => resolve(path)))];
    const tags = options.tags === undefined ? undefined : validateTags(options.tags, 'tags');
    const chunking = resolveChunking({
      chunkSize: options.chunkSize ?? numberMeta(store.getMeta('chunk_size')),
      chunkOverlap: options.chunkOverlap ?? numberMeta(store.getMeta('chunk_overlap')),
    });
    const chunkingKey = `${chunking.chunkSize}/${chunking.chunkOverlap}`;
    const exists = await Promise.all(roots.map((root) => stat(root).then(() => true, () => false)));
    roots.forEach((root, index) => {
      if (!exists[index] && store.documentsUnder(root).length === 0) {
        throw new UserError(`Cannot add ${root}: no such file or folder (and nothing under it is indexed). Check the path.`);
      }
    });
    const embed = this.#prepareEmbedding(options.embeddingsSpec);
    transaction(store.db, () => {
      store.setMeta('chunk_size', String(chunking.chunkSize));
      store.setMeta('chunk_overlap', String(chunking.chunkOverlap));
    });

    const report: IndexReport = { added: 0, updated: 0, unchanged: 0, removed: 0, chunks: 0, skipped: [], failed: [], durationMs: 0 };
    const files = new Map<string, FoundFile>();
    for (const [index, root] of roots.entries()) {
      signal?.throwIfAborted();
      if (exists[index]) {
        const walked = await walkFiles({ root, maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES });
        for (const file of walked.files) files.set(file.path, file);
        report.skipped.push(...walked.skipped);
      }
      onProgress?.({ phase: 'scan', done: index + 1, total: roots.length, path: root });
    }
    const existing = new Map<string, StoredDocument>();
    for (const root of roots) for (const document of store.documentsUnder(root)) existing.set(document.path, document);
    // Files that are still there in some form; the rest of `existing` is removed at the end.
    const present = new Set<string>();

    let done = 0;
    for (const file of files.values()) {
      signal?.throwIfAborted();
      const previous = existing.get(file.path);
      try {
        const outcome = await this.#indexFile({ file, previous, tags, chunking, chunkingKey, embed, signal, onProgress });
        if (outcome.kind === 'skipped') report.skipped.push({ path: file.path, reason: outcome.reason });
        else {
          present.add(file.path);
          report[outcome.kind]++;
          report.chunks += outcome.chunks;
        }
      } catch (error) {
        if (isAbortError(error) || error instanceof UserError) throw error;
        present.add(file.path);
        report.failed.push({ path: file.path, error: describeError(error) });
      }
      onProgress?.({ phase: 'index', done: ++done, total: files.size, path: file.path });
    }

    const gone = [...existing.values()].filter((document) => !present.has(document.path));
    transaction(store.db, () => {
      for (const document of gone) store.deleteDocument(document.id);
      for (const [index, root] of roots.entries()) if (exists[index]) store.addRoot(root);
      store.setMeta('updated_at', new Date().toISOString());
    });
    report.removed = gone.length;
    if (gone.length > 0) this.#vectors = undefined;
    report.durationMs = performance.now() - started;
    return report;
  }

  /** Loads, chunks, embeds and writes one file, unless its content and chunk settings are unchanged. */
  async #indexFile({ file, previous, tags, chunking, chunkingKey, embed, signal, onProgress }: {
    file: FoundFile;
    previous: StoredDocument | undefined;
    tags: string[] | undefined;
    chunking: { chunkSize: number; chunkOverlap: number };
    chunkingKey: string;
    embed: boolean;
    signal: AbortSignal | undefined;
    onProgress: AddOptions['onProgress'];
  }): Promise<{ kind: 'added' | 'updated' | 'unchanged'; chunks: number } | { kind: 'skipped'; reason: string }> {
    const store = this.#store;
    const bytes = await readFile(file.path);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (previous && previous.sha256 === sha256 && previous.chunking === chunkingKey && previous.type === file.type) {
      if (tags && !sameTags(tags, previous.tags)) transaction(store.db, () => store.updateTags(previous.id, tags));
      return { kind: 'unchanged', chunks: 0 };
    }
    const loaded = await loadDocument({ path: file.path, type: file.type, bytes });
    if ('skipped' in loaded) return { kind: 'skipped', reason: loaded.skipped };
    const chunks = await chunkDocument({ document: loaded.document, ...chunking });
    const vectors = embed ? await this.#embedChunks({ chunks, path: file.path, signal, onProgress }) : undefined;
    transaction(store.db, () => {
      store.writeDocument({
        path: file.path, type: file.type, sha256, size: file.size, mtimeMs: file.mtimeMs, tags: tags ?? previous?.tags ?? [], chunking: chunkingKey, chunks, vectors,
      });
      if (vectors && !store.getMeta('dimensions')) {
        const dimensions = vectors.find((vector) => vector)?.length;
        if (dimensions) store.setMeta('dimensions', String(dimensions));
      }
    });
    this.#vectors = undefined;
    return { kind: previous ? 'updated' : 'added', chunks: chunks.length };
  }

  /**
   * Decides whether this add stores vectors, recording the index's mode on its first add, and
   * throws when the embeddings given do not fit the index.
   */
  #prepareEmbedding(spec: string | undefined): boolean {
    const store = this.#store;
    if (spec !== undefined && (typeof spec !== 'string' || !spec.trim())) throw new UserError('embeddingsSpec must be a non-empty string such as "openai:text-embedding-3-small".');
    if (spec !== undefined && !this.#embeddings) {
      throw new UserError(`embeddingsSpec "${spec}" was given, but the index was opened without embeddings: pass embeddings to DocumentIndex.open.`);
    }
    const mode = store.getMeta('mode');
    const storedSpec = store.getMeta('embeddings_spec');
    if (mode === undefined) {
      transaction(store.db, () => {
        store.setMeta('mode', this.#embeddings ? 'vector' : 'lexical');
        if (spec) store.setMeta('embeddings_spec', spec);
      });
      return this.#embeddings !== undefined;
    }
    if (mode === 'lexical') {
      if (this.#embeddings) {
        throw new UserError(
          `The index ${this.#file} was created without embeddings, so it is lexical only and cannot store vectors. ` +
            'Open it without embeddings to add files, or build a new index with embeddings from the start.',
        );
      }
      return false;
    }
    if (!this.#embeddings) {
      throw new UserError(
        `The index ${this.#file} stores vectors${storedSpec ? ` made with ${storedSpec}` : ''}: open it with the same embeddings to add files.`,
      );
    }
    if (spec && storedSpec && spec !== storedSpec) {
      throw new UserError(
        `The index ${this.#file} was built with the embeddings ${storedSpec}, not ${spec}: vectors from different models cannot be compared. ` +
          `Use ${storedSpec}, or build a new index.`,
      );
    }
    if (spec && !storedSpec) transaction(store.db, () => store.setMeta('embeddings_spec', spec));
    return true;
  }

  /** Embeds a file's chunks (heading path and text) in batches; normalised Float32 vectors, or undefined for a zero vector. */
  async #embedChunks({ chunks, path, signal, onProgress }: {
    chunks: Chunk[];
    path: string;
    signal: AbortSignal | undefined;
    onProgress: AddOptions['onProgress'];
  }): Promise<(Float32Array | undefined)[]> {
    const embeddings = this.#embeddings!;
    const vectors: (Float32Array | undefined)[] = [];
    let dimensions = numberMeta(this.#store.getMeta('dimensions'));
    for (let start = 0; start < chunks.length; start += EMBEDDING_BATCH) {
      signal?.throwIfAborted();
      const batch = chunks.slice(start, start + EMBEDDING_BATCH);
      const embedded = await embeddings.embedDocuments(batch.map((chunk) => (chunk.heading ? `${chunk.heading}\n\n${chunk.text}` : chunk.text)));
      if (!Array.isArray(embedded) || embedded.length !== batch.length) {
        throw new Error(`the embeddings returned ${Array.isArray(embedded) ? embedded.length : 'no'} vectors for ${batch.length} texts`);
      }
      for (const vector of embedded) {
        dimensions ??= vector.length;
        if (vector.length !== dimensions) throw dimensionMismatch({ file: this.#file, stored: dimensions, given: vector.length });
        vectors.push(normalised(vector));
      }
      onProgress?.({ phase: 'embed', done: Math.min(start + EMBEDDING_BATCH, chunks.length), total: chunks.length, path });
    }
    return vectors;
  }

  /**
   * Finds the passages that best answer `query`. Lexical mode ranks by BM25 over each chunk's
   * heading path and text; vector mode by cosine similarity of embeddings; hybrid fuses both
   * rankings by reciprocal rank (k = 60). Filters apply before ranking, inside each list.
   */
  async search(query: string, options: SearchOptions = {}): Promise<Passage[]> {
    const store = this.#open();
    if (typeof query !== 'string') throw new UserError('search needs a query string.');
    const k = resolveK(options.k);
    const hasVectors = store.getMeta('mode') === 'vector';
    const mode = options.mode ?? (hasVectors && this.#embeddings ? 'hybrid' : 'lexical');
    if (!SEARCH_MODES.includes(mode)) throw new UserError(`Unknown search mode "${String(mode)}": use lexical, vector or hybrid.`);
    if (mode !== 'lexical' && !hasVectors) throw new UserError(`The index ${this.#file} holds no vectors (it was built without embeddings): use lexical search.`);
    if (mode !== 'lexical' && !this.#embeddings) throw new UserError(`${mode} search needs embeddings: open the index with the embeddings it was built with.`);
    options.signal?.throwIfAborted();
    const documentIds = this.#allowedDocuments(options.filter);
    if (documentIds?.length === 0) return [];
    const depth = mode === 'hybrid' ? Math.max(k * 4, 50) : k;
    const lexical = mode === 'vector' ? [] : this.#lexicalSearch({ query, depth, documentIds });
    const vector = mode === 'lexical' || !query.trim() ? [] : await this.#vectorSearch({ query, depth, documentIds });
    options.signal?.throwIfAborted();
    const ranked = mode === 'hybrid' ? reciprocalRankFusion([lexical, vector]) : mode === 'lexical' ? lexical : vector;
    return store.passages(ranked.slice(0, k));
  }

  #lexicalSearch({ query, depth, documentIds }: { query: string; depth: number; documentIds: number[] | undefined }): { id: number; score: number }[] {
    const words = queryWords(query);
    if (words.length === 0) return [];
    const ftsQuery = matchAnyWord(selectQueryWords({ ...this.#store.wordStatistics(words), budget: LEXICAL_ROW_BUDGET }));
    return ftsQuery ? this.#store.lexicalSearch({ query: ftsQuery, limit: depth, documentIds }) : [];
  }

  async #vectorSearch({ query, depth, documentIds }: { query: string; depth: number; documentIds: number[] | undefined }): Promise<{ id: number; score: number }[]> {
    const embedded = await this.#embeddings!.embedQuery(query);
    const matrix = this.#matrix();
    if (!matrix) return [];
    if (embedded.length !== matrix.dimensions) throw dimensionMismatch({ file: this.#file, stored: matrix.dimensions, given: embedded.length });
    if (!documentIds) return matrix.search(embedded, { k: depth });
    const allowedDocuments = new Set(documentIds);
    const { mask, count } = matrix.rowMask((document) => allowedDocuments.has(document));
    return matrix.search(embedded, { k: depth, allowed: mask, allowedCount: count });
  }

  #matrix(): VectorMatrix | undefined {
    const store = this.#store;
    const dataVersion = store.dataVersion();
    if (this.#vectors?.dataVersion !== dataVersion) {
      const dimensions = numberMeta(store.getMeta('dimensions'));
      this.#vectors = { matrix: dimensions ? store.loadVectors(dimensions) : undefined, dataVersion };
    }
    return this.#vectors.matrix;
  }

  /** The ids of the documents a filter admits, or undefined when there is no filter. */
  #allowedDocuments(filter: SearchFilter | undefined): number[] | undefined {
    if (filter === undefined) return undefined;
    if (filter === null || typeof filter !== 'object') throw new UserError('filter must be an object with path, type and/or tags.');
    const tests: ((document: StoredDocument) => boolean)[] = [];
    if (filter.path !== undefined) {
      if (typeof filter.path !== 'string') throw new UserError('filter.path must be a string: a folder prefix or a glob such as "**/*.md".');
      const matches = compilePathFilter({ pattern: filter.path });
      tests.push((document) => matches(document.path));
    }
    if (filter.type !== undefined) {
      const types = Array.isArray(filter.type) ? filter.type : [filter.type];
      for (const type of types) {
        if (!DOCUMENT_TYPES.includes(type)) throw new UserError(`filter.type "${String(type)}" is not a document type: use ${DOCUMENT_TYPES.join(', ')}.`);
      }
      tests.push((document) => types.includes(document.type));
    }
    if (filter.tags !== undefined) {
      const tags = validateTags(filter.tags, 'filter.tags');
      tests.push((document) => tags.every((tag) => document.tags.includes(tag)));
    }
    if (tests.length === 0) return undefined;
    return this.#store.allDocuments().filter((document) => tests.every((test) => test(document))).map((document) => document.id);
  }

  /** Drops every document at or under these paths (and forgets them as roots). Returns how many documents went. */
  removePaths(paths: string[]): number {
    const store = this.#open();
    if (!Array.isArray(paths) || !paths.every((path) => typeof path === 'string' && path.trim())) throw new UserError('removePaths needs a list of file or folder paths.');
    const removed = transaction(store.db, () => {
      let count = 0;
      for (const root of paths.map((path) => resolve(path))) {
        for (const document of store.documentsUnder(root)) {
          store.deleteDocument(document.id);
          count++;
        }
        store.deleteRootsUnder(root);
      }
      if (count > 0) store.setMeta('updated_at', new Date().toISOString());
      return count;
    });
    if (removed > 0) this.#vectors = undefined;
    return removed;
  }

  stats(): IndexStats {
    const store = this.#open();
    const stats: IndexStats = { ...store.counts(), roots: store.roots(), byType: store.documentsByType() };
    const dimensions = numberMeta(store.getMeta('dimensions'));
    const embeddingsSpec = store.getMeta('embeddings_spec');
    const updatedAt = store.getMeta('updated_at');
    if (dimensions !== undefined) stats.dimensions = dimensions;
    if (embeddingsSpec !== undefined) stats.embeddingsSpec = embeddingsSpec;
    if (updatedAt !== undefined) stats.updatedAt = updatedAt;
    return stats;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#vectors = undefined;
    this.#store.db.close();
  }

  #open(): IndexStore {
    if (this.#closed) throw new UserError(`The document index ${this.#file} is closed.`);
    return this.#store;
  }
}

function resolveK(k: number | undefined): number {
  if (k === undefined) return DEFAULT_K;
  if (typeof k !== 'number' || !Number.isFinite(k)) throw new UserError(`k must be a number of passages from 1 to ${MAX_K}; got ${String(k)}.`);
  return Math.min(MAX_K, Math.max(1, Math.round(k)));
}

function validateTags(tags: unknown, name: string): string[] {
  if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string' && tag.trim())) {
    throw new UserError(`${name} must be a list of non-empty strings.`);
  }
  return [...new Set(tags.map((tag: string) => tag.trim()))];
}

function sameTags(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((tag) => b.includes(tag));
}

function numberMeta(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

function normalised(vector: number[]): Float32Array | undefined {
  let norm = 0;
  for (const value of vector) norm += value * value;
  if (!(norm > 0) || !Number.isFinite(norm)) return undefined;
  const scale = 1 / Math.sqrt(norm);
  return Float32Array.from(vector, (value) => value * scale);
}

function dimensionMismatch({ file, stored, given }: { file: string; stored: number; given: number }): UserError {
  return new UserError(
    `The index ${file} holds ${stored}-dimensional vectors, but the embeddings give ${given} dimensions: they come from another model. ` +
      'Use the embeddings the index was built with, or rebuild the index (a new index file) with these.',
  );
}
