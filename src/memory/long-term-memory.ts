import type { DatabaseSync } from 'node:sqlite';
import { UserError } from '../agent/errors.ts';
import { migrate, openDatabase } from './database.ts';
import { queryWords } from './fts-query.ts';

/** A fact the user stated, or feedback (a correction, a preference) on the assistant's answers. */
export type MemoryKind = 'fact' | 'feedback';

export interface MemoryItem {
  id: number;
  /** Memories are kept apart by namespace (a user, a project); searches never cross it. */
  namespace: string;
  kind: MemoryKind;
  content: string;
  /** The question or topic the memory applies to, searched along with the content. */
  about?: string;
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
  /** The run that saved it, when a tool did. */
  runId?: string;
}

export interface SaveMemoryOptions {
  namespace: string;
  kind: MemoryKind;
  content: string;
  about?: string;
  runId?: string;
}

/** Append-only: never edit a migration that has shipped. */
const MIGRATIONS = [
  `CREATE TABLE memories (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     namespace TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('fact', 'feedback')),
     content TEXT NOT NULL,
     about TEXT,
     created_at INTEGER NOT NULL,
     run_id TEXT
   );
   CREATE INDEX memories_by_namespace ON memories (namespace, id);
   CREATE VIRTUAL TABLE memories_fts USING fts5(content, about, content='memories', content_rowid='id', tokenize='porter unicode61');
   CREATE TRIGGER memories_after_insert AFTER INSERT ON memories BEGIN
     INSERT INTO memories_fts (rowid, content, about) VALUES (new.id, new.content, COALESCE(new.about, ''));
   END;
   CREATE TRIGGER memories_after_delete AFTER DELETE ON memories BEGIN
     INSERT INTO memories_fts (memories_fts, rowid, content, about) VALUES ('delete', old.id, old.content, COALESCE(old.about, ''));
   END;
   CREATE TRIGGER memories_after_update AFTER UPDATE ON memories BEGIN
     INSERT INTO memories_fts (memories_fts, rowid, content, about) VALUES ('delete', old.id, old.content, COALESCE(old.about, ''));
     INSERT INTO memories_fts (rowid, content, about) VALUES (new.id, new.content, COALESCE(new.about, ''));
   END;`,
];

const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;
/** Longest memory kept; a memory is a note, not a document. */
export const MAX_MEMORY_CHARS = 2_000;
const MAX_ABOUT_CHARS = 500;
/** Most memories one search returns. */
export const MAX_MEMORY_SEARCH_K = 50;

interface MemoryRow {
  id: number;
  namespace: string;
  kind: MemoryKind;
  content: string;
  about: string | null;
  created_at: number;
  run_id: string | null;
  rank?: number;
}

/**
 * Long-term memory in the main database: short notes kept across sessions and found again by
 * full-text search (BM25 over the content and what it is about, with Porter stemming), in the
 * spirit of MemPrompt (Madaan et al., 2022): feedback is stored with the question it was given
 * on and recalled for similar later questions.
 */
export class LongTermMemory {
  readonly #db: DatabaseSync;
  readonly #ownsDatabase: boolean;

  /** Wraps an open database (the caller keeps ownership); `LongTermMemory.open` opens a file. */
  constructor(db: DatabaseSync, options: { ownsDatabase?: boolean } = {}) {
    this.#db = db;
    this.#ownsDatabase = options.ownsDatabase ?? false;
    migrate(db, 'long-term-memory', MIGRATIONS);
  }

  /** Opens (creating if needed) the database file, usually `mainDatabasePath(gantryHome())`. */
  static open(file: string): LongTermMemory {
    return new LongTermMemory(openDatabase(file), { ownsDatabase: true });
  }

