import { describe, expect, it } from 'vitest';
import { GROUNDING_THRESHOLD, groundAction, normalizeAction } from '../../../src/env/agent/grounding.ts';

const ADMISSIBLE = [
  'go to cabinet 1',
  'go to cabinet 2',
  'go to coffeemachine 1',
  'go to countertop 1',
  'go to drawer 1',
  'go to fridge 1',
  'go to garbagecan 1',
  'go to microwave 1',
  'go to sinkbasin 1',
  'take mug 1 from cabinet 2',
  'take cup 1 from cabinet 2',
  'open cabinet 2',
  'close cabinet 2',
  'examine cabinet 2',
  'put knife 1 in/on cabinet 2',
  'inventory',
  'look',
];

describe('groundAction', () => {
  it('sends an admissible action unchanged', () => {
    expect(groundAction({ action: 'go to fridge 1', admissible: ADMISSIBLE })).toEqual({ raw: 'go to fridge 1', action: 'go to fridge 1', method: 'exact' });
  });

  it('matches after normalising case, prompt markers, quotes, punctuation and articles', () => {
    expect(groundAction({ action: '> Go to the Fridge 1.', admissible: ADMISSIBLE })).toEqual({
      raw: '> Go to the Fridge 1.',
      action: 'go to fridge 1',
      method: 'normalized',
    });
    expect(groundAction({ action: 'Action: "take the mug 1 from cabinet 2"', admissible: ADMISSIBLE }).action).toBe('take mug 1 from cabinet 2');
    expect(groundAction({ action: 'pick up mug 1 from cabinet 2', admissible: ADMISSIBLE })).toEqual({
      raw: 'pick up mug 1 from cabinet 2',
      action: 'take mug 1 from cabinet 2',
      method: 'normalized',
    });
  });

  it('treats in, on and in/on as one word', () => {
    for (const action of ['put knife 1 in cabinet 2', 'put knife 1 on cabinet 2', 'put the knife 1 in/on the cabinet 2']) {
      expect(groundAction({ action, admissible: ADMISSIBLE })).toEqual({ raw: action, action: 'put knife 1 in/on cabinet 2', method: 'normalized' });
    }
    expect(normalizeAction('Put the apple 2 ON the countertop 1!')).toBe('put apple 2 in/on countertop 1');
  });

  it('keeps numbers apart: cabinet 3 is not cabinet 2 by normalisation', () => {
    expect(normalizeAction('go to cabinet 3')).not.toBe(normalizeAction('go to cabinet 2'));
    expect(groundAction({ action: 'open cabinet 2', admissible: ADMISSIBLE }).method).toBe('exact');
  });

  it('grounds realistic near-misses by similarity above the threshold', () => {
    const cases: Array<[string, string]> = [
      ['go to the fridge', 'go to fridge 1'],
      ['grab the mug from the cabinet', 'take mug 1 from cabinet 2'],
      ['walk to the sink', 'go to sinkbasin 1'],
      ['go to the coffee machine', 'go to coffeemachine 1'],
      ['go to the garbage can', 'go to garbagecan 1'],
      ['take the cup', 'take cup 1 from cabinet 2'],
      ['look around', 'look'],
    ];
    for (const [raw, expected] of cases) {
      const grounding = groundAction({ action: raw, admissible: ADMISSIBLE });
      expect({ raw, action: grounding.action, method: grounding.method }).toEqual({ raw, action: expected, method: 'similarity' });
      expect(grounding.score).toBeGreaterThanOrEqual(GROUNDING_THRESHOLD);
    }
  });

  it('rejects actions on things that are not there, and sends them as written', () => {
    for (const raw of ['fly to the moon', 'dance', 'go to the kitchen', 'take apple 1 from cabinet 2', 'open fridge 1', 'heat mug 1 with microwave 1']) {
      const grounding = groundAction({ action: raw, admissible: ADMISSIBLE });
      expect({ action: grounding.action, method: grounding.method }).toEqual({ action: raw, method: 'none' });
      expect(grounding.score).toBeLessThan(GROUNDING_THRESHOLD);
    }
  });

  it('follows the threshold it is given', () => {
    expect(groundAction({ action: 'go to the kitchen', admissible: ADMISSIBLE, threshold: 0 }).method).toBe('similarity');
    expect(groundAction({ action: 'go to the fridge', admissible: ADMISSIBLE, threshold: 0.99 })).toEqual({
      raw: 'go to the fridge',
      action: 'go to the fridge',
      method: 'none',
      score: 0.864,
    });
  });

  it('sends the raw action when nothing is known to be admissible', () => {
    expect(groundAction({ action: ' go to the fridge ', admissible: [] })).toEqual({ raw: ' go to the fridge ', action: 'go to the fridge', method: 'none' });
  });
});
