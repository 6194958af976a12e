import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLocalPluginSource, loadLocalPlugin } from '../../../src/plugins/local/local-plugin.ts';
import { registerTool } from '../../../src/tools/registered-tool.ts';

const fixture = resolve('test/fixtures/plugins/local');
let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'gantry-local-plugin-'));
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** A plugin in a temporary folder: the manifest, and optionally a module with the given source. */
function writePlugin({ manifest, module }: { manifest: unknown; module?: string }): string {
  writeFileSync(join(folder, 'gantry-plugin.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  if (module !== undefined) writeFileSync(join(folder, 'tools.mjs'), module);
  return folder;
}

const toolModule = `import { tool } from ${JSON.stringify(resolve('src/tools/tool.ts'))};\nimport { z } from 'zod';\n`;
const wordCount = `tool({ name: 'word_count', description: 'Counts words.', schema: z.object({ text: z.string() }), execute: ({ text }) => String(text.split(' ').length) })`;

describe('loadLocalPlugin', () => {
  it('loads the fixture plugin from its folder or its manifest, and its tools work', async () => {
    for (const source of [fixture, join(fixture, 'gantry-plugin.json')]) {
      const plugin = await loadLocalPlugin({ source });
      expect({ name: plugin.name, kind: plugin.kind, source: plugin.source, problems: plugin.problems }).toEqual({ name: 'text-tools', kind: 'local', source, problems: [] });
      expect(plugin.tools.map((tool) => registerTool(tool).name)).toEqual(['word_count', 'upper_case']);
    }
    const plugin = await loadLocalPlugin({ source: relative(process.cwd(), fixture) });
    const wordCountTool = registerTool(plugin.tools[0]!);
    const options = { toolCallId: 't', runId: 'r', signal: new AbortController().signal, context: undefined };
    expect(await wordCountTool.run({ text: 'one two  three' }, options)).toBe('3');
  });

  it('takes only the tools the manifest lists, and warns about unknown fields and missing tools', async () => {
    const source = writePlugin({
      manifest: { name: 'subset', module: relative(folder, join(fixture, 'tools.ts')), tools: ['upper_case', 'missing_tool'], homepage: 'x' },
    });
    const plugin = await loadLocalPlugin({ source });
    expect(plugin.tools.map((tool) => tool.name)).toEqual(['upper_case']);
    expect(plugin.problems).toEqual([
      { severity: 'warning', source, where: 'homepage', message: `Unknown field "homepage" in ${join(folder, 'gantry-plugin.json')} is ignored.` },
      { severity: 'warning', source, where: 'tools', message: 'The manifest lists a tool "missing_tool" that the module does not export.' },
    ]);
  });

  it('accepts a default export (an array, or an object with tools) and LangChain tools', async () => {
    const langchain = `import { tool as lcTool } from '@langchain/core/tools';\n`;
    const source = writePlugin({
      manifest: { name: 'defaults', module: 'tools.mjs' },
      module: `${toolModule}${langchain}export default { tools: [${wordCount}, lcTool(async ({ a }) => String(a * 2), { name: 'double', description: 'Doubles.', schema: z.object({ a: z.number() }) })] };`,
    });
    const plugin = await loadLocalPlugin({ source });
    expect(plugin.problems).toEqual([]);
    expect(plugin.tools.map((tool) => tool.name)).toEqual(['word_count', 'double']);
  });

  it('reports each broken shape as a problem without throwing', async () => {
    const manifestPath = join(folder, 'gantry-plugin.json');
    const cases: { manifest: unknown; module?: string; problems: unknown[]; tools?: string[] }[] = [
      { manifest: '{ not json', problems: [{ severity: 'error', message: expect.stringMatching(`^Cannot read ${manifestPath}: `) }] },
      {
        manifest: { name: 'Bad Name', module: 'tools.py', tools: 'all' },
        problems: [{
          severity: 'error',
          message: `${manifestPath} is not a valid plugin manifest: name: expected 1-40 lower-case letters, digits, "_" or "-"; module: expected a path ending in .js, .mjs, .ts; tools: Invalid input: expected array, received string.`,
        }],
      },
      { manifest: { name: 'p', module: 'gone.mjs' }, problems: [{ severity: 'error', where: 'module', message: `The module ${join(folder, 'gone.mjs')} does not exist: check "module" in ${manifestPath}.` }] },
      { manifest: { name: 'p', module: 'tools.mjs' }, module: 'throw new Error("boom at import");', problems: [{ severity: 'error', where: 'module', message: `Cannot import ${join(folder, 'tools.mjs')}: boom at import` }] },
      {
        manifest: { name: 'p', module: 'tools.mjs' },
        module: 'export const tools = { word_count: 1 };',
        problems: [{ severity: 'error', where: 'module', message: `${join(folder, 'tools.mjs')} exports no tools: export "tools" (an array of tools), or a default export that is an array or { tools }.` }],
      },
      {
        manifest: { name: 'p', module: 'tools.mjs' },
        module: `${toolModule}export const tools = [${wordCount}, { name: 'fake', run() {} }, 42, ${wordCount}];`,
        tools: ['word_count'],
        problems: [
          { severity: 'error', where: 'tools[1]', message: expect.stringMatching(/^Not a usable tool: Not a tool: an object named "fake"\./) },
          { severity: 'error', where: 'tools[2]', message: expect.stringMatching(/^Not a usable tool: Not a tool: 42\./) },
          { severity: 'error', where: 'tools[3]', message: 'A second tool is named "word_count"; only the first is kept.' },
        ],
      },
    ];
    for (const [index, testCase] of cases.entries()) {
      // Each case gets its own module file name: an imported module stays cached for the process.
      const manifest = typeof testCase.manifest === 'object' && testCase.module !== undefined
        ? { ...(testCase.manifest as object), module: `tools-${index}.mjs` }
        : testCase.manifest;
      writePlugin({ manifest });
      if (testCase.module !== undefined) writeFileSync(join(folder, `tools-${index}.mjs`), testCase.module);
      const plugin = await loadLocalPlugin({ source: folder });
      const expected = testCase.problems.map((problem) => ({ source: folder, ...(problem as object) }));
      expect(plugin.problems.map((problem) => ({ ...problem, message: problem.message.replace(`tools-${index}.mjs`, 'tools.mjs') }))).toEqual(expected);
      expect(plugin.tools.map((tool) => tool.name)).toEqual(testCase.tools ?? []);
    }
  });

  it('reports a folder without a manifest, named after the folder', async () => {
    const plugin = await loadLocalPlugin({ source: folder });
    expect(plugin.name).toMatch(/^gantry-local-plugin-/);
    expect(plugin.problems).toEqual([{ severity: 'error', source: folder, message: `There is no plugin manifest at ${join(folder, 'gantry-plugin.json')}.` }]);
  });
});

describe('isLocalPluginSource', () => {
  it('recognises a gantry-plugin.json or a folder holding one', () => {
    expect(isLocalPluginSource(fixture)).toBe(true);
    expect(isLocalPluginSource(join(fixture, 'gantry-plugin.json'))).toBe(true);
    expect(isLocalPluginSource(folder)).toBe(false);
    expect(isLocalPluginSource(join(fixture, 'tools.ts'))).toBe(false);
    expect(isLocalPluginSource('https://example.com/gantry-plugin.json')).toBe(false);
  });
});
