/**
 * The document index's costs (src/memory/), on generated data in a temporary folder:
 *
 *   node bench/retrieval.ts [--chunks 100000] [--queries 200] [--files 300] [--json]
 *
 * 1. Indexing throughput (chunks/s) through `DocumentIndex.add` for `--files` Markdown files on
 *    disk, lexical only and with the offline HashEmbeddings (so it measures Gantry, not a model).
 * 2. Lexical query latency at `--chunks` chunks. Chunk text is drawn from a Zipf distribution over
 *    the real words of the fixture corpus (test/fixtures/corpus) plus a tail of compound
 *    identifiers (see below); queries are 3-8 word questions drawn from the same distribution.
 * 3. Vector and hybrid query latency at `--chunks` chunks of 384-dimensional synthetic vectors,
 *    clustered around 300 centres. These chunks and vectors are written straight into the index
 *    database with `IndexStore.writeDocument` (the SQL `DocumentIndex.add` uses), in transactions of
 *    100 documents, since embedding 100k texts is not what is being measured. The query embedder is
 *    a stub that returns a perturbed stored vector.
 * 4. Recall@10 of the approximate vector search (sign-bit Hamming prefilter, exact rescoring)
 *    against exact search: on the clustered vectors (the realistic case) and on isotropic random
 *    vectors (the worst case for any approximate search).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Embeddings } from '@langchain/core/embeddings';
import { openDatabase, transaction } from '../src/memory/database.ts';
import { DocumentIndex } from '../src/memory/document-index.ts';
import { IndexStore } from '../src/memory/index-store.ts';
import { VectorMatrix } from '../src/memory/vector-search.ts';
import { HashEmbeddings } from '../src/testing/hash-embeddings.ts';

const { values } = parseArgs({
  options: {
    chunks: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '200' },
    files: { type: 'string', default: '300' },
    json: { type: 'boolean', default: false },
  },
});
const chunkCount = Number(values.chunks);
const queryCount = Number(values.queries);
const fileCount = Number(values.files);
const DIMENSIONS = 384;
const CLUSTERS = 300;
const folder = mkdtempSync(join(tmpdir(), 'gantry-bench-retrieval-'));

// A seeded generator, so runs are comparable.
let seed = 0x2545f491;
function random(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}
function gauss(): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// Text from a Zipf distribution (s = 1) over real words: the fixture corpus's words ranked by their
// frequency there, followed by a long tail of compound identifiers made of two corpus words (as
// technical documentation is full of names like `makeOptionMandatory`), for a vocabulary of about
// 100k terms, which is what Heaps' law predicts for the 15M words of 100k chunks.
const corpusFolder = new URL('../test/fixtures/corpus/', import.meta.url).pathname;
const frequencies = new Map<string, number>();
for (const name of readdirSync(corpusFolder, { recursive: true }) as string[]) {
  if (!name.endsWith('.md')) continue;
  for (const word of readFileSync(join(corpusFolder, name), 'utf8').toLowerCase().match(/[a-z]{2,}/g) ?? []) {
    frequencies.set(word, (frequencies.get(word) ?? 0) + 1);
  }
}
const realWords = [...frequencies].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([word]) => word);
const vocabulary = [...realWords];
const contentWords = realWords.slice(50);
while (vocabulary.length < 100_000) vocabulary.push(pick(contentWords) + pick(contentWords));
const cumulative = new Float64Array(vocabulary.length);
for (let rank = 0, sum = 0; rank < vocabulary.length; rank++) cumulative[rank] = sum += 1 / (rank + 1);
function zipfWord(): string {
  const target = random() * cumulative[cumulative.length - 1]!;
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (cumulative[middle]! < target) low = middle + 1;
    else high = middle;
  }
  return vocabulary[low]!;
}
const sentence = () => {
  const words = Array.from({ length: 8 + Math.floor(random() * 12) }, zipfWord).join(' ');
  return `${words[0]!.toUpperCase()}${words.slice(1)}.`;
};
const paragraph = (sentences: number) => Array.from({ length: sentences }, sentence).join(' ');
const heading = () => Array.from({ length: 2 + Math.floor(random() * 3) }, zipfWord).join(' ');
/** 3-8 words as a person might type them: a question opener, then words drawn like the text's. */
const question = () => `${pick(['how do I', 'what is', 'how to', 'why does', 'where is'])} ${Array.from({ length: 1 + Math.floor(random() * 6) }, zipfWord).join(' ')}`;

