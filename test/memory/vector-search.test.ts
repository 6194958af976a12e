import { describe, expect, it } from 'vitest';
import { VectorMatrix } from '../../src/memory/vector-search.ts';

/** A seeded generator (xorshift32), so the data set is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

describe('VectorMatrix', () => {
  it('finds the most similar vectors exactly, best first, with cosine scores', () => {
    const matrix = new VectorMatrix({ dimensions: 3, capacity: 1 });
    expect(matrix.add({ id: 10, vector: [1, 0, 0] })).toEqual(true);
    expect(matrix.add({ id: 11, vector: [0, 2, 0] })).toEqual(true);
    expect(matrix.add({ id: 12, vector: [1, 1, 0] })).toEqual(true);
    expect(matrix.add({ id: 13, vector: [0, 0, 0] })).toEqual(false);
    expect(matrix.add({ id: 14, vector: [1, 0] })).toEqual(false);
    expect(matrix.size).toEqual(3);
    const hits = matrix.exactSearch([3, 0, 0], { k: 2 });
    expect(hits.map((hit) => hit.id)).toEqual([10, 12]);
    expect(hits[0]!.score).toBeCloseTo(1, 6);
    expect(hits[1]!.score).toBeCloseTo(Math.SQRT1_2, 6);
    expect(matrix.exactSearch([0, 0, 0], { k: 2 })).toEqual([]);
    expect(() => matrix.exactSearch([1, 0], { k: 2 })).toThrow('The query vector has 2 dimensions; the index holds 3-dimensional vectors.');
  });

  it('searches only the rows a prefilter allows', () => {
    const matrix = new VectorMatrix({ dimensions: 2 });
    matrix.add({ id: 1, vector: [1, 0], group: 100 });
    matrix.add({ id: 2, vector: [1, 0.1], group: 200 });
    matrix.add({ id: 3, vector: [0, 1], group: 200 });
    const { mask, count } = matrix.rowMask((group) => group === 200);
    expect(count).toEqual(2);
    expect(matrix.exactSearch([1, 0], { k: 5, allowed: mask }).map((hit) => hit.id)).toEqual([2, 3]);
    expect(matrix.approximateSearch([1, 0], { k: 5, allowed: mask }).map((hit) => hit.id)).toEqual([2, 3]);
  });

  it('agrees with exact search on clustered data when forced through the approximate path', () => {
    const random = seeded(12345);
    const dimensions = 384;
    const centres = Array.from({ length: 40 }, () => Array.from({ length: dimensions }, () => gaussian(random) / Math.sqrt(dimensions)));
    const matrix = new VectorMatrix({ dimensions, capacity: 4000 });
    const rows: number[][] = [];
    for (let row = 0; row < 4000; row++) {
      const vector = centres[row % centres.length]!.map((value) => value + (gaussian(random) * 0.06) / Math.sqrt(dimensions) * 20);
      rows.push(vector);
      matrix.add({ id: row, vector });
    }
    let found = 0;
    const queries = 30;
    for (let query = 0; query < queries; query++) {
      const base = rows[Math.floor(random() * rows.length)]!;
      const vector = base.map((value) => value + gaussian(random) * 0.05);
      const exact = new Set(matrix.exactSearch(vector, { k: 10 }).map((hit) => hit.id));
      // 200 candidates out of 4000: the approximate path has to choose, unlike with the default of 500.
      const approximate = matrix.approximateSearch(vector, { k: 10, candidates: 200 });
      expect(approximate.length).toEqual(10);
      found += approximate.filter((hit) => exact.has(hit.id)).length;
    }
    expect(found / (queries * 10)).toBeGreaterThanOrEqual(0.9);
  });

  it('returns exact scores from the approximate path', () => {
    const matrix = new VectorMatrix({ dimensions: 64 });
    const random = seeded(7);
    for (let row = 0; row < 1000; row++) matrix.add({ id: row, vector: Array.from({ length: 64 }, () => gaussian(random)) });
    const query = Array.from({ length: 64 }, () => gaussian(random));
    const exact = matrix.exactSearch(query, { k: 1000 });
    const approximate = matrix.approximateSearch(query, { k: 5, candidates: 1000 });
    expect(approximate).toEqual(exact.slice(0, 5));
  });
});
