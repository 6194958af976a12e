import { describe, expect, it } from 'vitest';
import { HashEmbeddings } from '../../src/testing/hash-embeddings.ts';

const dot = (a: number[], b: number[]) => a.reduce((sum, value, index) => sum + value * b[index]!, 0);

describe('HashEmbeddings', () => {
  it('embeds deterministically into unit vectors of the configured size', async () => {
    const embeddings = new HashEmbeddings({ dimensions: 64 });
    const [first, second] = await embeddings.embedDocuments(['Retry the request', 'retry THE request!']);
    expect(first!.length).toEqual(64);
    expect(dot(first!, first!)).toBeCloseTo(1, 10);
    // Case and punctuation do not matter; the same words give the same vector.
    expect(second).toEqual(first);
    expect(await new HashEmbeddings({ dimensions: 64 }).embedQuery('Retry the request')).toEqual(first);
    expect((await new HashEmbeddings().embedQuery('x')).length).toEqual(384);
  });

  it('makes texts that share words more similar than texts that do not', async () => {
    const embeddings = new HashEmbeddings();
    const [query, related, unrelated] = await embeddings.embedDocuments(['parse command line options', 'options for the command line parser', 'seeded random numbers']);
    expect(dot(query!, related!)).toBeGreaterThan(dot(query!, unrelated!) + 0.2);
  });

  it('embeds text without words as the zero vector and rejects bad sizes', async () => {
    expect(await new HashEmbeddings({ dimensions: 4 }).embedQuery('  ?! ')).toEqual([0, 0, 0, 0]);
    expect(() => new HashEmbeddings({ dimensions: 0 })).toThrow(RangeError);
  });
});
