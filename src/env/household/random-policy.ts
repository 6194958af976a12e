/** A policy that picks uniformly among the admissible actions: the floor any agent should beat. */
import type { Policy } from '../policy.ts';
import { createRandom } from './random.ts';

export interface RandomPolicyOptions {
  /** Seeds the choices, so a run can be repeated exactly. */
  seed: number;
}

/** Chooses uniformly (seeded) among the last result's admissible actions; gives up when there are none. */
export function createRandomPolicy({ seed }: RandomPolicyOptions): Policy {
  const random = createRandom(seed);
  return {
    name: 'random',
    begin: () => {},
    next: (last) => (last.admissibleActions.length === 0 ? undefined : random.pick(last.admissibleActions)),
  };
}
