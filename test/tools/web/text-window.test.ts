import { describe, expect, it } from 'vitest';
import { windowText } from '../../../src/tools/web/text-window.ts';

/** Reads a text window by window, following `nextOffset`, as the model does. */
function readAll(text: string, maxChars: number): string[] {
  const parts: string[] = [];
  let offset: number | undefined = 0;
  while (offset !== undefined) {
    const window = windowText(text, { offset, maxChars });
    parts.push(window.text);
    offset = window.nextOffset;
  }
  return parts;
}

describe('windowText', () => {
  it('returns a short text whole, without a next offset', () => {
    expect(windowText('Hello.', { offset: 0, maxChars: 100 })).toEqual({ text: 'Hello.', offset: 0, end: 6, total: 6 });
  });

  it('cuts after a paragraph break in preference to a line break or a space', () => {
    const text = 'First paragraph here.\n\nSecond one, line one.\nline two and more words';
    expect(windowText(text, { maxChars: 50 })).toEqual({ text: 'First paragraph here.\n\nSecond one, line one.\n', offset: 0, end: 45, total: 68, nextOffset: 45 });
    expect(windowText(text, { maxChars: 30 })).toEqual({ text: 'First paragraph here.\n\n', offset: 0, end: 23, total: 68, nextOffset: 23 });
    expect(windowText('one two three four', { maxChars: 10 })).toEqual({ text: 'one two ', offset: 0, end: 8, total: 18, nextOffset: 8 });
  });

  it('ignores a boundary in the first half of the window and cuts hard instead', () => {
    const text = `a ${'x'.repeat(40)}`;
    expect(windowText(text, { maxChars: 20 })).toEqual({ text: text.slice(0, 20), offset: 0, end: 20, total: 42, nextOffset: 20 });
  });

  it('does not split a surrogate pair when it must cut hard', () => {
    const text = `${'x'.repeat(9)}😀${'y'.repeat(10)}`;
    const window = windowText(text, { maxChars: 10 });
    expect(window.text).toEqual('x'.repeat(9));
    expect(windowText(text, { offset: window.end, maxChars: 10 }).text.startsWith('😀')).toEqual(true);
  });

  it('clamps the offset to the text and never exceeds maxChars', () => {
    expect(windowText('abc', { offset: 10, maxChars: 5 })).toEqual({ text: '', offset: 3, end: 3, total: 3 });
    expect(windowText('abc', { offset: -4, maxChars: 2 })).toEqual({ text: 'ab', offset: 0, end: 2, total: 3, nextOffset: 2 });
  });

  it('tiles a long text exactly: no gaps, no overlaps, each window within maxChars', () => {
    const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
    const text = Array.from({ length: 3000 }, (_, i) => `${words[i % 5]}${i % 17 === 0 ? '\n\n' : i % 7 === 0 ? '\n' : ' '}`).join('');
    for (const maxChars of [1, 7, 100, 999]) {
      const parts = readAll(text, maxChars);
      expect(parts.join('')).toEqual(text);
      expect(parts.every((part) => part.length <= maxChars && part.length > 0)).toEqual(true);
    }
  });
});
