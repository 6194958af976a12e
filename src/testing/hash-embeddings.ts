import { Embeddings } from '@langchain/core/embeddings';

export interface HashEmbeddingsOptions {
  /** Length of every vector (default 384, the size of small sentence-embedding models). */
  dimensions?: number;
}

/**
 * A deterministic, offline embedder for tests: feature hashing of the lower-cased word unigrams and
 * bigrams of a text into `dimensions` signed buckets, L2-normalised. Texts that share words get
 * similar vectors, which is enough to test vector and hybrid search without a model. A text with
 * no words embeds as the zero vector.
 */
export class HashEmbeddings extends Embeddings {
  readonly dimensions: number;

  constructor(options: HashEmbeddingsOptions = {}) {
    super({});
    const dimensions = options.dimensions ?? 384;
    if (!Number.isInteger(dimensions) || dimensions < 1) throw new RangeError(`dimensions must be a positive integer; got ${dimensions}.`);
    this.dimensions = dimensions;
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    return documents.map((document) => this.embed(document));
  }

  async embedQuery(document: string): Promise<number[]> {
    return this.embed(document);
  }

  /** The vector of one text, synchronously. */
  embed(text: string): number[] {
    const vector = new Array<number>(this.dimensions).fill(0);
    const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    const addFeature = (feature: string) => {
      const hash = fnv1a(feature);
      // The low bits pick the bucket and the top bit the sign, so collisions cancel out on average.
      vector[(hash & 0x7fffffff) % this.dimensions]! += hash < 0 ? -1 : 1;
    };
    for (let index = 0; index < words.length; index++) {
      addFeature(words[index]!);
      if (index > 0) addFeature(`${words[index - 1]} ${words[index]}`);
    }
    const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
    return norm > 0 ? vector.map((value) => value / norm) : vector;
  }
}

/** 32-bit FNV-1a over UTF-16 code units, as a signed integer. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
