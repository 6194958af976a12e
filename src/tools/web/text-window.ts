/** One window of a longer text. */
export interface TextWindow {
  text: string;
  /** Where the window starts in the whole text (the requested offset, clamped to the text). */
  offset: number;
  /** Where it ends (exclusive); the next window starts here. */
  end: number;
  /** The length of the whole text. */
  total: number;
  /** Set when text remains after this window; always equal to `end`. */
  nextOffset?: number;
}

export interface WindowTextOptions {
  /** Character offset to start at; clamped to `[0, text.length]`. */
  offset?: number;
  /** The most characters to return (at least 1). */
  maxChars: number;
}

/** A boundary is only used when it keeps at least this share of the window, so cuts never shrink windows much. */
const MIN_WINDOW_SHARE = 0.5;

/**
 * Cuts `text[offset…]` to at most `maxChars` characters, ending after a paragraph break, else a
 * line break, else a space, when one lies in the second half of the window. Windows requested
 * at each `nextOffset` tile the text exactly: no gaps, no overlaps.
 */
export function windowText(text: string, { offset = 0, maxChars }: WindowTextOptions): TextWindow {
  const total = text.length;
  const start = Math.min(Math.max(0, Math.floor(offset)), total);
  const limit = Math.max(1, Math.floor(maxChars));
  if (total - start <= limit) return { text: text.slice(start), offset: start, end: total, total };
  const end = cutPoint({ text, start, hardEnd: start + limit });
  return { text: text.slice(start, end), offset: start, end, total, nextOffset: end };
}

function cutPoint({ text, start, hardEnd }: { text: string; start: number; hardEnd: number }): number {
  const earliest = start + Math.ceil((hardEnd - start) * MIN_WINDOW_SHARE);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = text.lastIndexOf(separator, hardEnd - separator.length);
    if (at !== -1 && at + separator.length >= earliest) return at + separator.length;
  }
  // No boundary: cut hard, but never between the two halves of a surrogate pair.
  const code = text.charCodeAt(hardEnd - 1);
  const splitsPair = code >= 0xd800 && code <= 0xdbff && hardEnd - 1 > start;
  return splitsPair ? hardEnd - 1 : hardEnd;
}
