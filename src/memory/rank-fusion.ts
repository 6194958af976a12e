/** The RRF constant from Cormack et al. (2009): it damps the weight of the very first ranks. */
export const RRF_K = 60;

/**
 * Reciprocal rank fusion: each id scores the sum of 1 / (RRF_K + rank) over the lists it appears
 * in (ranks from 1), so an item ranked well by both lists beats one ranked first by only one.
 * Returns every id, best first; ties keep the order in which ids were first seen.
 */
export function reciprocalRankFusion(lists: readonly (readonly { id: number }[])[]): { id: number; score: number }[] {
  const scores = new Map<number, number>();
  for (const list of lists) {
    list.forEach(({ id }, index) => scores.set(id, (scores.get(id) ?? 0) + 1 / (RRF_K + index + 1)));
  }
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}
