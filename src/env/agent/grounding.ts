import { similarityScores } from './similarity.ts';

/** How a free-text action was matched to what the environment accepts. */
export interface Grounding {
  /** The action as the model wrote it. */
  raw: string;
  /** What is sent to the environment. */
  action: string;
  /**
   * `exact`: the raw action is admissible; `normalized`: it is once case, articles, punctuation and
   * phrasing are evened out; `similarity`: the most similar admissible action scored above
   * `GROUNDING_THRESHOLD`; `none`: nothing matched (or nothing is known to be admissible), so the
   * raw action is sent as is.
   */
  method: 'exact' | 'normalized' | 'similarity' | 'none';
  /** The similarity of the best admissible action, for `similarity` and for `none` when there were candidates. */
  score?: number;
}

/**
 * The lowest similarity at which a free-text action is replaced by an admissible one. Realistic
 * paraphrases score above it ("go to the fridge" → "go to fridge 1" about 0.86, "grab the mug from
 * the cabinet" → "take mug 1 from cabinet 2" about 0.64, "walk to the sink" → "go to sinkbasin 1"
 * about 0.64); actions on things that are not there score below it ("take apple 1 from cabinet 2"
 * when only a mug is there, about 0.45; "open fridge 1" against "go to fridge 1", about 0.36;
 * "fly to the moon", under 0.1). `test/env/agent/grounding.test.ts` pins both sides.
 */
export const GROUNDING_THRESHOLD = 0.5;

/**
 * Grounds a free-text action to the nearest admissible action: exact match, then normalised
 * match, then lexical similarity above the threshold, as in Huang et al. (2022), "Language Models
 * as Zero-Shot Planners". They compared sentence embeddings; this uses a lexical similarity
 * (word TF-IDF and character trigrams, `similarity.ts`) because it runs offline, needs no model
 * download, and gives the same answer every time, which keeps runs replayable.
 */
export function groundAction({
  action,
  admissible,
  threshold = GROUNDING_THRESHOLD,
}: {
  action: string;
  admissible: readonly string[];
  threshold?: number;
}): Grounding {
  const raw = action;
  const trimmed = action.trim();
  if (admissible.length === 0) return { raw, action: trimmed, method: 'none' };
  if (admissible.includes(trimmed)) return { raw, action: trimmed, method: 'exact' };

  const normalized = normalizeAction(trimmed);
  const same = admissible.find((candidate) => normalizeAction(candidate) === normalized);
  if (same !== undefined) return { raw, action: same, method: 'normalized' };

  const scores = similarityScores({ query: normalized, candidates: admissible.map(normalizeAction), commands: true });
  let best = 0;
  for (let index = 1; index < scores.length; index++) if (scores[index]! > scores[best]!) best = index;
  const score = round(scores[best]!);
  if (score >= threshold) return { raw, action: admissible[best]!, method: 'similarity', score };
  return { raw, action: trimmed, method: 'none', score };
}

/**
 * The canonical form two phrasings of one command share: lower case, single spaces, no leading
 * `>` / `action:` / quotes, no trailing punctuation, no articles, `in`, `on` and `in/on` as one
 * word, and `pick up X` as `take X`. Digits are kept: `cabinet 1` and `cabinet 2` stay apart.
 */
export function normalizeAction(text: string): string {
  let result = text.toLowerCase().replace(/\s+/g, ' ').trim();
  result = result.replace(/^(?:>\s*|action\s*:\s*)+/, '');
  result = result.replace(/^["'`]+|["'`]+$/g, '').trim();
  result = result.replace(/[.!?,;:]+$/, '').replace(/^["'`]+|["'`]+$/g, '').trim();
  result = result.replace(/^pick up\b/, 'take').replace(/^pick (.+?) up\b/, 'take $1');
  result = result.replace(/\b(?:in\s*\/\s*on|on\s*\/\s*in|into|onto|inside|in|on)\b/g, 'in/on');
  return result
    .split(' ')
    .filter((word) => word !== 'a' && word !== 'an' && word !== 'the')
    .join(' ');
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
