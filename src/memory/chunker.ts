import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { UserError } from '../agent/errors.ts';
import type { LoadedDocument } from './loaders.ts';
import type { PassageLocation } from './passages.ts';

/** One piece of a document as the index stores it. */
export interface Chunk extends PassageLocation {
  text: string;
}

export interface ChunkingOptions {
  /** Largest chunk, in characters (default 1000). */
  chunkSize?: number;
  /** Characters repeated at the start of the next chunk of the same section (default 150). */
  chunkOverlap?: number;
}

export const DEFAULT_CHUNK_SIZE = 1000;
export const DEFAULT_CHUNK_OVERLAP = 150;
/** Joins the headings of a heading path, outermost first. */
export const HEADING_SEPARATOR = ' › ';

/** Throws a UserError unless the sizes make sense together; returns them with defaults filled in. */
export function resolveChunking({ chunkSize = DEFAULT_CHUNK_SIZE, chunkOverlap = DEFAULT_CHUNK_OVERLAP }: ChunkingOptions): Required<ChunkingOptions> {
  if (!Number.isInteger(chunkSize) || chunkSize < 50 || chunkSize > 100_000) {
    throw new UserError(`chunkSize must be a whole number of characters between 50 and 100000; got ${chunkSize}.`);
  }
  if (!Number.isInteger(chunkOverlap) || chunkOverlap < 0 || chunkOverlap >= chunkSize) {
    throw new UserError(`chunkOverlap must be a whole number from 0 to less than chunkSize (${chunkSize}); got ${chunkOverlap}.`);
  }
  return { chunkSize, chunkOverlap };
}

/**
 * Splits a document into chunks along its structure: Markdown (and HTML, which arrives as Markdown)
 * by ATX heading sections, each chunk carrying its heading path; PDF by page; JSON by top-level
 * element or key, descending into values too large for one chunk; JSONL by line. Long
 * sections are split with LangChain's `RecursiveCharacterTextSplitter`. Text, Markdown and JSONL
 * chunks carry their 1-based line range in the file.
 */
export async function chunkDocument({ document, ...options }: { document: LoadedDocument } & ChunkingOptions): Promise<Chunk[]> {
  const { chunkSize, chunkOverlap } = resolveChunking(options);
  const splitter = (language?: 'markdown') =>
    language
      ? RecursiveCharacterTextSplitter.fromLanguage(language, { chunkSize, chunkOverlap })
      : new RecursiveCharacterTextSplitter({ chunkSize, chunkOverlap });
  switch (document.type) {
    case 'text':
      return withLines({ text: document.text, pieces: await splitWithOffsets({ splitter: splitter(), text: document.text, offset: 0, overlap: chunkOverlap }) });
    case 'markdown':
    case 'html': {
      const markdownSplitter = splitter('markdown');
      const pieces: Piece[] = [];
      for (const section of markdownSections(document.text)) {
        for (const piece of await splitWithOffsets({ splitter: markdownSplitter, text: section.text, offset: section.offset, overlap: chunkOverlap })) {
          pieces.push({ ...piece, heading: section.heading });
        }
      }
      // HTML lines are lines of the converted Markdown, which mean nothing in the original file.
      return document.type === 'markdown' ? withLines({ text: document.text, pieces }) : pieces.map(({ offset: _, ...chunk }) => chunk);
    }
    case 'pdf': {
      const chunks: Chunk[] = [];
      for (const [index, page] of document.pages.entries()) {
        for (const text of await splitter().splitText(page)) chunks.push({ text, page: index + 1 });
      }
      return chunks;
    }
    case 'json':
      return jsonChunks({ value: document.value, chunkSize, split: (text) => splitter().splitText(text) });
    case 'jsonl':
      return jsonlChunks({ lines: document.lines, chunkSize, split: (text) => splitter().splitText(text) });
  }
}

interface Piece extends Chunk {
  /** Where the chunk starts in the whole text. */
  offset: number;
}

/**
 * Splits `text` and finds where each chunk starts. The splitter returns trimmed substrings in order,
 * each overlapping the previous one by at most `overlap` characters, so a chunk is searched for
 * from `overlap` characters before the previous chunk's end (which keeps repeated text from
 * matching too early), then from just after the previous chunk's start. A chunk that cannot be
 * found (should the splitter ever rewrite text) takes the previous position rather than failing.
 */
