import { sep } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Chunk } from './chunker.ts';
import { migrate } from './database.ts';
import type { DocumentType, Passage } from './passages.ts';
import { VectorMatrix } from './vector-search.ts';

/**
 * The document index's tables. Chunks are indexed by an external-content FTS5 table kept in sync
 * by triggers; deleting a document cascades to its chunks (and so their FTS rows) and vectors.
 * `chunks_vocab` reads how many chunks hold each term straight from the FTS index.
 */
const MIGRATIONS = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE roots (path TEXT PRIMARY KEY, added_at TEXT NOT NULL);
   CREATE TABLE documents (
     id INTEGER PRIMARY KEY,
     path TEXT NOT NULL UNIQUE,
     type TEXT NOT NULL,
     sha256 TEXT NOT NULL,
     size INTEGER NOT NULL,
     mtime REAL NOT NULL,
     tags TEXT NOT NULL DEFAULT '[]',
     chunking TEXT NOT NULL,
     indexed_at TEXT NOT NULL
   );
   CREATE TABLE chunks (
     id INTEGER PRIMARY KEY,
     document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
     ord INTEGER NOT NULL,
     text TEXT NOT NULL,
     heading TEXT,
     page INTEGER,
     line_start INTEGER,
     line_end INTEGER
   );
   CREATE INDEX chunks_by_document ON chunks(document_id);
   CREATE VIRTUAL TABLE chunks_fts USING fts5(
     heading, text, content='chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
   );
   CREATE VIRTUAL TABLE chunks_vocab USING fts5vocab(chunks_fts, 'row');
   CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
     INSERT INTO chunks_fts(rowid, heading, text) VALUES (new.id, new.heading, new.text);
   END;
   CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
     INSERT INTO chunks_fts(chunks_fts, rowid, heading, text) VALUES ('delete', old.id, old.heading, old.text);
   END;
   CREATE TABLE vectors (
     chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
     embedding BLOB NOT NULL
   );`,
];

/** What the index remembers about one file. */
export interface StoredDocument {
  id: number;
  path: string;
  type: DocumentType;
  sha256: string;
  tags: string[];
  /** The chunk settings it was split with (`"1000/150"`): other settings mean re-chunking. */
  chunking: string;
}

export interface DocumentRecord {
  path: string;
  type: DocumentType;
  sha256: string;
  size: number;
  mtimeMs: number;
  tags: string[];
  chunking: string;
  chunks: Chunk[];
  /** One vector per chunk (or undefined for a chunk with none), when the index stores vectors. */
  vectors?: (Float32Array | undefined)[];
}

interface DocumentRow {
  id: number;
  path: string;
  type: DocumentType;
  sha256: string;
  tags: string;
  chunking: string;
}

interface PassageRow {
  id: number;
  text: string;
  heading: string | null;
  page: number | null;
  line_start: number | null;
  line_end: number | null;
  path: string;
  type: DocumentType;
  tags: string;
}

/**
 * The SQL side of a document index, with its statements prepared once. Not safe to share between
 * threads; callers run writes inside `transaction()`.
 */
export class IndexStore {
  readonly db: DatabaseSync;
  readonly #statements: Record<
    | 'getMeta' | 'setMeta' | 'documentByPath' | 'documentsUnder' | 'allDocuments' | 'deleteDocument' | 'insertDocument' | 'updateTags'
    | 'insertChunk' | 'insertVector' | 'addRoot' | 'roots' | 'deleteRootsUnder' | 'lexical' | 'lexicalFiltered' | 'passages' | 'vectors'
    | 'dataVersion' | 'counts' | 'byType' | 'termChunks' | 'chunkCount' | 'insertQueryWord' | 'queryTerms' | 'clearQueryWords',
    StatementSync
  >;
  readonly #termChunks = new Map<string, number>();
  #total: number | undefined;
  #statisticsVersion = -1;

  constructor(db: DatabaseSync) {
    migrate(db, 'document-index', MIGRATIONS);
    // A scratch FTS table with the index's tokenizer: it turns query words into the stemmed terms the index holds.
    db.exec(
      "CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_words USING fts5(word, tokenize='porter unicode61 remove_diacritics 2');" +
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_words_vocab USING fts5vocab(temp, query_words, 'instance');",
    );
    this.db = db;
    const prepare = (sql: string) => db.prepare(sql);
    this.#statements = {
      getMeta: prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      documentByPath: prepare('SELECT id, path, type, sha256, tags, chunking FROM documents WHERE path = ?'),
      documentsUnder: prepare('SELECT id, path, type, sha256, tags, chunking FROM documents WHERE path = ? OR (path >= ? AND path < ?) ORDER BY path'),
      allDocuments: prepare('SELECT id, path, type, sha256, tags, chunking FROM documents'),
      deleteDocument: prepare('DELETE FROM documents WHERE id = ?'),
      insertDocument: prepare(
        'INSERT INTO documents (path, type, sha256, size, mtime, tags, chunking, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      updateTags: prepare('UPDATE documents SET tags = ? WHERE id = ?'),
      insertChunk: prepare('INSERT INTO chunks (document_id, ord, text, heading, page, line_start, line_end) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      insertVector: prepare('INSERT INTO vectors (chunk_id, embedding) VALUES (?, ?)'),
      addRoot: prepare('INSERT INTO roots (path, added_at) VALUES (?, ?) ON CONFLICT(path) DO NOTHING'),
      roots: prepare('SELECT path FROM roots ORDER BY path'),
      deleteRootsUnder: prepare('DELETE FROM roots WHERE path = ? OR (path >= ? AND path < ?)'),
      // Headings weigh twice the text. An explicit bm25() is faster here than FTS5's configurable `rank`.
      lexical: prepare('SELECT rowid AS id, -bm25(chunks_fts, 2.0, 1.0) AS score FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY 2 DESC LIMIT ?'),
      lexicalFiltered: prepare(
        'SELECT rowid AS id, -bm25(chunks_fts, 2.0, 1.0) AS score FROM chunks_fts WHERE chunks_fts MATCH ? ' +
          'AND rowid IN (SELECT id FROM chunks WHERE document_id IN (SELECT value FROM json_each(?))) ORDER BY 2 DESC LIMIT ?',
      ),
      termChunks: prepare('SELECT doc FROM chunks_vocab WHERE term = ?'),
      chunkCount: prepare('SELECT count(*) AS count FROM chunks'),
      insertQueryWord: prepare('INSERT INTO temp.query_words (rowid, word) VALUES (?, ?)'),
      queryTerms: prepare('SELECT doc AS position, term FROM temp.query_words_vocab'),
      clearQueryWords: prepare('DELETE FROM temp.query_words'),
      passages: prepare(
        'SELECT c.id, c.text, c.heading, c.page, c.line_start, c.line_end, d.path, d.type, d.tags ' +
          'FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN (SELECT value FROM json_each(?))',
      ),
      vectors: prepare('SELECT v.chunk_id AS id, c.document_id AS document, v.embedding AS embedding FROM vectors v JOIN chunks c ON c.id = v.chunk_id ORDER BY v.chunk_id'),
      dataVersion: prepare('PRAGMA data_version'),
      counts: prepare(
        'SELECT (SELECT count(*) FROM documents) AS documents, (SELECT count(*) FROM chunks) AS chunks, (SELECT count(*) FROM vectors) AS vectors',
      ),
      byType: prepare('SELECT type, count(*) AS count FROM documents GROUP BY type ORDER BY type'),
    };
  }

  /**
   * How many chunks hold each word (after stemming), and how many chunks there are. Counts are
   * cached until this store writes or another connection commits: reading a common term's count
   * walks its whole posting list.
   */
  wordStatistics(words: readonly string[]): { words: { word: string; chunks: number }[]; total: number } {
    const s = this.#statements;
    const version = this.dataVersion();
    if (version !== this.#statisticsVersion) {
      this.#termChunks.clear();
      this.#total = undefined;
      this.#statisticsVersion = version;
    }
    this.#total ??= (s.chunkCount.get() as { count: number }).count;
    const terms = new Map<number, string>();
    try {
      words.forEach((word, index) => s.insertQueryWord.run(index + 1, word));
      for (const row of s.queryTerms.all() as { position: number; term: string }[]) if (!terms.has(row.position)) terms.set(row.position, row.term);
    } finally {
      s.clearQueryWords.run();
    }
    return {
      total: this.#total,
      words: words.map((word, index) => {
        const term = terms.get(index + 1);
        if (term === undefined) return { word, chunks: 0 };
        let chunks = this.#termChunks.get(term);
        if (chunks === undefined) {
          chunks = (s.termChunks.get(term) as { doc: number } | undefined)?.doc ?? 0;
          this.#termChunks.set(term, chunks);
        }
        return { word, chunks };
      }),
    };
  }

  getMeta(key: string): string | undefined {
    return (this.#statements.getMeta.get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.#statements.setMeta.run(key, value);
  }

  /** The documents at `root` or anywhere below it. */
  documentsUnder(root: string): StoredDocument[] {
    const [prefix, end] = prefixRange(root);
    return (this.#statements.documentsUnder.all(root, prefix, end) as unknown as DocumentRow[]).map(toStoredDocument);
  }

  allDocuments(): StoredDocument[] {
    return (this.#statements.allDocuments.all() as unknown as DocumentRow[]).map(toStoredDocument);
  }

  /** Replaces any earlier version of the document; returns its new id. Call inside a transaction. */
  writeDocument(record: DocumentRecord): number {
    this.#statisticsVersion = -1;
    const s = this.#statements;
    const existing = s.documentByPath.get(record.path) as DocumentRow | undefined;
    if (existing) s.deleteDocument.run(existing.id);
    const { lastInsertRowid } = s.insertDocument.run(
      record.path, record.type, record.sha256, record.size, record.mtimeMs, JSON.stringify(record.tags), record.chunking, new Date().toISOString(),
    );
    const documentId = Number(lastInsertRowid);
    record.chunks.forEach((chunk, ord) => {
      const chunkId = s.insertChunk.run(documentId, ord, chunk.text, chunk.heading ?? null, chunk.page ?? null, chunk.lineStart ?? null, chunk.lineEnd ?? null)
        .lastInsertRowid;
      const vector = record.vectors?.[ord];
      if (vector) s.insertVector.run(chunkId, new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
    });
    return documentId;
  }

  deleteDocument(id: number): void {
    this.#statisticsVersion = -1;
    this.#statements.deleteDocument.run(id);
  }

  updateTags(id: number, tags: string[]): void {
    this.#statements.updateTags.run(JSON.stringify(tags), id);
  }

  addRoot(path: string): void {
    this.#statements.addRoot.run(path, new Date().toISOString());
  }

  roots(): string[] {
    return (this.#statements.roots.all() as { path: string }[]).map((row) => row.path);
  }

  deleteRootsUnder(root: string): void {
    const [prefix, end] = prefixRange(root);
    this.#statements.deleteRootsUnder.run(root, prefix, end);
  }

  /** The best chunks for an FTS5 query, by BM25; only chunks of `documentIds` when given. */
  lexicalSearch({ query, limit, documentIds }: { query: string; limit: number; documentIds?: number[] }): { id: number; score: number }[] {
    const rows = documentIds
      ? this.#statements.lexicalFiltered.all(query, JSON.stringify(documentIds), limit)
      : this.#statements.lexical.all(query, limit);
    return rows as unknown as { id: number; score: number }[];
  }

  /** The passages of these chunk ids, in the given order, each with its score. Unknown ids are left out. */
  passages(hits: { id: number; score: number }[]): Passage[] {
    if (hits.length === 0) return [];
    const rows = new Map<number, PassageRow>();
    for (const row of this.#statements.passages.all(JSON.stringify(hits.map((hit) => hit.id))) as unknown as PassageRow[]) rows.set(row.id, row);
    const passages: Passage[] = [];
    for (const { id, score } of hits) {
      const row = rows.get(id);
      if (!row) continue;
      const passage: Passage = { id, source: row.path, type: row.type, text: row.text, score, tags: parseTags(row.tags) };
      if (row.heading !== null) passage.heading = row.heading;
      if (row.page !== null) passage.page = row.page;
      if (row.line_start !== null) passage.lineStart = row.line_start;
      if (row.line_end !== null) passage.lineEnd = row.line_end;
      passages.push(passage);
    }
    return passages;
  }

  /** Every stored vector in one matrix, grouped by document id; undefined when there are none. */
  loadVectors(dimensions: number): VectorMatrix | undefined {
    const { vectors: count } = this.counts();
    if (count === 0) return undefined;
    const matrix = new VectorMatrix({ dimensions, capacity: count });
    for (const row of this.#statements.vectors.iterate() as Iterable<{ id: number; document: number; embedding: Uint8Array }>) {
      const bytes = row.embedding;
      const vector = bytes.byteOffset % 4 === 0 ? new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) : new Float32Array(bytes.slice().buffer);
      matrix.add({ id: row.id, vector, group: row.document });
    }
    return matrix;
  }

  /** Changes whenever another connection commits to the database (SQLite's `data_version`). */
  dataVersion(): number {
    return (this.#statements.dataVersion.get() as { data_version: number }).data_version;
  }

  counts(): { documents: number; chunks: number; vectors: number } {
    return this.#statements.counts.get() as { documents: number; chunks: number; vectors: number };
  }

  documentsByType(): Record<string, number> {
    const byType: Record<string, number> = {};
    for (const row of this.#statements.byType.all() as { type: string; count: number }[]) byType[row.type] = row.count;
    return byType;
  }
}

/** The bounds `[root/, root0)` that select every path below `root` with the path index. */
function prefixRange(root: string): [string, string] {
  const prefix = root.endsWith(sep) ? root : root + sep;
  return [prefix, prefix.slice(0, -1) + String.fromCharCode(sep.charCodeAt(0) + 1)];
}

function toStoredDocument(row: DocumentRow): StoredDocument {
  return { id: row.id, path: row.path, type: row.type, sha256: row.sha256, tags: parseTags(row.tags), chunking: row.chunking };
}

function parseTags(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((tag): tag is string => typeof tag === 'string') : [];
  } catch {
    return [];
  }
}