// 1. Indexing throughput.
const docs = join(folder, 'docs');
mkdirSync(docs);
for (let file = 0; file < fileCount; file++) {
  const parts = [`# ${heading()}\n`];
  for (let section = 0; section < 6; section++) parts.push(`## ${heading()}\n\n${paragraph(4)}\n\n${paragraph(4)}\n`);
  writeFileSync(join(docs, `doc-${file}.md`), parts.join('\n'));
}
async function indexThroughput(embeddings?: Embeddings): Promise<{ chunks: number; seconds: number }> {
  const index = DocumentIndex.open({ file: join(folder, `throughput-${embeddings ? 'vectors' : 'lexical'}.db`), embeddings });
  const report = await index.add([docs]);
  index.close();
  return { chunks: report.chunks, seconds: report.durationMs / 1000 };
}
const lexicalIndexing = await indexThroughput();
const vectorIndexing = await indexThroughput(new HashEmbeddings());

// 2 and 3. One index of `chunkCount` chunks with clustered vectors.
const centres = Array.from({ length: CLUSTERS }, () => {
  const centre = Float32Array.from({ length: DIMENSIONS }, gauss);
  return normalise(centre);
});
function normalise(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  const scale = 1 / Math.sqrt(norm);
  for (let j = 0; j < vector.length; j++) vector[j]! *= scale;
  return vector;
}
const clusteredVector = (row: number) => {
  const centre = centres[row % CLUSTERS]!;
  return normalise(Float32Array.from(centre, (value) => value + gauss() * 0.06));
};
const clustered = new VectorMatrix({ dimensions: DIMENSIONS, capacity: chunkCount });
const bigFile = join(folder, 'big.db');
const buildStarted = performance.now();
{
  const store = new IndexStore(openDatabase(bigFile));
  const perDocument = 100;
  let row = 0;
  for (let batch = 0; row < chunkCount; batch++) {
    transaction(store.db, () => {
      for (let document = 0; document < 100 && row < chunkCount; document++) {
        const chunks = [];
        const vectors = [];
        for (let index = 0; index < perDocument && row < chunkCount; index++, row++) {
          chunks.push({ text: paragraph(5 + Math.floor(random() * 5)), heading: `${heading()} › ${heading()}` });
          const vector = clusteredVector(row);
          vectors.push(vector);
        }
        const path = `/bench/docs/section-${batch}/doc-${document}.md`;
        store.writeDocument({ path, type: 'markdown', sha256: '-', size: 0, mtimeMs: 0, tags: [], chunking: '1000/150', chunks, vectors });
        vectors.forEach((vector, index) => clustered.add({ id: row - vectors.length + index, vector }));
      }
    });
  }
  transaction(store.db, () => {
    store.setMeta('mode', 'vector');
    store.setMeta('dimensions', String(DIMENSIONS));
    store.setMeta('embeddings_spec', 'bench:synthetic-clustered');
  });
  store.db.close();
}
const buildSeconds = (performance.now() - buildStarted) / 1000;
const databaseMB = statSync(bigFile).size / 1048576;

/** Answers each query with the next prepared vector: a stored vector with noise, like a query near a topic. */
class QueueEmbeddings extends Embeddings {
  next: Float32Array = new Float32Array(DIMENSIONS);
  constructor() {
    super({});
  }
  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map(() => Array.from(this.next));
  }
  async embedQuery(): Promise<number[]> {
    return Array.from(this.next);
  }
}
const nearVector = (row: number) => normalise(Float32Array.from(clusteredVector(row), (value) => value + gauss() * 0.05));
const embedder = new QueueEmbeddings();
const index = DocumentIndex.open({ file: bigFile, embeddings: embedder });
const questions = Array.from({ length: queryCount }, question);
async function latencies(mode: 'lexical' | 'vector' | 'hybrid'): Promise<{ p50: number; p99: number; emptyResults: number }> {
  const samples: number[] = [];
  let emptyResults = 0;
  for (const [number, text] of questions.entries()) {
    embedder.next = nearVector(Math.floor(random() * chunkCount));
    const started = performance.now();
    const passages = await index.search(text, { k: 10, mode });
    samples.push(performance.now() - started);
    if (number === 0) continue;
    if (passages.length === 0) emptyResults++;
  }
  return { p50: percentile(samples.slice(1), 50), p99: percentile(samples.slice(1), 99), emptyResults };
}
const lexical = await latencies('lexical');
const loadStarted = performance.now();
await index.search('warm up', { k: 10, mode: 'vector' });
const vectorLoadMs = performance.now() - loadStarted;
const vector = await latencies('vector');
const hybrid = await latencies('hybrid');
index.close();

