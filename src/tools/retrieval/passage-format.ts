import type { Passage, PassageLocation } from '../../memory/passages.ts';

/** `Install › From source (lines 12-30)`, `page 3`, or `` when the passage has no location. */
export function describeLocation(location: PassageLocation): string {
  const place = location.page !== undefined
    ? `page ${location.page}`
    : location.lineStart !== undefined
      ? lineRange(location)
      : '';
  if (location.heading && place) return `${location.heading} (${place})`;
  return location.heading ?? place;
}

/**
 * The address a citation points at: `file:///abs/guide.md#L12-30` for a line range,
 * `file:///abs/report.pdf#page=3` for a page, else the bare file URL.
 */
export function passageUrl(passage: Passage): string {
  const base = `file://${passage.source}`;
  if (passage.page !== undefined) return `${base}#page=${passage.page}`;
  if (passage.lineStart !== undefined) {
    const end = passage.lineEnd ?? passage.lineStart;
    return end === passage.lineStart ? `${base}#L${passage.lineStart}` : `${base}#L${passage.lineStart}-${end}`;
  }
  return base;
}

/** The header line of one numbered passage: `[1] /abs/guide.md › Install (lines 12-30), score 0.83`. */
export function passageHeader({ passage, number }: { passage: Passage; number: number }): string {
  const location = describeLocation(passage);
  return `[${number}] ${passage.source}${location ? ` › ${location}` : ''}, score ${formatScore(passage.score)}`;
}

/** Scores differ in scale by mode (BM25, cosine, RRF), so three significant digits suit them all. */
export function formatScore(score: number): string {
  if (!Number.isFinite(score)) return String(score);
  if (score === 0) return '0';
  return Number(score.toPrecision(3)).toString();
}

/**
 * Shares `maxChars` among the texts: short ones keep everything, and what they leave is split
 * evenly among the longer ones, which are cut at a word boundary and end with `…`.
 */
export function fitTexts({ texts, maxChars }: { texts: readonly string[]; maxChars: number }): string[] {
  const limits = new Array<number>(texts.length);
  const byLength = texts.map((text, index) => ({ index, length: text.length })).sort((a, b) => a.length - b.length);
  let remaining = maxChars;
  byLength.forEach(({ index, length }, position) => {
    const share = Math.floor(remaining / (byLength.length - position));
    limits[index] = Math.min(length, share);
    remaining -= limits[index]!;
  });
  return texts.map((text, index) => truncate({ text, maxChars: limits[index]! }));
}

function truncate({ text, maxChars }: { text: string; maxChars: number }): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, Math.max(0, maxChars - 1));
  const lastSpace = cut.lastIndexOf(' ');
  // Cutting at a word boundary reads better, unless that would throw away much of the share.
  const trimmed = lastSpace > cut.length * 0.8 ? cut.slice(0, lastSpace) : cut;
  return `${trimmed.trimEnd()}…`;
}

function lineRange({ lineStart, lineEnd }: PassageLocation): string {
  const end = lineEnd ?? lineStart;
  return end === lineStart ? `line ${lineStart}` : `lines ${lineStart}-${end}`;
}
