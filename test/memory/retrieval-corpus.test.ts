import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentIndex } from '../../src/memory/document-index.ts';
import type { Passage, SearchMode } from '../../src/memory/passages.ts';
import { HashEmbeddings } from '../../src/testing/hash-embeddings.ts';

/**
 * Questions about the real documentation in test/fixtures/corpus (see its NOTICE), each with the
 * passage that answers it: a file, and the section heading, page or line that holds the answer.
 * A question passes when one of its answers is among the top three passages.
 */
interface Answer {
  file: string;
  /** The passage's heading path ends with this. */
  heading?: string;
  /** The passage's line range includes this line. */
  line?: number;
  page?: number;
}

const QUESTIONS: { question: string; answers: Answer[] }[] = [
  { question: 'How do I make an option mandatory?', answers: [{ file: 'commander-readme.md', heading: 'Options › Required option' }, { file: 'commander-readme.md', line: 455 }] },
  { question: 'How do I make an option accept multiple values?', answers: [{ file: 'commander-readme.md', heading: 'Options › Variadic option' }] },
  { question: 'How do I add a version flag to my program?', answers: [{ file: 'commander-readme.md', heading: 'Options › Version option' }] },
  {
    question: 'Which Node.js version does commander 14 require?',
    answers: [{ file: 'commander-readme.md', line: 1166 }, { file: 'commander-package.json', heading: 'engines' }],
  },
  { question: 'How do I check if an IP address is in a CIDR subnet?', answers: [{ file: 'ipaddr-readme.md', line: 116 }, { file: 'ipaddr-readme.md', line: 312 }] },
  { question: 'What is the default number of retries in p-retry?', answers: [{ file: 'p-retry-readme.pdf', page: 4 }] },
  { question: 'How to save and restore the state of a seeded PRNG?', answers: [{ file: 'seedrandom-readme.html', heading: 'Saving and Restoring PRNG state' }] },
  { question: 'Which function computes the greatest common divisor?', answers: [{ file: 'mathjs-functions.jsonl', line: 10 }] },
  { question: 'how to compute the standard deviation', answers: [{ file: 'mathjs-functions.jsonl', line: 36 }] },
  { question: 'How to authenticate to a proxy with ProxyAgent?', answers: [{ file: 'undici/ProxyAgent.md', heading: 'Example - Basic Proxy Request with authentication' }] },
  { question: 'How do I infer the TypeScript type of a zod schema?', answers: [{ file: 'zod-readme.md', heading: 'Basic usage › Inferring types' }] },
  { question: 'How do I handle validation errors in zod?', answers: [{ file: 'zod-readme.md', heading: 'Basic usage › Handling errors' }] },
  { question: 'How do I set the precision of decimal.js?', answers: [{ file: 'decimal-readme.md', line: 183 }] },
  { question: 'How do I run the mathjs tests?', answers: [{ file: 'mathjs-readme.md', heading: 'Test' }] },
  { question: 'What error is thrown when a socket fails?', answers: [{ file: 'undici/Errors.md', heading: '`SocketError`' }, { file: 'undici/Errors.md', line: 15 }] },
  { question: 'Which agent retries failed requests?', answers: [{ file: 'undici/RetryAgent.md' }] },
];

const CORPUS = new URL('../fixtures/corpus/', import.meta.url).pathname.replace(/\/$/, '');

function answers(passage: Passage, answer: Answer): boolean {
  if (passage.source !== join(CORPUS, answer.file)) return false;
  if (answer.heading !== undefined && !passage.heading?.endsWith(answer.heading)) return false;
  if (answer.page !== undefined && passage.page !== answer.page) return false;
  if (answer.line !== undefined && !(passage.lineStart! <= answer.line && answer.line <= passage.lineEnd!)) return false;
  return true;
}

let folder: string;
let lexical: DocumentIndex;
let hybrid: DocumentIndex;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'gantry-corpus-'));
  lexical = DocumentIndex.open({ file: join(folder, 'lexical.db') });
  hybrid = DocumentIndex.open({ file: join(folder, 'hybrid.db'), embeddings: new HashEmbeddings() });
  const [lexicalReport, hybridReport] = await Promise.all([lexical.add([CORPUS]), hybrid.add([CORPUS], { embeddingsSpec: 'test:hash-384' })]);
  for (const report of [lexicalReport, hybridReport]) {
    expect({ added: report.added, failed: report.failed, skipped: report.skipped.map((entry) => entry.path.slice(CORPUS.length)) }).toEqual({
      added: 14,
      failed: [],
      skipped: ['/NOTICE'],
    });
  }
});

afterAll(() => {
  lexical?.close();
  hybrid?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('retrieval over a real documentation corpus', () => {
  it('indexes every format of the corpus', () => {
    expect(lexical.stats().byType).toEqual({ html: 1, json: 1, jsonl: 1, markdown: 10, pdf: 1 });
    expect(hybrid.stats()).toMatchObject({ embeddingsSpec: 'test:hash-384', dimensions: 384 });
    expect(hybrid.stats().vectors).toEqual(hybrid.stats().chunks);
  });

  /** The questions whose answer is not among the top `k` passages, with what came back instead. */
  async function misses(index: DocumentIndex, mode: SearchMode, k: number): Promise<string[]> {
    const missed: string[] = [];
    for (const { question, answers: expected } of QUESTIONS) {
      const top = await index.search(question, { k, mode });
      if (!top.some((passage) => expected.some((answer) => answers(passage, answer)))) {
        missed.push(`${question} → ${top.slice(0, 3).map((passage) => `${passage.source.slice(CORPUS.length + 1)} ${passage.heading ?? passage.page ?? passage.lineStart}`).join(' | ')}`);
      }
    }
    return missed;
  }

  it('ranks the answering passage in the top 3 for every question (lexical)', async () => {
    expect(await misses(lexical, 'lexical', 3)).toEqual([]);
  });

  it('keeps most answers in the top 10 when fusing in the hash embedder (hybrid)', async () => {
    // HashEmbeddings is hashed words without stemming or stop words, a far weaker ranker than a real
    // model, and reciprocal rank fusion puts any passage found by both lists above one ranked first
    // by only one of them. So a few lexical answers drop out here; most must not.
    const missed = await misses(hybrid, 'hybrid', 10);
    expect(missed.length).toBeLessThanOrEqual(3);
  });

  it('finds passages of the PDF and HTML by their text', async () => {
    const [pdf] = await lexical.search('shouldConsumeRetry RateLimitError', { k: 1, filter: { type: 'pdf' } });
    expect(pdf?.page).toEqual(4);
    const [html] = await lexical.search('Math.seedrandom network seeding', { k: 1, filter: { type: 'html' } });
    expect(html?.heading).toEqual('seedrandom.js › Network seeding');
    // The page's navigation bar and scripts were stripped before indexing.
    expect(await lexical.search('analytics beacon registry', { filter: { type: 'html' } })).toEqual([]);
  });
});
