import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/agent/errors.ts';
import { chunkDocument, markdownSections, resolveChunking } from '../../src/memory/chunker.ts';

/** The text of lines `start`..`end` (1-based, inclusive). */
const lines = (text: string, start: number, end: number) => text.split('\n').slice(start - 1, end).join('\n');

describe('markdownSections', () => {
  it('cuts at ATX headings, keeps heading paths and ignores # lines inside fenced code', () => {
    const text = [
      '# Tool', // 1
      '', // 2
      'Intro.', // 3
      '## Install', // 4
      '### From source', // 5
      'Run make.', // 6
      '```sh', // 7
      '# not a heading', // 8
      '```', // 9
      '### From npm ###', // 10
      'npm i tool', // 11
      '## Usage', // 12
      '~~~', // 13
      '## still code', // 14
      '~~~', // 15
      '#hashtag is not a heading', // 16
    ].join('\n');
    expect(markdownSections(text).map((section) => ({ heading: section.heading, text: section.text.trimEnd() }))).toEqual([
      { heading: 'Tool', text: '# Tool\n\nIntro.' },
      { heading: 'Tool › Install › From source', text: '### From source\nRun make.\n```sh\n# not a heading\n```' },
      { heading: 'Tool › Install › From npm', text: '### From npm ###\nnpm i tool' },
      { heading: 'Tool › Usage', text: '## Usage\n~~~\n## still code\n~~~\n#hashtag is not a heading' },
    ]);
  });

  it('keeps text before the first heading without a heading', () => {
    expect(markdownSections('Preface.\n\n## Part').map((section) => section.heading)).toEqual([undefined]);
    expect(markdownSections('Preface.\n\n## Part\nBody').map((section) => [section.heading, section.offset])).toEqual([
      [undefined, 0],
      ['Part', 10],
    ]);
  });
});

describe('chunkDocument', () => {
  it('records line ranges that hold each Markdown chunk, across overlapping splits', async () => {
    const paragraphs = Array.from({ length: 30 }, (_, index) => `Paragraph ${index} talks about topic ${index} at some length, enough to fill lines.`);
    const text = `# Guide\n\nIntro line.\n\n## Details\n\n${paragraphs.join('\n\n')}\n`;
    const chunks = await chunkDocument({ document: { type: 'markdown', path: '/g.md', text }, chunkSize: 300, chunkOverlap: 100 });
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks[0]).toEqual({ text: '# Guide\n\nIntro line.', heading: 'Guide', lineStart: 1, lineEnd: 3 });
    for (const chunk of chunks.slice(1)) {
      expect(chunk.heading).toEqual('Guide › Details');
      expect(chunk.text.length).toBeLessThanOrEqual(300);
      // The chunk's lines, joined, contain its text exactly: the line range is right.
      expect(lines(text, chunk.lineStart!, chunk.lineEnd!)).toContain(chunk.text);
      expect(lines(text, chunk.lineStart!, chunk.lineStart!).length).toBeGreaterThan(0);
    }
    // Overlap: consecutive chunks share text.
    expect(chunks[2]!.text.includes(chunks[1]!.text.slice(-40))).toEqual(true);
  });

  it('finds the right lines when the same text repeats', async () => {
    const text = ['Same line here.', 'Same line here.', 'Same line here.', 'Same line here.'].join('\n\n');
    const chunks = await chunkDocument({ document: { type: 'text', path: '/r.txt', text }, chunkSize: 50, chunkOverlap: 0 });
    expect(chunks.map((chunk) => [chunk.lineStart, chunk.lineEnd])).toEqual([
      [1, 5],
      [7, 7],
    ]);
  });

  it('chunks HTML-as-Markdown by heading but without line numbers', async () => {
    const chunks = await chunkDocument({ document: { type: 'html', path: '/p.html', text: '# Page\n\nHello.\n\n## Part\n\nWorld.' } });
    expect(chunks).toEqual([
      { text: '# Page\n\nHello.', heading: 'Page' },
      { text: '## Part\n\nWorld.', heading: 'Page › Part' },
    ]);
  });

  it('chunks PDF pages separately and records the page', async () => {
    const chunks = await chunkDocument({ document: { type: 'pdf', path: '/d.pdf', pages: ['First page.', '', 'Third page.'] } });
    expect(chunks).toEqual([
      { text: 'First page.', page: 1 },
      { text: 'Third page.', page: 3 },
    ]);
  });

  it('makes one chunk per top-level JSON key or element, opening values too large for a chunk', async () => {
    const value = { name: 'tool', scripts: { build: 'tsc -p .', test: 'vitest run '.repeat(7) }, keywords: ['a', 'b'] };
    const chunks = await chunkDocument({ document: { type: 'json', path: '/p.json', value }, chunkSize: 100, chunkOverlap: 0 });
    expect(chunks).toEqual([
      { text: '"tool"', heading: 'name' },
      { text: '"tsc -p ."', heading: 'scripts › build' },
      { text: JSON.stringify('vitest run '.repeat(7)), heading: 'scripts › test' },
      { text: '[\n  "a",\n  "b"\n]', heading: 'keywords' },
    ]);
    const array = await chunkDocument({ document: { type: 'json', path: '/a.json', value: [{ id: 1 }, 2] } });
    expect(array).toEqual([
      { text: '{\n  "id": 1\n}', heading: '[0]' },
      { text: '2', heading: '[1]' },
    ]);
    expect(await chunkDocument({ document: { type: 'json', path: '/s.json', value: 'just a string' } })).toEqual([{ text: '"just a string"' }]);
  });

  it('makes one chunk per JSONL line with its line number, splitting only overlong lines', async () => {
    const long = JSON.stringify({ text: 'word '.repeat(40) });
    const chunks = await chunkDocument({
      document: { type: 'jsonl', path: '/l.jsonl', lines: [{ line: 1, text: '{"a":1}' }, { line: 3, text: long }] },
      chunkSize: 100,
      chunkOverlap: 0,
    });
    expect(chunks[0]).toEqual({ text: '{"a":1}', lineStart: 1, lineEnd: 1 });
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.slice(1).every((chunk) => chunk.lineStart === 3 && chunk.lineEnd === 3 && chunk.text.length <= 100)).toEqual(true);
  });
});

describe('resolveChunking', () => {
  it('fills in defaults and rejects sizes that do not fit together', () => {
    expect(resolveChunking({})).toEqual({ chunkSize: 1000, chunkOverlap: 150 });
    expect(() => resolveChunking({ chunkSize: 200, chunkOverlap: 200 })).toThrow(UserError);
    expect(() => resolveChunking({ chunkSize: 10 })).toThrow('chunkSize must be a whole number of characters between 50 and 100000; got 10.');
  });
});
