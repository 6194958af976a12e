/**
 * A lexical similarity between short texts: the mean of two TF-IDF cosines, one over word tokens
 * and one over character trigrams. Words carry the meaning ("mug", "cabinet"); trigrams forgive
 * spelling and spacing ("coffee machine" against "coffeemachine"). Weighting tokens by their
 * rarity among the texts compared makes the scaffolding every command shares ("go to", "from")
 * count for little and the objects and places count for much. For commands, two rules of the
 * grammar are added: a different verb is a different command, and a candidate must name the
 * objects the query names.
 */

/** Verbs models write for the environment's own verbs, mapped to the grammar's word. */
const VERB_SYNONYMS: Readonly<Record<string, string>> = {
  grab: 'take',
  get: 'take',
  fetch: 'take',
  pick: 'take',
  walk: 'go',
  move: 'go',
  head: 'go',
  navigate: 'go',
  travel: 'go',
  place: 'put',
  drop: 'put',
  set: 'put',
  wash: 'clean',
  rinse: 'clean',
  warm: 'heat',
  microwave: 'heat',
  chill: 'cool',
  refrigerate: 'cool',
  inspect: 'examine',
  check: 'examine',
  switch: 'use',
  turn: 'use',
};

/** Word tokens with verb synonyms mapped to the grammar's verbs. */
export function wordTokens(text: string): string[] {
  return (text.toLowerCase().match(/[a-z]+|\d+/g) ?? []).map((word) => VERB_SYNONYMS[word] ?? word);
}

/** Character trigrams of the text with spaces removed, so "coffee machine" meets "coffeemachine". */
export function charTrigrams(text: string): string[] {
  const squeezed = `#${text.toLowerCase().replace(/[^a-z0-9]+/g, '')}#`;
  const grams: string[] = [];
  for (let index = 0; index + 3 <= squeezed.length; index++) grams.push(squeezed.slice(index, index + 3));
  return grams;
}

/**
 * Scores a query against every candidate, in the candidates' order, in [0, 1]. Token weights are
 * inverse document frequencies over the candidates and the query.
 */
export function similarityScores({
  query,
  candidates,
  commands = false,
}: {
  query: string;
  candidates: readonly string[];
  /** The texts are environment commands: apply the verb and coverage rules (default false). */
  commands?: boolean;
}): number[] {
  const candidateWords = candidates.map(wordTokens);
  const queryWords = alignWords({ words: wordTokens(query), vocabulary: new Set(candidateWords.flat()) });
  const words = tfidfVectors([queryWords, ...candidateWords]);
  const grams = tfidfVectors([query, ...candidates].map(charTrigrams));
  const content = queryWords.slice(1).filter((word) => !FILLER_WORDS.has(word) && !/^\d+$/.test(word));
  return candidates.map((candidate, index) => {
    let score = (cosine(words[0]!, words[index + 1]!) + cosine(grams[0]!, grams[index + 1]!)) / 2;
    if (!commands) return score;
    // A different verb is a different command ("open fridge 1" is not "go to fridge 1").
    if (candidateWords[index]![0] !== queryWords[0]) score *= VERB_MISMATCH_FACTOR;
    // A candidate that leaves out an object the query names acts on something else.
    if (content.length > 0) {
      const present = new Set(candidateWords[index]);
      score *= 0.5 + (0.5 * content.filter((word) => present.has(word)).length) / content.length;
    }
    return score;
  });
}

/** Words that name no object or place, left out when checking that a candidate covers the query. */
const FILLER_WORDS = new Set(['to', 'from', 'in', 'on', 'at', 'of', 'with', 'and', 'into', 'onto', 'around', 'up', 'please', 'now', 'then', 'it']);

/**
 * Replaces query words the candidates never use by a candidate word that contains them or that
 * they contain (four letters at least), so "sink" meets "sinkbasin" and "cabinets" meets "cabinet".
 */
function alignWords({ words, vocabulary }: { words: readonly string[]; vocabulary: ReadonlySet<string> }): string[] {
  return words.map((word) => {
    if (vocabulary.has(word) || word.length < 4) return word;
    let best: string | undefined;
    for (const known of vocabulary) {
      if (known.length < 4 || !(known.includes(word) || word.includes(known))) continue;
      if (best === undefined || known.length < best.length) best = known;
    }
    return best ?? word;
  });
}

/** How much of its score a candidate keeps when its verb differs from the query's. */
const VERB_MISMATCH_FACTOR = 0.6;

/**
 * TF-IDF vectors of token lists, with document frequencies taken over the lists themselves and
 * smoothed so that a token every list shares still counts a little.
 */
function tfidfVectors(documents: readonly (readonly string[])[]): Map<string, number>[] {
  const frequency = new Map<string, number>();
  for (const tokens of documents) for (const token of new Set(tokens)) frequency.set(token, (frequency.get(token) ?? 0) + 1);
  const idf = (token: string) => Math.log((documents.length + 1) / ((frequency.get(token) ?? 0) + 1)) + 1;
  return documents.map((tokens) => weightedCounts(tokens, idf));
}

/** The similarity of two texts on their own (word weights from the pair only), in [0, 1]. */
export function textSimilarity(a: string, b: string): number {
  return similarityScores({ query: a, candidates: [b] })[0]!;
}

function weightedCounts(tokens: readonly string[], weight: (token: string) => number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + weight(token));
  return counts;
}

function cosine(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  let dot = 0;
  for (const [token, value] of a) dot += value * (b.get(token) ?? 0);
  if (dot === 0) return 0;
  return dot / (norm(a) * norm(b));
}

function norm(vector: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const value of vector.values()) sum += value * value;
  return Math.sqrt(sum);
}
