import type { PageLink } from '../extract.ts';
import { windowText, type TextWindow } from '../text-window.ts';
import { markUntrusted } from '../untrusted.ts';
import type { BlockedRequest } from './guarded-context.ts';

/** A page of a browser session and where the model is reading it. */
export interface PageView {
  url: string;
  title: string;
  /** Markdown; every `[N]` after link text refers to `links[N - 1]`. */
  text: string;
  links: PageLink[];
  /** Where the current window starts. */
  offset: number;
  /** The last `find`, so the next one with the same text moves on to the following match. */
  lastFind?: { text: string; at: number };
}

/** A `find` result: where the match is and which one of how many it is. */
export interface FindResult {
  at: number;
  ordinal: number;
  count: number;
  wrapped: boolean;
}

/** Requests listed one by one in a view; the rest are counted. */
const MAX_BLOCKED_LISTED = 5;
/** Text shown before a match that `find` jumps to, at most. */
const FIND_CONTEXT_CHARS = 300;
/** A link marker as extract.ts writes it: `[N]`, not preceded by a backslash (an escaped bracket). */
const LINK_MARKER = /(?<!\\)\[(\d+)\]/g;

/** The window of `view` starting at its offset. */
export function currentWindow(view: PageView, viewChars: number): TextWindow {
  return windowText(view.text, { offset: view.offset, maxChars: viewChars });
}

/**
 * What the model sees: a header of facts Gantry vouches for (URL, position, blocked requests,
 * notes), then the window itself and the links in it, marked as untrusted because the page
 * chose them (title included).
 */
export function renderView({ view, viewChars, notes = [], blocked = [] }: {
  view: PageView;
  viewChars: number;
  notes?: readonly string[];
  blocked?: readonly BlockedRequest[];
}): string {
  const window = currentWindow(view, viewChars);
  const header = [`URL: ${view.url}`, describePosition(window), ...notes];
  if (blocked.length > 0) header.push(describeBlocked(blocked));
  const links = linksIn(window.text, view.links);
  const body = [window.text.trim() || '(no text in this view)'];
  if (links.length > 0) body.push('', 'Links in this view:', ...links.map((link) => `[${link.index}] ${link.url}`));
  return `${header.join('\n')}\n${markUntrusted({ url: view.url, title: view.title, text: body.join('\n') })}`;
}

function describePosition(window: TextWindow): string {
  if (window.total === 0) return 'View: the page has no text.';
  const range = `View ${window.offset + 1}–${window.end} of ${window.total} characters`;
  const more = window.nextOffset === undefined ? 'end of page' : 'scroll down for more';
  return `${range} (${window.offset > 0 ? 'scroll up for earlier text; ' : ''}${more}).`;
}

function describeBlocked(blocked: readonly BlockedRequest[]): string {
  const listed = blocked.slice(0, MAX_BLOCKED_LISTED).map((request) => `- ${request.message}`);
  const rest = blocked.length - listed.length;
  return [
    `The web policy blocked ${blocked.length} request${blocked.length === 1 ? '' : 's'} this page made (not loaded; the page may be incomplete):`,
    ...listed,
    ...(rest > 0 ? [`- and ${rest} more.`] : []),
  ].join('\n');
}

/** The links whose markers appear in `text`, each once, in order of appearance. */
export function linksIn(text: string, links: readonly PageLink[]): PageLink[] {
  const seen = new Set<number>();
  const found: PageLink[] = [];
  for (const match of text.matchAll(LINK_MARKER)) {
    const index = Number(match[1]);
    const link = links[index - 1];
    if (link && !seen.has(index)) {
      seen.add(index);
      found.push(link);
    }
  }
  return found;
}

/**
 * Finds `query` in the page, ignoring case and treating any run of whitespace as one space:
 * the first match after the previous `find` of the same text (or from the view's start),
 * wrapping to the top. Moves the view so the match is near its top.
 */
export function findNext({ view, query, viewChars }: { view: PageView; query: string; viewChars: number }): FindResult | undefined {
  const pattern = new RegExp(escapeRegExp(query.trim()).replace(/\s+/g, '\\s+'), 'gi');
  const matches = [...view.text.matchAll(pattern)].map((match) => match.index);
  if (matches.length === 0) return undefined;
  const from = view.lastFind?.text === query ? view.lastFind.at + 1 : view.offset;
  let ordinal = matches.findIndex((at) => at >= from);
  const wrapped = ordinal === -1;
  if (wrapped) ordinal = 0;
  const at = matches[ordinal] as number;
  const lineStart = view.text.lastIndexOf('\n', at) + 1;
  view.offset = Math.max(lineStart, at - Math.min(FIND_CONTEXT_CHARS, Math.floor(viewChars / 4)));
  view.lastFind = { text: query, at };
  return { at, ordinal: ordinal + 1, count: matches.length, wrapped };
}

/**
 * True when `quote` occurs in the page text, comparing what a reader sees: case, whitespace,
 * Markdown markup, escapes, link markers and typographic quotes and dashes do not matter.
 */
export function pageContains(text: string, quote: string): boolean {
  const needle = readable(quote);
  return needle !== '' && readable(text).includes(needle);
}

function readable(text: string): string {
  return text
    .replace(/\s*(?<!\\)\[\d+\]/g, '')
    .replace(/\\([\\`*_{}[\]()#+\-.!<>|~])/g, '$1')
    .replace(/[*_`#>|~]/g, ' ')
    .replace(/[\u2018\u2019\u201a\u2032]/g, "'")
    .replace(/[\u201c\u201d\u201e\u2033]/g, '"')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/ (?=[.,;:!?)])/g, '')
    .trim()
    .toLowerCase();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