  save({ namespace, kind, content, about, runId }: SaveMemoryOptions): MemoryItem {
    assertNamespace(namespace);
    if (kind !== 'fact' && kind !== 'feedback') throw new UserError(`A memory's kind is "fact" or "feedback"; got ${JSON.stringify(kind)}.`);
    const text = content.trim();
    if (!text) throw new UserError('A memory needs some content.');
    if (text.length > MAX_MEMORY_CHARS) throw new UserError(`A memory holds at most ${MAX_MEMORY_CHARS} characters; this one has ${text.length}.`);
    const topic = about?.trim() ? about.trim().slice(0, MAX_ABOUT_CHARS) : undefined;
    const createdAt = Date.now();
    const { lastInsertRowid } = this.#db
      .prepare('INSERT INTO memories (namespace, kind, content, about, created_at, run_id) VALUES (?, ?, ?, ?, ?, ?)')
      .run(namespace, kind, text, topic ?? null, createdAt, runId ?? null);
    return toItem({ id: Number(lastInsertRowid), namespace, kind, content: text, about: topic ?? null, created_at: createdAt, run_id: runId ?? null });
  }

  /**
   * The `k` memories of the namespace that best match the query, best first, with `score`
   * (BM25, higher is better). Every word of the query counts (OR, stop words dropped), so a
   * natural question finds notes that share only some of its words. No words → no results.
   */
  search({ namespace, query, k = 5 }: { namespace: string; query: string; k?: number }): (MemoryItem & { score: number })[] {
    assertNamespace(namespace);
    const words = queryWords(query);
    if (words.length === 0) return [];
    // Each word quoted, so FTS syntax in the question is inert.
    const match = words.map((word) => `"${word.replace(/"/g, '""')}"`).join(' OR ');
    const limit = Math.min(MAX_MEMORY_SEARCH_K, Math.max(1, Math.floor(k)));
    const rows = this.#db
      .prepare(
        `SELECT m.id, m.namespace, m.kind, m.content, m.about, m.created_at, m.run_id, bm25(memories_fts) AS rank
           FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid
          WHERE memories_fts MATCH ? AND m.namespace = ?
          ORDER BY rank, m.id DESC LIMIT ?`,
      )
      .all(match, namespace, limit) as unknown as MemoryRow[];
    // FTS5's bm25() is lower for better matches; the sign is flipped so higher means better.
    return rows.map((row) => ({ ...toItem(row), score: -(row.rank ?? 0) }));
  }

  /** Every memory of the namespace, oldest first. */
  list(namespace: string): MemoryItem[] {
    assertNamespace(namespace);
    const rows = this.#db
      .prepare('SELECT id, namespace, kind, content, about, created_at, run_id FROM memories WHERE namespace = ? ORDER BY id')
      .all(namespace) as unknown as MemoryRow[];
    return rows.map(toItem);
  }

  /** Every memory of every namespace, by namespace, then oldest first. */
  listAll(): MemoryItem[] {
    const rows = this.#db
      .prepare('SELECT id, namespace, kind, content, about, created_at, run_id FROM memories ORDER BY namespace, id')
      .all() as unknown as MemoryRow[];
    return rows.map(toItem);
  }

  /** Deletes one memory; returns false when there was none with that id. */
  remove(id: number): boolean {
    return Number(this.#db.prepare('DELETE FROM memories WHERE id = ?').run(id).changes) > 0;
  }

  /** Deletes every memory of the namespace; returns how many there were. */
  clear(namespace: string): number {
    assertNamespace(namespace);
    return Number(this.#db.prepare('DELETE FROM memories WHERE namespace = ?').run(namespace).changes);
  }

  /** Closes the database if this memory opened it. */
  close(): void {
    if (this.#ownsDatabase && this.#db.isOpen) this.#db.close();
  }
}

/** Throws a `UserError` saying what a namespace may contain. */
export function assertNamespace(namespace: string): void {
  if (typeof namespace !== 'string' || !NAMESPACE.test(namespace)) {
    throw new UserError(
      `Invalid memory namespace ${JSON.stringify(namespace)}: use 1-128 letters, digits, "_", ".", ":", "@" or "-", starting with a letter or digit.`,
    );
  }
}

function toItem(row: MemoryRow): MemoryItem {
  const item: MemoryItem = { id: row.id, namespace: row.namespace, kind: row.kind, content: row.content, createdAt: row.created_at };
  if (row.about !== null) item.about = row.about;
  if (row.run_id !== null) item.runId = row.run_id;
  return item;
}