// 4. Recall@10 of approximate against exact search.
function recall(matrix: VectorMatrix, query: () => Float32Array): { recall: number; exactP50: number; approximateP50: number } {
  let found = 0;
  const exactTimes: number[] = [];
  const approximateTimes: number[] = [];
  for (let q = 0; q < queryCount; q++) {
    const vector = query();
    let started = performance.now();
    const exact = new Set(matrix.exactSearch(vector, { k: 10 }).map((hit) => hit.id));
    exactTimes.push(performance.now() - started);
    started = performance.now();
    const approximate = matrix.approximateSearch(vector, { k: 10 });
    approximateTimes.push(performance.now() - started);
    found += approximate.filter((hit) => exact.has(hit.id)).length;
  }
  return { recall: found / (queryCount * 10), exactP50: percentile(exactTimes, 50), approximateP50: percentile(approximateTimes, 50) };
}
const clusteredRecall = recall(clustered, () => nearVector(Math.floor(random() * chunkCount)));
const isotropic = new VectorMatrix({ dimensions: DIMENSIONS, capacity: chunkCount });
for (let row = 0; row < chunkCount; row++) isotropic.add({ id: row, vector: Float32Array.from({ length: DIMENSIONS }, gauss) });
const isotropicRecall = recall(isotropic, () => Float32Array.from({ length: DIMENSIONS }, gauss));
rmSync(folder, { recursive: true, force: true });

const figures = {
  indexing: {
    files: fileCount,
    lexical: { chunks: lexicalIndexing.chunks, chunksPerSecond: lexicalIndexing.chunks / lexicalIndexing.seconds },
    hashEmbeddings: { chunks: vectorIndexing.chunks, chunksPerSecond: vectorIndexing.chunks / vectorIndexing.seconds },
  },
  bigIndex: { chunks: chunkCount, dimensions: DIMENSIONS, buildSeconds, databaseMB, vectorLoadMs },
  queries: { count: queryCount, k: 10, lexical, vector, hybrid },
  recallAt10: { clustered: clusteredRecall, isotropic: isotropicRecall },
};
if (values.json) {
  console.log(JSON.stringify(figures, null, 2));
} else {
  const f = figures;
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  console.log(`Document index, Node ${process.version}, ${queryCount} queries per row (k = 10).`);
  console.log(`Indexing ${fileCount} Markdown files from disk:`);
  console.log(`  lexical only:          ${f.indexing.lexical.chunksPerSecond.toFixed(0)} chunks/s (${f.indexing.lexical.chunks} chunks)`);
  console.log(`  with HashEmbeddings:   ${f.indexing.hashEmbeddings.chunksPerSecond.toFixed(0)} chunks/s (${f.indexing.hashEmbeddings.chunks} chunks)`);
  console.log(
    `Index of ${chunkCount} chunks with ${DIMENSIONS}-d clustered vectors: written in ${buildSeconds.toFixed(1)} s, ` +
      `${databaseMB.toFixed(0)} MB; vectors loaded into memory on the first vector query in ${vectorLoadMs.toFixed(0)} ms.`,
  );
  console.log('');
  console.log('Query            p50         p99         target          ');
  console.log(`lexical (BM25)   ${ms(lexical.p50).padEnd(11)} ${ms(lexical.p99).padEnd(11)} p50 ≤ 10 ms: ${verdict(lexical.p50 <= 10)}`);
  console.log(`vector           ${ms(vector.p50).padEnd(11)} ${ms(vector.p99).padEnd(11)} -`);
  console.log(`hybrid (RRF)     ${ms(hybrid.p50).padEnd(11)} ${ms(hybrid.p99).padEnd(11)} p50 ≤ 50 ms: ${verdict(hybrid.p50 <= 50)}`);
  if (lexical.emptyResults > 0) console.log(`(${lexical.emptyResults} lexical queries found nothing.)`);
  console.log('');
  console.log(`Recall@10 of approximate vs exact vector search, ${chunkCount} vectors:`);
  console.log(
    `  clustered (realistic):   ${f.recallAt10.clustered.recall.toFixed(3)}  target ≥ 0.95: ${verdict(f.recallAt10.clustered.recall >= 0.95)}` +
      `  (exact p50 ${ms(f.recallAt10.clustered.exactP50)}, approximate p50 ${ms(f.recallAt10.clustered.approximateP50)})`,
  );
  console.log(
    `  isotropic (worst case):  ${f.recallAt10.isotropic.recall.toFixed(3)}` +
      `  (exact p50 ${ms(f.recallAt10.isotropic.exactP50)}, approximate p50 ${ms(f.recallAt10.isotropic.approximateP50)})`,
  );
}
