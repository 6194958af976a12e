/** One nearest-neighbour hit: the id the vector was added with, and its cosine similarity. */
export interface VectorHit {
  id: number;
  score: number;
}

export interface VectorSearchOptions {
  k: number;
  /** Only rows whose byte is 1 are considered (a prefilter built with `rowMask`); all rows when absent. */
  allowed?: Uint8Array;
}

/**
 * Below this many candidate vectors, exact search is fast enough (about 10 ms at 384 dimensions)
 * and is always used.
 */
export const APPROXIMATE_SEARCH_THRESHOLD = 20_000;

/**
 * Normalised vectors held in one contiguous Float32Array, with a sign-bit copy for fast approximate
 * search. Exact search scores every allowed row. Approximate search ranks rows by the Hamming
 * distance between sign bits (a cheap estimate of the angle), keeps the closest few hundred and
 * rescores those exactly: on clustered embeddings this finds the same top 10 as exact search.
 */
export class VectorMatrix {
  readonly dimensions: number;
  #ids: Float64Array;
  #groups: Float64Array;
  #values: Float32Array;
  #bits: Int32Array;
  #words: number;
  #size = 0;

  /** `capacity` rows are allocated up front; `add` grows the arrays when it runs out. */
  constructor({ dimensions, capacity = 1024 }: { dimensions: number; capacity?: number }) {
    this.dimensions = dimensions;
    this.#words = Math.ceil(dimensions / 32);
    this.#ids = new Float64Array(capacity);
    this.#groups = new Float64Array(capacity);
    this.#values = new Float32Array(capacity * dimensions);
    this.#bits = new Int32Array(capacity * this.#words);
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Appends one vector (normalised here). `group` is an id the caller filters on (the index uses
   * the document id). Returns false, adding nothing, for a vector of the wrong length or of zero norm.
   */
  add({ id, vector, group = 0 }: { id: number; vector: ArrayLike<number>; group?: number }): boolean {
    const d = this.dimensions;
    if (vector.length !== d) return false;
    let norm = 0;
    for (let j = 0; j < d; j++) norm += vector[j]! * vector[j]!;
    if (!(norm > 0) || !Number.isFinite(norm)) return false;
    if (this.#size === this.#ids.length) this.#grow();
    const row = this.#size++;
    const scale = 1 / Math.sqrt(norm);
    const offset = row * d;
    const wordOffset = row * this.#words;
    for (let j = 0; j < d; j++) {
      const value = vector[j]! * scale;
      this.#values[offset + j] = value;
      if (value > 0) this.#bits[wordOffset + (j >> 5)]! |= 1 << (j & 31);
    }
    this.#ids[row] = id;
    this.#groups[row] = group;
    return true;
  }

  /** A prefilter for `allowed`: 1 for each row whose group passes `test`, and the number of such rows. */
  rowMask(test: (group: number) => boolean): { mask: Uint8Array; count: number } {
    const mask = new Uint8Array(this.#size);
    let count = 0;
    for (let row = 0; row < this.#size; row++) {
      if (test(this.#groups[row]!)) {
        mask[row] = 1;
        count++;
      }
    }
    return { mask, count };
  }

  /** Exact search below `APPROXIMATE_SEARCH_THRESHOLD` allowed rows, approximate above it. */
  search(query: ArrayLike<number>, options: VectorSearchOptions & { allowedCount?: number }): VectorHit[] {
    const candidates = options.allowedCount ?? this.#size;
    return candidates > APPROXIMATE_SEARCH_THRESHOLD ? this.approximateSearch(query, options) : this.exactSearch(query, options);
  }

  /** The `k` rows of highest cosine similarity, best first, scoring every allowed row. */
  exactSearch(query: ArrayLike<number>, { k, allowed }: VectorSearchOptions): VectorHit[] {
    const q = this.#normalisedQuery(query);
    if (!q) return [];
    const top = new TopK(k);
    const d = this.dimensions;
    const values = this.#values;
    for (let row = 0; row < this.#size; row++) {
      if (allowed && allowed[row] === 0) continue;
      const offset = row * d;
      let score = 0;
      for (let j = 0; j < d; j++) score += values[offset + j]! * q[j]!;
      top.offer(row, score);
    }
    return top.sorted().map(({ row, score }) => ({ id: this.#ids[row]!, score }));
  }

  /**
   * The `k` best rows among the `candidates` (default max(50·k, 500)) closest by sign-bit Hamming
   * distance, rescored exactly. Rows tied with the last candidate's distance are all kept.
   */
  approximateSearch(query: ArrayLike<number>, { k, allowed, candidates = Math.max(50 * k, 500) }: VectorSearchOptions & { candidates?: number }): VectorHit[] {
    const q = this.#normalisedQuery(query);
    if (!q) return [];
    const words = this.#words;
    const queryBits = new Int32Array(words);
    for (let j = 0; j < this.dimensions; j++) if (q[j]! > 0) queryBits[j >> 5]! |= 1 << (j & 31);
    const distances = new Uint16Array(this.#size);
    const histogram = new Uint32Array(this.dimensions + 1);
    const bits = this.#bits;
    const unreachable = this.dimensions + 1;
    for (let row = 0; row < this.#size; row++) {
      if (allowed && allowed[row] === 0) {
        distances[row] = unreachable;
        continue;
      }
      const offset = row * words;
      let distance = 0;
      for (let w = 0; w < words; w++) distance += popcount(bits[offset + w]! ^ queryBits[w]!);
      distances[row] = distance;
      histogram[distance]!++;
    }
    // The smallest distance cut-off that admits at least `candidates` rows.
    let cutoff = 0;
    for (let admitted = histogram[0]!; admitted < candidates && cutoff < this.dimensions; admitted += histogram[++cutoff]!);
    const top = new TopK(k);
    const d = this.dimensions;
    const values = this.#values;
    for (let row = 0; row < this.#size; row++) {
      if (distances[row]! > cutoff) continue;
      const offset = row * d;
      let score = 0;
      for (let j = 0; j < d; j++) score += values[offset + j]! * q[j]!;
      top.offer(row, score);
    }
    return top.sorted().map(({ row, score }) => ({ id: this.#ids[row]!, score }));
  }

  #normalisedQuery(query: ArrayLike<number>): Float32Array | undefined {
    if (query.length !== this.dimensions) {
      throw new RangeError(`The query vector has ${query.length} dimensions; the index holds ${this.dimensions}-dimensional vectors.`);
    }
    let norm = 0;
    for (let j = 0; j < query.length; j++) norm += query[j]! * query[j]!;
    if (!(norm > 0) || !Number.isFinite(norm)) return undefined;
    const scale = 1 / Math.sqrt(norm);
    return Float32Array.from(query, (value) => value * scale);
  }

  #grow(): void {
    const capacity = Math.max(1024, this.#ids.length * 2);
    const grow = <T extends Float64Array | Float32Array | Int32Array>(array: T, length: number): T => {
      const bigger = new (array.constructor as new (length: number) => T)(length);
      bigger.set(array);
      return bigger;
    };
    this.#ids = grow(this.#ids, capacity);
    this.#groups = grow(this.#groups, capacity);
    this.#values = grow(this.#values, capacity * this.dimensions);
    this.#bits = grow(this.#bits, capacity * this.#words);
  }
}

/** Bits set in a 32-bit word (the SWAR bit trick: no lookup table, no loop). */
function popcount(value: number): number {
  value -= (value >>> 1) & 0x55555555;
  value = (value & 0x33333333) + ((value >>> 2) & 0x33333333);
  return Math.imul((value + (value >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Keeps the `k` highest-scoring rows offered, in a min-heap so each offer costs O(log k) at most. */
class TopK {
  readonly #k: number;
  readonly #rows: number[] = [];
  readonly #scores: number[] = [];

  constructor(k: number) {
    this.#k = Math.max(1, k);
  }

  offer(row: number, score: number): void {
    const rows = this.#rows;
    const scores = this.#scores;
    if (rows.length < this.#k) {
      rows.push(row);
      scores.push(score);
      this.#siftUp(rows.length - 1);
    } else if (score > scores[0]!) {
      rows[0] = row;
      scores[0] = score;
      this.#siftDown(0);
    }
  }

  /** Best first; ties in score keep the lower row (the earlier insertion) first. */
  sorted(): { row: number; score: number }[] {
    return this.#rows.map((row, index) => ({ row, score: this.#scores[index]! })).sort((a, b) => b.score - a.score || a.row - b.row);
  }

  #siftUp(index: number): void {
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (this.#scores[parent]! <= this.#scores[index]!) return;
      this.#swap(index, parent);
      index = parent;
    }
  }

  #siftDown(index: number): void {
    const length = this.#rows.length;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < length && this.#scores[left]! < this.#scores[smallest]!) smallest = left;
      if (right < length && this.#scores[right]! < this.#scores[smallest]!) smallest = right;
      if (smallest === index) return;
      this.#swap(index, smallest);
      index = smallest;
    }
  }

  #swap(a: number, b: number): void {
    [this.#rows[a], this.#rows[b]] = [this.#rows[b]!, this.#rows[a]!];
    [this.#scores[a], this.#scores[b]] = [this.#scores[b]!, this.#scores[a]!];
  }
}
