import { describe, expect, it } from 'vitest';
import { similarityScores, textSimilarity } from '../../../src/env/agent/similarity.ts';

describe('similarity', () => {
  it('is 1 for the same text and 0 for texts that share nothing', () => {
    expect(textSimilarity('put a hot apple in fridge', 'put a hot apple in fridge')).toBeCloseTo(1, 10);
    expect(textSimilarity('abc', 'xyz')).toBe(0);
  });

  it('ranks the candidate naming the same objects first', () => {
    const scores = similarityScores({ query: 'put a clean mug in coffeemachine', candidates: ['put a clean apple in fridge', 'put a clean mug in coffeemachine 1'] });
    expect(scores[1]!).toBeGreaterThan(scores[0]!);
  });

  it('for commands, discounts a different verb and a missing object', () => {
    const plain = similarityScores({ query: 'open fridge 1', candidates: ['go to fridge 1', 'open fridge 1'] });
    const commands = similarityScores({ query: 'open fridge 1', candidates: ['go to fridge 1', 'open fridge 1'], commands: true });
    expect(commands[0]!).toBeCloseTo(plain[0]! * 0.6, 10);
    expect(commands[1]!).toBeCloseTo(plain[1]!, 10);
    const missing = similarityScores({ query: 'take apple 1 from cabinet 2', candidates: ['take mug 1 from cabinet 2'], commands: true });
    const plainMissing = similarityScores({ query: 'take apple 1 from cabinet 2', candidates: ['take mug 1 from cabinet 2'] });
    expect(missing[0]!).toBeCloseTo(plainMissing[0]! * 0.75, 10);
  });

  it('matches words the candidates spell differently ("sink" and "sinkbasin")', () => {
    const [sink, fridge] = similarityScores({ query: 'go to sink', candidates: ['go to sinkbasin 1', 'go to fridge 1'], commands: true });
    expect(sink!).toBeGreaterThan(0.5);
    expect(fridge!).toBeLessThan(0.3);
  });
});
