import type { Readability as ReadabilityClass } from '@mozilla/readability';
import type TurndownServiceClass from 'turndown';

/** The HTML libraries, loaded on the first HTML page rather than at start-up (about 250 ms). */
interface HtmlLibraries {
  Readability: typeof ReadabilityClass;
  parseHTML: typeof import('linkedom').parseHTML;
  TurndownService: typeof TurndownServiceClass;
}
let htmlLibraries: Promise<HtmlLibraries> | undefined;
function loadHtmlLibraries(): Promise<HtmlLibraries> {
  htmlLibraries ??= Promise.all([import('@mozilla/readability'), import('linkedom'), import('turndown')]).then(
    ([readability, linkedom, turndown]) => ({ Readability: readability.Readability, parseHTML: linkedom.parseHTML, TurndownService: turndown.default }),
  );
  return htmlLibraries;
}
import { ToolError } from '../../agent/errors.ts';

/** A fetched document reduced to text a model can read. */
export interface ExtractedPage {
  kind: 'html' | 'text' | 'json' | 'pdf' | 'binary';
  title: string;
  /** Markdown for HTML (links written `text [N]`), page-marked text for PDF, a one-line description for binary. */
  text: string;
  /** The numbered links of an HTML page: `links[N - 1]` is the target of every `[N]` in `text`. */
  links: PageLink[];
}

export interface PageLink {
  /** The number written after the link text, from 1. */
  index: number;
  /** Absolute URL (`mailto:` links as written). */
  url: string;
  /** The link text where it first appears. */
  text: string;
}

export interface ExtractContentOptions {
  body: Buffer;
  /** The `Content-Type` header; may be empty or wrong, so the body is sniffed when it does not settle the kind. */
  contentType: string;
  /** The page's final URL: relative links resolve against it. */
  url: string;
}

/** Below this many characters of visible text, a page with scripts probably renders its content in the browser. */
const MIN_VISIBLE_TEXT = 200;
/** Deeper JSON is shown as sent: indenting it would multiply its size. */
const MAX_PRETTY_JSON_DEPTH = 64;
const MAX_PRETTY_JSON_BYTES = 2 * 1024 * 1024;
const MAX_LINK_TEXT = 200;
const MAX_LINK_URL = 2000;
/** Elements whose content is never page text. */
const REMOVED_ELEMENTS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'IFRAME', 'OBJECT', 'EMBED', 'CANVAS', 'SVG']);

/** The part of a DOM element the Markdown rules read: the project compiles without the DOM library. */
interface ElementLike {
  nodeName: string;
  getAttribute(name: string): string | null;
  children: ArrayLike<ElementLike>;
}

type Kind = ExtractedPage['kind'];

/**
 * Turns a response body into readable text. HTML becomes Markdown of its main content (Readability,
 * falling back to the whole body) with numbered links; JSON is pretty-printed; PDF text carries
 * `--- page N ---` markers; anything else that is not text is described in one line. Throws a
 * `ToolError` only for a PDF that cannot be read.
 */
export async function extractContent({ body, contentType, url }: ExtractContentOptions): Promise<ExtractedPage> {
  const kind = detectKind({ body, contentType });
  switch (kind) {
    case 'html':
      return extractHtml({ html: decodeText({ body, contentType, html: true }), url });
    case 'json':
      return extractJson({ text: decodeText({ body, contentType, html: false }), url });
    case 'text':
      return { kind, title: titleFromUrl(url), text: decodeText({ body, contentType, html: false }), links: [] };
    case 'pdf':
      return extractPdf({ body, url });
    case 'binary':
      return { kind, title: titleFromUrl(url), text: describeBinary({ body, contentType }), links: [] };
  }
}

/**
 * True when an HTML page probably shows its content only after JavaScript runs: little visible
 * text, and scripts, an empty app root (`<div id="root"></div>`) or a `<noscript>` about JavaScript.
 */
