import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { extname, join, relative, isAbsolute, sep } from 'node:path';
import type { DocumentType } from './passages.ts';

/** One file read into the shape its chunker needs. */
export type LoadedDocument =
  /** Text and Markdown keep the file's text as it is, so chunks can carry line numbers. */
  | { type: 'text' | 'markdown'; path: string; text: string }
  /** HTML is converted to Markdown (headings survive); its lines are not the file's lines. */
  | { type: 'html'; path: string; text: string }
  /** One string per page, in order. */
  | { type: 'pdf'; path: string; pages: string[] }
  /** The parsed value; the chunker makes one unit per top-level element or key. */
  | { type: 'json'; path: string; value: unknown }
  /** The non-blank lines with their 1-based line numbers. */
  | { type: 'jsonl'; path: string; lines: { line: number; text: string }[] };

/** A file the walk found and can load. */
export interface FoundFile {
  path: string;
  type: DocumentType;
  size: number;
  mtimeMs: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

/** 20 MB: larger files are usually data dumps or archives, not documents. */
export const DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024;

const TYPES_BY_EXTENSION: Record<string, DocumentType> = {
  '.txt': 'text',
  '.text': 'text',
  '.log': 'text',
  '.rst': 'text',
  '.csv': 'text',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdx': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.pdf': 'pdf',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

/** Elements whose content is never document text. */
const REMOVED_HTML_ELEMENTS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'IFRAME', 'OBJECT', 'EMBED', 'CANVAS', 'SVG', 'NAV', 'TITLE']);

/** The document type a file name implies, or undefined for extensions the index does not read. */
export function documentTypeOf(path: string): DocumentType | undefined {
  return TYPES_BY_EXTENSION[extname(path).toLowerCase()];
}

/**
 * Lists the loadable files under `root` (a folder or one file), in sorted order. Dotfiles,
 * dot-folders and `node_modules` are passed over silently; unknown extensions, files over
 * `maxFileBytes` and symbolic links that lead out of the root are returned as skipped.
 */
export async function walkFiles({ root, maxFileBytes = DEFAULT_MAX_FILE_BYTES }: { root: string; maxFileBytes?: number }): Promise<{
  files: FoundFile[];
  skipped: SkippedFile[];
}> {
  const files: FoundFile[] = [];
  const skipped: SkippedFile[] = [];
  const rootStat = await stat(root);
  if (!rootStat.isDirectory()) {
    const type = documentTypeOf(root);
    if (!type) skipped.push({ path: root, reason: `unsupported file type (${extname(root) || 'no extension'})` });
    else if (rootStat.size > maxFileBytes) skipped.push({ path: root, reason: tooLarge(rootStat.size, maxFileBytes) });
    else files.push({ path: root, type, size: rootStat.size, mtimeMs: rootStat.mtimeMs });
    return { files, skipped };
  }
  const realRoot = await realpath(root);
  // Real paths of the folders already walked, so a link back up the tree cannot loop.
  const visited = new Set<string>([realRoot]);
  const walk = async (folder: string): Promise<void> => {
    const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(folder, entry.name);
      let info = await lstat(path);
      if (info.isSymbolicLink()) {
        const target = await realpath(path).catch(() => undefined);
        if (!target) {
          skipped.push({ path, reason: 'broken symbolic link' });
          continue;
        }
        if (!isInside({ path: target, root: realRoot })) {
          skipped.push({ path, reason: 'symbolic link to outside the folder' });
          continue;
        }
        info = await stat(path);
        if (info.isDirectory()) {
          if (visited.has(target)) continue;
          visited.add(target);
        }
      }
      if (info.isDirectory()) {
        await walk(path);
        continue;
      }
      if (!info.isFile()) continue;
      const type = documentTypeOf(path);
      if (!type) skipped.push({ path, reason: `unsupported file type (${extname(path) || 'no extension'})` });
      else if (info.size > maxFileBytes) skipped.push({ path, reason: tooLarge(info.size, maxFileBytes) });
      else files.push({ path, type, size: info.size, mtimeMs: info.mtimeMs });
    }
  };
  await walk(root);
  return { files, skipped };
}

