import { describe, expect, it } from 'vitest';
import { matchAnyWord, queryWords, selectQueryWords, toFtsQuery } from '../../src/memory/fts-query.ts';

describe('queryWords and toFtsQuery', () => {
  it('keeps distinct lower-cased words without stop words, quoted and ORed', () => {
    expect(queryWords('How do I make an Option mandatory, option?')).toEqual(['make', 'option', 'mandatory']);
    expect(toFtsQuery('NEAR(a* "b") OR c:d -e')).toEqual('"near" OR "b" OR "c" OR "d" OR "e"');
    expect(queryWords('what is it')).toEqual(['what', 'is', 'it']);
    expect(toFtsQuery('?! --')).toEqual(undefined);
    expect(matchAnyWord([])).toEqual(undefined);
  });
});

describe('selectQueryWords', () => {
  it('keeps every word while the chunks they match fit the budget', () => {
    const words = [{ word: 'a', chunks: 30 }, { word: 'b', chunks: 10 }, { word: 'c', chunks: 0 }];
    expect(selectQueryWords({ words, total: 1000, budget: 100 })).toEqual(['b', 'a']);
  });

  it('leaves out words in half the chunks or more, and then the commonest words over budget', () => {
    const words = [{ word: 'everywhere', chunks: 600 }, { word: 'common', chunks: 300 }, { word: 'rare', chunks: 5 }, { word: 'some', chunks: 80 }];
    expect(selectQueryWords({ words, total: 1000, budget: 100 })).toEqual(['rare', 'some']);
  });

  it('always keeps the rarest word', () => {
    expect(selectQueryWords({ words: [{ word: 'x', chunks: 900 }, { word: 'y', chunks: 800 }], total: 1000, budget: 10 })).toEqual(['y']);
    expect(selectQueryWords({ words: [{ word: 'x', chunks: 400 }], total: 1000, budget: 10 })).toEqual(['x']);
    expect(selectQueryWords({ words: [{ word: 'x', chunks: 0 }], total: 1000, budget: 10 })).toEqual([]);
  });
});