export function needsJavaScript(html: string, extracted: ExtractedPage): boolean {
  if (extracted.kind !== 'html') return false;
  const visible = extracted.text.replace(/(?<!\\)\[\d+\]/g, '').replace(/\s+/g, ' ').trim();
  if (visible.length >= MIN_VISIBLE_TEXT) return false;
  const hasScript = /<script\b/i.test(html);
  const emptyAppRoot = /<(div|main|section|body|app-root)\b[^>]*\bid=["']?(root|app|__next|__nuxt|main|application)\b[^>]*>\s*<\/\1>/i.test(html);
  const noscriptAboutJs = [...html.matchAll(/<noscript\b[^>]*>([\s\S]*?)<\/noscript>/gi)].some((match) => /javascript/i.test(match[1] ?? ''));
  return hasScript || emptyAppRoot || noscriptAboutJs;
}

function detectKind({ body, contentType }: { body: Buffer; contentType: string }): Kind {
  const essence = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (essence === 'text/html' || essence === 'application/xhtml+xml') return 'html';
  if (essence === 'application/json' || essence.endsWith('+json')) return 'json';
  if (essence === 'application/pdf') return 'pdf';
  if (essence.startsWith('text/') || essence.endsWith('+xml') || essence.endsWith('/xml') || essence.includes('javascript')) return 'text';
  if (/^(image|audio|video|font|model)\//.test(essence)) return 'binary';
  return sniffKind(body);
}

/** Guesses the kind of a body whose type is missing or generic (`application/octet-stream`). */
function sniffKind(body: Buffer): Kind {
  if (body.subarray(0, 1024).includes('%PDF-')) return 'pdf';
  if (!looksLikeText(body)) return 'binary';
  const head = body.subarray(0, 1024).toString('utf8').replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (head.startsWith('<!doctype html') || /<(html|head|body)[\s>]/.test(head)) return 'html';
  if (head.startsWith('{') || head.startsWith('[')) {
    try {
      JSON.parse(body.toString('utf8'));
      return 'json';
    } catch {
      return 'text';
    }
  }
  return 'text';
}

/** Text has no NUL bytes and decodes as UTF-8 (or carries a UTF-16 byte-order mark). */
function looksLikeText(body: Buffer): boolean {
  const sample = body.subarray(0, 4096);
  if (sample[0] === 0xff && sample[1] === 0xfe) return true;
  if (sample[0] === 0xfe && sample[1] === 0xff) return true;
  if (sample.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** Decodes with the charset the header (or, for HTML, a `<meta>` tag) names; UTF-8 otherwise. */
function decodeText({ body, contentType, html }: { body: Buffer; contentType: string; html: boolean }): string {
  let charset = /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType)?.[1];
  if (!charset && html) charset = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(body.subarray(0, 2048).toString('latin1'))?.[1];
  if (body[0] === 0xff && body[1] === 0xfe) charset = 'utf-16le';
  if (body[0] === 0xfe && body[1] === 0xff) charset = 'utf-16be';
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

async function extractHtml({ html, url }: { html: string; url: string }): Promise<ExtractedPage> {
  const { Readability, parseHTML, TurndownService } = await loadHtmlLibraries();
  const { document } = parseHTML(html);
  const documentTitle = collapse(document.title ?? '');
  const base = resolveBase({ href: document.querySelector('base[href]')?.getAttribute('href'), url });
  // Readability rewrites the tree it reads, so the fallback parses the page again.
  const article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0]).parse();
  const articleText = article?.textContent?.trim() ?? '';
  const content = articleText ? (article?.content ?? '') : parseHTML(html).document.body?.innerHTML ?? '';
  const links: PageLink[] = [];
  const text = htmlToMarkdown({ html: content, base, pageUrl: url, links, TurndownService });
  return { kind: 'html', title: collapse(article?.title ?? '') || documentTitle, text, links };
}

function resolveBase({ href, url }: { href: string | null | undefined; url: string }): string {
  if (!href) return url;
  try {
    return new URL(href, url).href;
  } catch {
    return url;
  }
}

/**
 * Converts HTML to Markdown, writing each link as `text [N]` and collecting its absolute URL in
 * `links` (one number per distinct URL). Links that lead nowhere useful (same-page anchors,
 * `javascript:`, `data:`) keep their text only.
 */
function htmlToMarkdown({ html, base, pageUrl, links, TurndownService }: {
  html: string;
  base: string;
  pageUrl: string;
  links: PageLink[];
  TurndownService: typeof TurndownServiceClass;
}): string {
  const numbers = new Map<string, number>();
  const service = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-', emDelimiter: '*' });
  service.remove((node: ElementLike) => REMOVED_ELEMENTS.has(node.nodeName.toUpperCase()));
  service.addRule('numberedLinks', {
    filter: (node: ElementLike) => node.nodeName === 'A' && node.getAttribute('href') !== null,
    replacement: (content, node: ElementLike) => {
      const element = node;
      const text = collapse(content) || collapse(element.getAttribute('aria-label') ?? element.getAttribute('title') ?? '');
      const target = linkTarget({ href: element.getAttribute('href') ?? '', base, pageUrl });
      if (!target) return text;
      let number = numbers.get(target);
      if (number === undefined) {
        number = numbers.size + 1;
        numbers.set(target, number);
        links.push({ index: number, url: target, text: text.slice(0, MAX_LINK_TEXT) });
      }
      return text ? `${text} [${number}]` : `[${number}]`;
    },
  });
  service.addRule('imagesAsAltText', {
    filter: 'img',
    replacement: (_content, node: ElementLike) => {
      const alt = collapse(node.getAttribute('alt') ?? '');
      return alt ? `(image: ${alt})` : '';
    },
  });
  service.addRule('tableCells', {
    filter: ['th', 'td'],
    replacement: (content) => ` ${collapse(content).replace(/\|/g, '\\|')} |`,
  });
  service.addRule('tableRows', {
    filter: 'tr',
    replacement: (content, row: ElementLike) => {
      const cells = Array.from(row.children).filter((cell) => cell.nodeName === 'TH' || cell.nodeName === 'TD');
      const isHeader = cells.length > 0 && cells.every((cell) => cell.nodeName === 'TH');
      return `\n|${content}${isHeader ? `\n|${' --- |'.repeat(cells.length)}` : ''}`;
    },
  });
  return service.turndown(html).replace(/\n{3,}/g, '\n\n').trim();
}

/** The absolute URL a link should be listed under, or undefined when it is not worth a number. */
function linkTarget({ href, base, pageUrl }: { href: string; base: string; pageUrl: string }): string | undefined {
  const trimmed = href.trim();
  if (!trimmed || trimmed.startsWith('#')) return undefined;
  let target: URL;
  try {
    target = new URL(trimmed, base);
  } catch {
    return undefined;
  }
  if (target.protocol === 'mailto:') return target.href.slice(0, MAX_LINK_URL);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return undefined;
  if (target.hash && withoutHash(target.href) === withoutHash(pageUrl)) return undefined;
  return target.href.length > MAX_LINK_URL ? undefined : target.href;
}

function withoutHash(url: string): string {
  const index = url.indexOf('#');
  return index === -1 ? url : url.slice(0, index);
}

function extractJson({ text, url }: { text: string; url: string }): ExtractedPage {
  const title = titleFromUrl(url);
  if (text.length > MAX_PRETTY_JSON_BYTES || jsonDepth(text) > MAX_PRETTY_JSON_DEPTH) return { kind: 'json', title, text, links: [] };
  try {
    return { kind: 'json', title, text: JSON.stringify(JSON.parse(text), null, 2), links: [] };
  } catch {
    return { kind: 'text', title, text, links: [] };
  }
}

/** The deepest nesting of brackets outside strings; a cheap bound on how much indenting adds. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') max = Math.max(max, ++depth);
    else if (char === '}' || char === ']') depth--;
  }
  return max;
}

async function extractPdf({ body, url }: { body: Buffer; url: string }): Promise<ExtractedPage> {
  // Loaded on first use: pdf.js is large and most fetches are HTML.
  const { extractText, getDocumentProxy, getMeta } = await import('unpdf');
  let document;
  try {
    // A copy, because pdf.js may detach the buffer it is given. No eval, no system fonts: the file is untrusted.
    document = await getDocumentProxy(new Uint8Array(body), { isEvalSupported: false, useSystemFonts: false, disableFontFace: true, verbosity: 0 });
  } catch (error) {
    throw new ToolError(`The PDF at ${url} could not be read (${error instanceof Error ? error.message : String(error)}).`, { cause: error });
  }
  try {
    const { text: pages } = await extractText(document, { mergePages: false });
    const info = (await getMeta(document).catch(() => ({ info: {} }))).info as Record<string, unknown>;
    const title = typeof info.Title === 'string' && info.Title.trim() ? collapse(info.Title) : titleFromUrl(url);
    const text = pages.map((page, index) => `--- page ${index + 1} ---\n\n${page.trim()}`).join('\n\n');
    return { kind: 'pdf', title, text, links: [] };
  } finally {
    await document.destroy();
  }
}

function describeBinary({ body, contentType }: { body: Buffer; contentType: string }): string {
  const essence = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  // The header comes from the server: only a well-formed media type is repeated to the model.
  const type = /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}$/.test(essence) ? essence : 'unknown type';
  return `Binary content (${type}, ${formatBytes(body.length)}): there is no text to read.`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A readable name for a document without a title: its file name, else its host. */
function titleFromUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const name = decodeURIComponent(parsed.pathname.split('/').filter(Boolean).pop() ?? '');
    return collapse(name) || parsed.host;
  } catch {
    return url;
  }
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