async function splitWithOffsets({ splitter, text, offset, overlap }: {
  splitter: RecursiveCharacterTextSplitter;
  text: string;
  offset: number;
  overlap: number;
}): Promise<Piece[]> {
  const pieces: Piece[] = [];
  let previousStart = -1;
  let previousEnd = 0;
  for (const chunk of await splitter.splitText(text)) {
    const earliest = previousStart + 1;
    let start = text.indexOf(chunk, Math.max(earliest, previousEnd - overlap));
    if (start === -1) start = text.indexOf(chunk, earliest);
    if (start === -1) start = text.indexOf(chunk.slice(0, 64), earliest);
    if (start === -1) start = earliest;
    pieces.push({ text: chunk, offset: offset + start });
    previousStart = start;
    previousEnd = start + chunk.length;
  }
  return pieces;
}

/** Adds 1-based inclusive line ranges, computed from each piece's offset in `text`. */
function withLines({ text, pieces }: { text: string; pieces: Piece[] }): Chunk[] {
  const lineStarts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) lineStarts.push(index + 1);
  const lineOf = (offset: number): number => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
  return pieces.map(({ offset, ...chunk }) => ({
    ...chunk,
    lineStart: lineOf(offset),
    lineEnd: lineOf(offset + Math.max(chunk.text.length - 1, 0)),
  }));
}

interface Section {
  heading: string | undefined;
  text: string;
  offset: number;
}

const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Cuts Markdown at ATX headings (not at `#` lines inside fenced code). Each section runs from its
 * heading line to the next heading and carries the path of headings above it. Sections with no
 * text besides their heading are dropped: their heading reaches the index through their children.
 */
export function markdownSections(text: string): Section[] {
  const sections: Section[] = [];
  const path: { level: number; title: string }[] = [];
  let fence: string | undefined;
  let sectionStart = 0;
  let sectionHeading: string | undefined;
  let sectionHasBody = false;
  const close = (end: number) => {
    const body = text.slice(sectionStart, end);
    if (sectionHasBody && body.trim()) sections.push({ heading: sectionHeading, text: body, offset: sectionStart });
  };
  let offset = 0;
  for (const line of text.split('\n')) {
    const lineStart = offset;
    offset += line.length + 1;
    const fenceMatch = FENCE.exec(line);
    if (fence) {
      if (fenceMatch && fenceMatch[1]![0] === fence[0] && fenceMatch[1]!.length >= fence.length && !line.slice(fenceMatch[0].length).trim()) fence = undefined;
      sectionHasBody = true;
      continue;
    }
    if (fenceMatch) {
      fence = fenceMatch[1];
      sectionHasBody = true;
      continue;
    }
    const heading = ATX_HEADING.exec(line.replace(/\r$/, ''));
    if (!heading) {
      if (line.trim()) sectionHasBody = true;
      continue;
    }
    close(lineStart);
    const level = heading[1]!.length;
    while (path.length > 0 && path[path.length - 1]!.level >= level) path.pop();
    const title = (heading[2] ?? '').trim();
    if (title) path.push({ level, title });
    sectionStart = lineStart;
    sectionHeading = path.length > 0 ? path.map((entry) => entry.title).join(HEADING_SEPARATOR) : undefined;
    sectionHasBody = false;
  }
  close(text.length);
  return sections;
}

type Split = (text: string) => Promise<string[]>;

/**
 * One unit per top-level array element (`[3]`) or object key (`scripts`), pretty-printed; a unit
 * larger than a chunk is opened one level further (`scripts › build`), and a scalar still too large
 * is split as text.
 */
async function jsonChunks({ value, chunkSize, split }: { value: unknown; chunkSize: number; split: Split }): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  const visit = async (node: unknown, path: string[]): Promise<void> => {
    const pretty = JSON.stringify(node, null, 2) ?? 'null';
    const heading = path.length > 0 ? path.join(HEADING_SEPARATOR) : undefined;
    const children = node !== null && typeof node === 'object' ? Object.entries(node) : [];
    const isRoot = path.length === 0;
    if ((pretty.length <= chunkSize && !isRoot) || children.length === 0) {
      for (const text of pretty.length <= chunkSize ? [pretty] : await split(pretty)) chunks.push({ text, heading });
      return;
    }
    for (const [key, child] of children) await visit(child, [...path, Array.isArray(node) ? `[${key}]` : key]);
  };
  await visit(value, []);
  return chunks;
}

/** One chunk per line, as JSONL records are independent; a line larger than a chunk is split as text. */
async function jsonlChunks({ lines, chunkSize, split }: { lines: { line: number; text: string }[]; chunkSize: number; split: Split }): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for (const entry of lines) {
    for (const text of entry.text.length > chunkSize ? await split(entry.text) : [entry.text]) chunks.push({ text, lineStart: entry.line, lineEnd: entry.line });
  }
  return chunks;
}
