/**
 * Common English words that carry no meaning in a question. They match most chunks, so leaving
 * them in an OR query makes SQLite score nearly the whole index for no change in the ranking.
 */
const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can could do does did for from had has have how i if in into is it its ' +
    'me my no not of on or our should so than that the their them then there these they this those to too ' +
    'up us was we were what when where which who whom why will with would you your'
  ).split(' '),
);

/** Queries longer than this many distinct words are cut: later words rarely change the ranking. */
const MAX_QUERY_TERMS = 32;

/**
 * The searchable words of free text, lower-cased and distinct, in order. Stop words are dropped
 * unless nothing else is left. Empty when the text has no words at all.
 */
export function queryWords(text: string): string[] {
  const words = [...new Set(text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
  const meaningful = words.filter((word) => !STOP_WORDS.has(word));
  return (meaningful.length > 0 ? meaningful : words).slice(0, MAX_QUERY_TERMS);
}

/**
 * Turns free text into a safe FTS5 query: every word quoted (so FTS syntax in the text is inert)
 * and joined with OR, so a natural-language question still ranks the chunks that match most of
 * it. Stop words are dropped unless nothing else is left. Undefined when the text has no words.
 */
export function toFtsQuery(text: string): string | undefined {
  return matchAnyWord(queryWords(text));
}

/** The FTS5 query matching any of these words (each quoted, so none is read as syntax); undefined for none. */
export function matchAnyWord(words: readonly string[]): string | undefined {
  return words.length === 0 ? undefined : words.map((word) => `"${word.replace(/"/g, '""')}"`).join(' OR ');
}

/**
 * Chooses which words of a query FTS5 should match, given how many chunks hold each (`chunks`,
 * out of `total`). BM25 scores every chunk that matches any word, at about a microsecond each, so
 * on a large index one common word can cost a hundred milliseconds. Words in half the chunks or
 * more are dropped (their BM25 weight is zero), then the rarest words are kept while the chunks
 * they match stay within `budget`; the rarest word is always kept. Words in no chunk are dropped.
 */
export function selectQueryWords({ words, total, budget }: {
  words: readonly { word: string; chunks: number }[];
  total: number;
  budget: number;
}): string[] {
  const present = words.filter((entry) => entry.chunks > 0).sort((a, b) => a.chunks - b.chunks);
  if (present.length === 0) return [];
  const weighted = present.filter((entry) => entry.chunks < total / 2);
  if (weighted.length === 0) return [present[0]!.word];
  const chosen = [weighted[0]!.word];
  let matched = weighted[0]!.chunks;
  for (const entry of weighted.slice(1)) {
    if (matched + entry.chunks > budget) break;
    chosen.push(entry.word);
    matched += entry.chunks;
  }
  return chosen;
}
