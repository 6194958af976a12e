import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/agent/errors.ts';
import { DocumentIndex, type IndexProgress } from '../../src/memory/document-index.ts';
import { HashEmbeddings } from '../../src/testing/hash-embeddings.ts';

let folder: string;
let docs: string;
let file: string;
const open: DocumentIndex[] = [];

function openIndex(options: { embeddings?: HashEmbeddings } = {}): DocumentIndex {
  const index = DocumentIndex.open({ file, ...options });
  open.push(index);
  return index;
}

function write(relative: string, text: string): string {
  const path = join(docs, relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** Counts rows straight from the database file, bypassing the index. */
function count(sql: string): number {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return Number((db.prepare(sql).get() as { n: number }).n);
  } finally {
    db.close();
  }
}

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'gantry-document-index-'));
  docs = join(folder, 'docs');
  file = join(folder, 'index.db');
  write('guide.md', '# Guide\n\nGeneral words.\n\n## Install\n\nUse the package manager to install the widget.\n\n## Colours\n\nThe widget comes in teal and amber.\n');
  write('notes.txt', 'Meeting notes: the amber release ships on Friday.\n');
  write('api/reference.md', '# Reference\n\n## frobnicate()\n\nCall frobnicate to reticulate the splines.\n');
});

afterEach(() => {
  for (const index of open.splice(0)) index.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('DocumentIndex.add', () => {
  it('indexes a folder, then re-indexes only what changed and drops what was removed', async () => {
    const index = openIndex();
    const first = await index.add([docs]);
    expect({ ...first, durationMs: 0 }).toEqual({ added: 3, updated: 0, unchanged: 0, removed: 0, chunks: 5, skipped: [], failed: [], durationMs: 0 });

    const second = await index.add([docs]);
    expect([second.added, second.updated, second.unchanged, second.removed, second.chunks]).toEqual([0, 0, 3, 0, 0]);

    write('notes.txt', 'Meeting notes: the release moved to Monday.\n');
    unlinkSync(join(docs, 'api', 'reference.md'));
    write('new.md', '# New\n\nFresh page.\n');
    const third = await index.add([docs]);
    expect([third.added, third.updated, third.unchanged, third.removed, third.chunks]).toEqual([1, 1, 1, 1, 2]);
    expect((await index.search('frobnicate')).length).toEqual(0);
    expect((await index.search('Monday')).map((passage) => passage.source)).toEqual([join(docs, 'notes.txt')]);
    expect((await index.search('Friday')).length).toEqual(0);
    expect(index.stats()).toMatchObject({ documents: 3, chunks: 5, vectors: 0, roots: [docs], byType: { markdown: 2, text: 1 } });
  });

  it('removes files only under the paths given', async () => {
    const other = join(folder, 'other.md');
    writeFileSync(other, '# Other\n\nElsewhere.\n');
    const index = openIndex();
    await index.add([docs, other]);
    unlinkSync(join(docs, 'guide.md'));
    // Adding just the api folder does not notice that guide.md is gone.
    expect((await index.add([join(docs, 'api')])).removed).toEqual(0);
    expect((await index.add([docs])).removed).toEqual(1);
    expect(index.stats().documents).toEqual(3);
  });

  it('returns passages with their location, type and tags', async () => {
    const index = openIndex();
    await index.add([docs], { tags: ['team-a'] });
    const [passage] = await index.search('install the widget', { k: 1 });
    expect(passage).toEqual({
      id: expect.any(Number),
      source: join(docs, 'guide.md'),
      type: 'markdown',
      text: '## Install\n\nUse the package manager to install the widget.',
      score: expect.any(Number),
      tags: ['team-a'],
      heading: 'Guide › Install',
      lineStart: 5,
      lineEnd: 7,
    });
    expect(passage!.score).toBeGreaterThan(0);
  });

  it('finds a section by its heading path', async () => {
    const index = openIndex();
    await index.add([docs]);
    const [passage] = await index.search('reference', { k: 1 });
    expect(passage?.heading).toEqual('Reference › frobnicate()');
  });

  it('reports a file that fails to load and indexes the others', async () => {
    write('broken.json', '{"unterminated": ');
    const index = openIndex();
    const report = await index.add([docs]);
    expect(report.added).toEqual(3);
    expect(report.failed).toEqual([{ path: join(docs, 'broken.json'), error: expect.stringMatching(/^invalid JSON: /) }]);
  });

  it('reports progress for scanning, indexing and embedding', async () => {
    const index = openIndex({ embeddings: new HashEmbeddings({ dimensions: 16 }) });
    const events: IndexProgress[] = [];
    await index.add([docs], { onProgress: (progress) => events.push(progress) });
    expect(events.filter((event) => event.phase === 'scan')).toEqual([{ phase: 'scan', done: 1, total: 1, path: docs }]);
    expect(events.filter((event) => event.phase === 'index').map((event) => [event.done, event.total, event.path])).toEqual([
      [1, 3, join(docs, 'api', 'reference.md')],
      [2, 3, join(docs, 'guide.md')],
      [3, 3, join(docs, 'notes.txt')],
    ]);
    expect(events.filter((event) => event.phase === 'embed').map((event) => [event.done, event.total])).toEqual([[1, 1], [3, 3], [1, 1]]);
  });

  it('stops between files when aborted, keeping the files already written', async () => {
    const index = openIndex();
    const controller = new AbortController();
    const added = index.add([docs], { signal: controller.signal, onProgress: (progress) => progress.phase === 'index' && controller.abort() });
    await expect(added).rejects.toMatchObject({ name: 'AbortError' });
    expect(index.stats().documents).toEqual(1);
  });

  it('rejects a path that does not exist and was never indexed', async () => {
    const index = openIndex();
    await expect(index.add([join(folder, 'missing')])).rejects.toThrow(UserError);
  });

  it('re-chunks every file when the chunk settings change', async () => {
    const index = openIndex();
    await index.add([docs]);
    const report = await index.add([docs], { chunkSize: 60, chunkOverlap: 10 });
    expect([report.updated, report.unchanged]).toEqual([3, 0]);
    // Later adds keep the stored settings.
    expect((await index.add([docs])).unchanged).toEqual(3);
  });

  it('deletes a document’s chunks, FTS rows and vectors with it', async () => {
    const index = openIndex({ embeddings: new HashEmbeddings({ dimensions: 16 }) });
    await index.add([docs]);
    expect(count('SELECT count(*) AS n FROM chunks_fts')).toEqual(5);
    expect(count('SELECT count(*) AS n FROM vectors')).toEqual(5);
    expect(index.removePaths([join(docs, 'guide.md')])).toEqual(1);
    expect(count('SELECT count(*) AS n FROM chunks')).toEqual(2);
    expect(count('SELECT count(*) AS n FROM vectors')).toEqual(2);
    // An external-content FTS table reads through to chunks; its own index must have dropped the words too.
    expect(count("SELECT count(*) AS n FROM chunks_fts WHERE chunks_fts MATCH 'teal'")).toEqual(0);
    expect(count("SELECT count(*) AS n FROM chunks_fts WHERE chunks_fts MATCH 'frobnicate'")).toEqual(1);
    expect(index.removePaths([docs])).toEqual(2);
    expect(index.stats()).toMatchObject({ documents: 0, chunks: 0, vectors: 0, roots: [] });
  });
});

describe('DocumentIndex embeddings', () => {
  it('stores the embeddings spec and dimensions, and rejects another spec', async () => {
    const index = openIndex({ embeddings: new HashEmbeddings({ dimensions: 32 }) });
    await index.add([docs], { embeddingsSpec: 'hash:32' });
    expect(index.embeddingsSpec).toEqual('hash:32');
    expect(index.stats()).toMatchObject({ vectors: 5, dimensions: 32, embeddingsSpec: 'hash:32' });
    await expect(index.add([docs], { embeddingsSpec: 'openai:text-embedding-3-small' })).rejects.toThrow(
      /was built with the embeddings hash:32, not openai:text-embedding-3-small/,
    );
  });

  it('throws a UserError when the embeddings give another dimension', async () => {
    const index = openIndex({ embeddings: new HashEmbeddings({ dimensions: 32 }) });
    await index.add([docs]);
    index.close();
    const other = openIndex({ embeddings: new HashEmbeddings({ dimensions: 48 }) });
    write('more.md', '# More\n\nAnother page.\n');
    const added = other.add([docs]);
    await expect(added).rejects.toThrow(UserError);
    await expect(added).rejects.toThrow(/holds 32-dimensional vectors, but the embeddings give 48 dimensions.*rebuild the index/);
    await expect(other.search('widget', { mode: 'vector' })).rejects.toThrow(/holds 32-dimensional vectors/);
  });

  it('keeps an index created without embeddings lexical', async () => {
    await openIndex().add([docs]);
    const index = openIndex({ embeddings: new HashEmbeddings() });
    await expect(index.add([docs])).rejects.toThrow(/created without embeddings.*build a new index/);
    await expect(index.search('widget', { mode: 'hybrid' })).rejects.toThrow(/holds no vectors/);
    expect((await index.search('widget')).length).toBeGreaterThan(0);
  });

  it('requires embeddings to add to or vector-search an index with vectors', async () => {
    await openIndex({ embeddings: new HashEmbeddings({ dimensions: 16 }) }).add([docs], { embeddingsSpec: 'hash:16' });
    const lexical = openIndex();
    await expect(lexical.add([docs])).rejects.toThrow(/stores vectors made with hash:16: open it with the same embeddings/);
    await expect(lexical.search('widget', { mode: 'vector' })).rejects.toThrow(/vector search needs embeddings/);
    expect((await lexical.search('widget')).length).toBeGreaterThan(0);
  });

  it('searches by vector and hybrid, defaulting to hybrid when the index has vectors', async () => {
    const index = openIndex({ embeddings: new HashEmbeddings() });
    await index.add([docs]);
    const vector = await index.search('reticulate the splines', { mode: 'vector', k: 1 });
    expect(vector.map((passage) => passage.heading)).toEqual(['Reference › frobnicate()']);
    expect(vector[0]!.score).toBeGreaterThan(0);
    expect(vector[0]!.score).toBeLessThanOrEqual(1);
    const hybrid = await index.search('reticulate the splines', { k: 5 });
    expect(hybrid[0]!.heading).toEqual('Reference › frobnicate()');
    // Ranked first in both lists: 2 / (60 + 1).
    expect(hybrid[0]!.score).toBeCloseTo(2 / 61, 10);
    expect(hybrid.length).toEqual(5);
  });

  it('sees vectors written after the first vector search', async () => {
    const index = openIndex({ embeddings: new HashEmbeddings() });
    await index.add([docs]);
    expect((await index.search('quokka sightings', { mode: 'vector', k: 1 }))[0]!.source).not.toEqual(join(docs, 'quokka.md'));
    write('quokka.md', '# Quokka sightings\n\nQuokka sightings near the river.\n');
    await index.add([docs]);
    expect((await index.search('quokka sightings', { mode: 'vector', k: 1 }))[0]!.source).toEqual(join(docs, 'quokka.md'));
  });
});

describe('DocumentIndex.search', () => {
  it('filters by path prefix, glob, type and tags, in every mode', async () => {
    const index = openIndex({ embeddings: new HashEmbeddings() });
    await index.add([join(docs, 'guide.md'), join(docs, 'notes.txt')], { tags: ['product'] });
    await index.add([join(docs, 'api')], { tags: ['api', 'product'] });
    const sources = async (filter: object, mode: 'lexical' | 'vector' | 'hybrid' = 'lexical') =>
      [...new Set((await index.search('amber widget frobnicate splines notes', { k: 10, filter, mode })).map((passage) => passage.source.slice(docs.length)))].sort();
    expect(await sources({})).toEqual(['/api/reference.md', '/guide.md', '/notes.txt']);
    expect(await sources({ path: join(docs, 'api') })).toEqual(['/api/reference.md']);
    expect(await sources({ path: join(docs, 'ap') })).toEqual([]);
    expect(await sources({ path: '**/*.md' })).toEqual(['/api/reference.md', '/guide.md']);
    expect(await sources({ path: `${docs}/*.md` })).toEqual(['/guide.md']);
    expect(await sources({ type: 'text' })).toEqual(['/notes.txt']);
    expect(await sources({ type: ['text', 'markdown'], tags: ['api'] })).toEqual(['/api/reference.md']);
    expect(await sources({ tags: ['api', 'missing'] })).toEqual([]);
    for (const mode of ['vector', 'hybrid'] as const) {
      expect(await sources({ path: join(docs, 'api') }, mode)).toEqual(['/api/reference.md']);
      expect(await sources({ type: 'text' }, mode)).toEqual(['/notes.txt']);
    }
  });

  it('treats the query as words, not FTS syntax, and matches any of them', async () => {
    const index = openIndex();
    await index.add([docs]);
    expect((await index.search('teal OR "unbalanced NEAR( amber*')).length).toBeGreaterThan(0);
    expect((await index.search('where is the teal quokka')).map((passage) => passage.heading)).toEqual(['Guide › Colours']);
    expect(await index.search('?? -- ()')).toEqual([]);
  });

  it('validates its options with UserErrors', async () => {
    const index = openIndex();
    await index.add([docs]);
    expect((await index.search('widget', { k: 500 })).length).toBeLessThanOrEqual(50);
    await expect(index.search('widget', { k: Number.NaN })).rejects.toThrow('k must be a number of passages from 1 to 50; got NaN.');
    await expect(index.search('widget', { mode: 'fuzzy' as 'lexical' })).rejects.toThrow(UserError);
    await expect(index.search('widget', { filter: { type: 'docx' as 'text' } })).rejects.toThrow('filter.type "docx" is not a document type');
    await expect(index.search('widget', { filter: { tags: [''] } })).rejects.toThrow('filter.tags must be a list of non-empty strings.');
    index.close();
    await expect(index.search('widget')).rejects.toThrow(/is closed/);
  });
});