function isInside({ path, root }: { path: string; root: string }): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function tooLarge(size: number, limit: number): string {
  return `larger than the limit (${formatBytes(size)} > ${formatBytes(limit)})`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Reads one file's bytes into a `LoadedDocument`. Returns `{ skipped }` for a file that is not
 * what its extension says (binary content in a text file); throws for a file that is broken
 * (malformed JSON, an unreadable PDF), which the index reports as failed.
 */
export async function loadDocument({ path, type, bytes }: { path: string; type: DocumentType; bytes: Uint8Array }): Promise<
  { document: LoadedDocument } | { skipped: string }
> {
  if (type === 'pdf') return { document: { type, path, pages: await pdfPages(bytes) } };
  const text = decodeUtf8(bytes);
  if (text === undefined) return { skipped: 'binary content (not UTF-8 text)' };
  switch (type) {
    case 'text':
    case 'markdown':
      return { document: { type, path, text } };
    case 'html':
      return { document: { type, path, text: await htmlToMarkdown(text) } };
    case 'json':
      return { document: { type, path, value: parseJson(text) } };
    case 'jsonl':
      return { document: { type, path, lines: jsonLines(text) } };
  }
}

/** Text without NUL bytes that decodes as UTF-8, minus a byte-order mark; undefined otherwise. */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  if (bytes.subarray(0, 8192).includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`invalid JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Lines are kept as written: a malformed line is still searchable text. */
function jsonLines(text: string): { line: number; text: string }[] {
  const lines: { line: number; text: string }[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim()) lines.push({ line: index + 1, text: line.trimEnd() });
  });
  return lines;
}

async function pdfPages(bytes: Uint8Array): Promise<string[]> {
  // Loaded on first use: pdf.js is large and most folders hold no PDF.
  const { extractText, getDocumentProxy } = await import('unpdf');
  // A copy, because pdf.js may detach the buffer it is given. No eval, no system fonts: the file is untrusted.
  const document = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, useSystemFonts: false, disableFontFace: true, verbosity: 0 });
  try {
    const { text } = await extractText(document, { mergePages: false });
    return text.map((page) => page.trim());
  } finally {
    await document.destroy();
  }
}

/** The part of a DOM element the Markdown rules read: the project compiles without the DOM library. */
interface ElementLike {
  nodeName: string;
  getAttribute(name: string): string | null;
}

let htmlLibraries: Promise<{ parseHTML: typeof import('linkedom').parseHTML; TurndownService: typeof import('turndown') }> | undefined;

/**
 * The page's body as Markdown with ATX headings, so the chunker can split it by section. Links keep
 * their text only: URLs are noise in a search index.
 */
async function htmlToMarkdown(html: string): Promise<string> {
  htmlLibraries ??= Promise.all([import('linkedom'), import('turndown')]).then(([linkedom, turndown]) => ({
    parseHTML: linkedom.parseHTML,
    TurndownService: turndown.default,
  }));
  const { parseHTML, TurndownService } = await htmlLibraries;
  // linkedom drops the content of a fragment without <body>, so fragments are wrapped in one.
  const { document } = parseHTML(/<body[\s>]/i.test(html) ? html : `<!doctype html><html><head></head><body>${html}</body></html>`);
  const title = (document.title || /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1] || '').replace(/\s+/g, ' ').trim();
  const service = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-', emDelimiter: '*' });
  service.remove((node: ElementLike) => REMOVED_HTML_ELEMENTS.has(node.nodeName.toUpperCase()));
  service.addRule('linkText', { filter: 'a', replacement: (content) => content });
  service.addRule('imagesAsAltText', {
    filter: 'img',
    replacement: (_content, node: ElementLike) => {
      const alt = (node.getAttribute('alt') ?? '').replace(/\s+/g, ' ').trim();
      return alt ? `(image: ${alt})` : '';
    },
  });
  const body = document.body?.innerHTML ?? html;
  const markdown = service.turndown(body).replace(/\n{3,}/g, '\n\n').trim();
  // A page whose body has no top heading still gets its title as one, so its sections have a root.
  return title && !/^#\s/m.test(markdown) ? `# ${title}\n\n${markdown}` : markdown;
}

