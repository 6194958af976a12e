import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { documentTypeOf, loadDocument, walkFiles } from '../../src/memory/loaders.ts';

const CORPUS = new URL('../fixtures/corpus/', import.meta.url).pathname;

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'gantry-loaders-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

const bytes = (text: string) => new TextEncoder().encode(text);

describe('documentTypeOf', () => {
  it('maps extensions to document types, case-insensitively', () => {
    expect(['a.txt', 'b.LOG', 'c.rst', 'd.csv', 'e.md', 'f.mdx', 'g.HTM', 'h.pdf', 'i.json', 'j.ndjson', 'k.jsonl', 'l.png', 'm'].map(documentTypeOf)).toEqual([
      'text', 'text', 'text', 'text', 'markdown', 'markdown', 'html', 'pdf', 'json', 'jsonl', 'jsonl', undefined, undefined,
    ]);
  });
});

describe('walkFiles', () => {
  it('lists loadable files recursively in sorted order, passing over dot entries and node_modules', async () => {
    mkdirSync(join(folder, 'b-folder'));
    mkdirSync(join(folder, '.git'));
    mkdirSync(join(folder, 'node_modules'));
    writeFileSync(join(folder, 'z.md'), '# Z');
    writeFileSync(join(folder, 'a.txt'), 'a');
    writeFileSync(join(folder, 'b-folder', 'inner.json'), '{}');
    writeFileSync(join(folder, '.hidden.md'), 'secret');
    writeFileSync(join(folder, '.git', 'config.txt'), 'x');
    writeFileSync(join(folder, 'node_modules', 'dep.md'), 'x');
    writeFileSync(join(folder, 'image.png'), 'x');
    const { files, skipped } = await walkFiles({ root: folder });
    expect(files.map((file) => [file.path.slice(folder.length), file.type])).toEqual([
      ['/a.txt', 'text'],
      ['/b-folder/inner.json', 'json'],
      ['/z.md', 'markdown'],
    ]);
    expect(skipped).toEqual([{ path: join(folder, 'image.png'), reason: 'unsupported file type (.png)' }]);
  });

  it('skips files over the size limit with a reason', async () => {
    writeFileSync(join(folder, 'big.txt'), 'x'.repeat(3000));
    writeFileSync(join(folder, 'small.txt'), 'x');
    const { files, skipped } = await walkFiles({ root: folder, maxFileBytes: 2048 });
    expect(files.map((file) => file.path)).toEqual([join(folder, 'small.txt')]);
    expect(skipped).toEqual([{ path: join(folder, 'big.txt'), reason: 'larger than the limit (2.9 KB > 2.0 KB)' }]);
  });

  it('follows symbolic links inside the root but not out of it', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'gantry-outside-'));
    try {
      writeFileSync(join(outside, 'secret.md'), '# Secret');
      const root = join(folder, 'root');
      mkdirSync(join(root, 'real'), { recursive: true });
      writeFileSync(join(root, 'real', 'doc.md'), '# Doc');
      symlinkSync(join(outside, 'secret.md'), join(root, 'escape.md'));
      symlinkSync(join(root, 'real'), join(root, 'alias'));
      symlinkSync(root, join(root, 'real', 'loop'));
      const { files, skipped } = await walkFiles({ root });
      expect(files.map((file) => file.path.slice(root.length))).toEqual(['/alias/doc.md', '/real/doc.md']);
      expect(skipped).toEqual([{ path: join(root, 'escape.md'), reason: 'symbolic link to outside the folder' }]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('accepts a single file as the root', async () => {
    writeFileSync(join(folder, 'one.md'), '# One');
    expect((await walkFiles({ root: join(folder, 'one.md') })).files.map((file) => file.type)).toEqual(['markdown']);
    writeFileSync(join(folder, 'one.bin'), 'x');
    expect((await walkFiles({ root: join(folder, 'one.bin') })).skipped).toEqual([
      { path: join(folder, 'one.bin'), reason: 'unsupported file type (.bin)' },
    ]);
  });
});

describe('loadDocument', () => {
  it('keeps text and Markdown as written, minus a byte-order mark', async () => {
    expect(await loadDocument({ path: '/a.md', type: 'markdown', bytes: bytes('\uFEFF# Title\r\nBody') })).toEqual({
      document: { type: 'markdown', path: '/a.md', text: '# Title\r\nBody' },
    });
  });

  it('skips binary content in a text file', async () => {
    expect(await loadDocument({ path: '/a.txt', type: 'text', bytes: new Uint8Array([104, 0, 105]) })).toEqual({ skipped: 'binary content (not UTF-8 text)' });
    expect(await loadDocument({ path: '/b.txt', type: 'text', bytes: new Uint8Array([0xc3, 0x28]) })).toEqual({ skipped: 'binary content (not UTF-8 text)' });
  });

  it('converts HTML to Markdown without scripts, styles or navigation, keeping headings', async () => {
    const html =
      '<html><head><title>Guide</title><style>p { color: red }</style><script>track()</script></head><body>' +
      '<nav><a href="/">Home</a></nav><h1>Guide</h1><p>Read <a href="https://x.test/">the manual</a>.</p>' +
      '<h2>Install</h2><p>Run <code>npm i</code>.</p><script>more()</script></body></html>';
    expect(await loadDocument({ path: '/g.html', type: 'html', bytes: bytes(html) })).toEqual({
      document: { type: 'html', path: '/g.html', text: '# Guide\n\nRead the manual.\n\n## Install\n\nRun `npm i`.' },
    });
  });

  it('gives an HTML page without headings its title as the top heading', async () => {
    const result = await loadDocument({ path: '/t.html', type: 'html', bytes: bytes('<title>Notes</title><p>Just text.</p>') });
    expect(result).toEqual({ document: { type: 'html', path: '/t.html', text: '# Notes\n\nJust text.' } });
  });

  it('parses JSON and reports malformed JSON as an error', async () => {
    expect(await loadDocument({ path: '/a.json', type: 'json', bytes: bytes('{"a": [1, 2]}') })).toEqual({
      document: { type: 'json', path: '/a.json', value: { a: [1, 2] } },
    });
    await expect(loadDocument({ path: '/b.json', type: 'json', bytes: bytes('{"a": ') })).rejects.toThrow(/^invalid JSON: /);
  });

  it('keeps the non-blank lines of JSONL with their line numbers', async () => {
    expect(await loadDocument({ path: '/a.jsonl', type: 'jsonl', bytes: bytes('{"a":1}\n\n{"b":2}  \r\nnot json\n') })).toEqual({
      document: { type: 'jsonl', path: '/a.jsonl', lines: [{ line: 1, text: '{"a":1}' }, { line: 3, text: '{"b":2}' }, { line: 4, text: 'not json' }] },
    });
  });

  it('reads a PDF page by page', async () => {
    const result = await loadDocument({ path: '/p.pdf', type: 'pdf', bytes: readFileSync(join(CORPUS, 'p-retry-readme.pdf')) });
    if (!('document' in result) || result.document.type !== 'pdf') throw new Error('expected a PDF document');
    expect(result.document.pages.length).toEqual(7);
    expect(result.document.pages[0]!.startsWith('# p-retry\n> Retry a promise-returning or async function')).toEqual(true);
    expect(result.document.pages[3]).toContain('The exponential factor to use.');
  });

  it('reports a broken PDF as an error', async () => {
    await expect(loadDocument({ path: '/x.pdf', type: 'pdf', bytes: bytes('%PDF-1.4 not really') })).rejects.toThrow();
  });
});
